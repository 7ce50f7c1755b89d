//! Doc comments become JSDoc: on types, fields, variants, actions and the connect function.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, connect, input, output};

/// A note someone wrote.
///
/// It has a second paragraph, and a comment closer in text: */ must not end the JSDoc.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Note {
    /// The text, in Markdown.
    ///
    /// Two paragraphs here too.
    pub text: String,
    /// Who wrote it.
    pub author: Author,
    /// How it is shown.
    pub style: Style,
    #[deprecated = "use `style`"]
    pub color: Option<String>,
}

/// The author of a note.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Author {
    /// Their display name.
    pub name: String,
}

/// How a note is shown.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Style {
    /// As typed.
    Plain,
    /// In bold.
    Bold,
}

/// The greeting every connection gets first.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Hello {
    /// Server version.
    pub version: String,
}

/// Says hello.
#[channel_func(auth = false)]
pub async fn hello() -> Hello {
    Hello { version: "1".into() }
}

/// Stores a note.
///
/// Returns it as stored.
#[channel_func(auth = false)]
#[allow(deprecated)]
pub async fn keep(input: Note) -> Note {
    input
}

wire_channel! {
    name: "docs",
    route: "/docs",
    auth: false,
    on_connect: hello,
    on_message_wiring: { action: { keep: keep } },
}

bootstrap! { docs }

#[allow(deprecated)]
pub fn samples() -> Vec<Sample> {
    let spec = "DocsChannel";
    let note = Note { text: "t".into(), author: Author { name: "a".into() }, style: Style::Bold, color: None };
    vec![
        Sample::sent(output(spec, "keep"), &note),
        Sample::sent(connect(spec), &Hello { version: "1".into() }),
        Sample::refused::<Note>(
            input(spec, "keep"),
            json!({"text": "t", "author": {"name": "a"}, "style": "Bold"}),
            "styles are lowercase",
        ),
    ]
}

//! `#[serde(flatten)]`: a struct's fields, an enum's variants and a map's entries merged into the
//! outer object.

use std::collections::BTreeMap;

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Page {
    pub title: String,
    #[serde(flatten)]
    pub meta: Meta,
    /// Any other member.
    #[serde(flatten)]
    pub extra: BTreeMap<String, serde_json::Value>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Meta {
    pub author: String,
    #[serde(default)]
    pub draft: bool,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Note {
    pub id: u32,
    #[serde(flatten)]
    pub body: Body,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind")]
pub enum Body {
    Text { text: String },
    Link { href: String },
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Counts {
    pub total: u32,
    #[serde(flatten)]
    pub by_name: BTreeMap<String, u32>,
}

#[channel_func(auth = false)]
pub async fn page(input: Page) -> Page {
    input
}

#[channel_func(auth = false)]
pub async fn note(input: Note) -> Note {
    input
}

#[channel_func(auth = false)]
pub async fn counts(input: Counts) -> Counts {
    input
}

wire_channel! {
    name: "flatten",
    route: "/flatten",
    auth: false,
    on_message_wiring: { action: { page: page, note: note, counts: counts } },
}

bootstrap! { flatten }

pub fn samples() -> Vec<Sample> {
    let spec = "FlattenChannel";
    let page = Page {
        title: "t".into(),
        meta: Meta { author: "a".into(), draft: false },
        extra: BTreeMap::from([("views".to_owned(), json!(3)), ("tags".to_owned(), json!(["x"]))]),
    };
    vec![
        Sample::sent(output(spec, "page"), &page),
        Sample::accepted::<Page>(input(spec, "page"), json!({"title": "t", "author": "a"})),
        Sample::refused::<Page>(
            input(spec, "page"),
            json!({"title": "t", "meta": {"author": "a"}}),
            "`author` is flattened",
        ),
        Sample::never_sent::<Page>(output(spec, "page"), json!({"title": "t", "author": "a"}), "`draft` is written"),
        Sample::sent(output(spec, "note"), &Note { id: 1, body: Body::Text { text: "x".into() } }),
        Sample::sent(output(spec, "note"), &Note { id: 2, body: Body::Link { href: "h".into() } }),
        Sample::refused::<Note>(input(spec, "note"), json!({"id": 1, "kind": "Text"}), "`text` is missing"),
        Sample::refused::<Note>(
            input(spec, "note"),
            json!({"id": 1, "kind": "Link", "text": "x"}),
            "a link has `href`",
        ),
        Sample::sent(
            output(spec, "counts"),
            &Counts { total: 3, by_name: BTreeMap::from([("a".to_owned(), 1), ("b".to_owned(), 2)]) },
        ),
        Sample::refused::<Counts>(input(spec, "counts"), json!({"total": 3, "a": "one"}), "counts are numbers"),
    ]
}

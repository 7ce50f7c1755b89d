//! Internally tagged enums (`#[serde(tag = "type")]`): the tag sits beside the variant's fields,
//! including the fields of a newtype variant's struct.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
pub enum Message {
    Ping,
    Text {
        body: String,
    },
    /// A payload's fields next to the tag.
    Wrapped(Payload),
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Payload {
    pub id: u32,
    #[serde(default)]
    pub priority: u8,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Command {
    StartNow { at: u32 },
    Stop,
}

#[channel_func(auth = false)]
pub async fn send(input: Message) -> Message {
    input
}

#[channel_func(auth = false)]
pub async fn command(input: Command) -> Command {
    input
}

wire_channel! {
    name: "enum_internal",
    route: "/internal",
    auth: false,
    on_message_wiring: { action: { send: send, command: command } },
}

bootstrap! { enum_internal }

pub fn samples() -> Vec<Sample> {
    let spec = "EnumInternalChannel";
    vec![
        Sample::sent(output(spec, "send"), &Message::Ping),
        Sample::sent(output(spec, "send"), &Message::Text { body: "hi".into() }),
        Sample::sent(output(spec, "send"), &Message::Wrapped(Payload { id: 1, priority: 0 })),
        Sample::accepted::<Message>(input(spec, "send"), json!({"type": "Wrapped", "id": 1})),
        Sample::refused::<Message>(input(spec, "send"), json!({"type": "Text"}), "`body` is missing"),
        Sample::refused::<Message>(input(spec, "send"), json!({"type": "Other"}), "no such variant"),
        Sample::refused::<Message>(input(spec, "send"), json!({"Text": {"body": "hi"}}), "the tag is a field"),
        Sample::never_sent::<Message>(
            output(spec, "send"),
            json!({"type": "Wrapped", "id": 1}),
            "`priority` is written",
        ),
        Sample::sent(output(spec, "command"), &Command::StartNow { at: 5 }),
        Sample::sent(output(spec, "command"), &Command::Stop),
        Sample::refused::<Command>(
            input(spec, "command"),
            json!({"kind": "StartNow", "at": 1}),
            "variants are snake_case",
        ),
    ]
}

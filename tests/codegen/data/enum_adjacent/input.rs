//! Adjacently tagged enums (`#[serde(tag = "t", content = "c")]`).

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "t", content = "c")]
pub enum Block {
    Divider,
    Heading(String),
    Pair(u8, u8),
    Image { url: String, alt: Option<String> },
}

#[channel_func(auth = false)]
pub async fn render(input: Block) -> Block {
    input
}

wire_channel! {
    name: "enum_adjacent",
    route: "/adjacent",
    auth: false,
    on_message_wiring: { action: { render: render } },
}

bootstrap! { enum_adjacent }

pub fn samples() -> Vec<Sample> {
    let (i, o) = (input("EnumAdjacentChannel", "render"), output("EnumAdjacentChannel", "render"));
    vec![
        Sample::sent(o.clone(), &Block::Divider),
        Sample::sent(o.clone(), &Block::Heading("h".into())),
        Sample::sent(o.clone(), &Block::Pair(1, 2)),
        Sample::sent(o.clone(), &Block::Image { url: "u".into(), alt: None }),
        Sample::accepted::<Block>(i.clone(), json!({"t": "Image", "c": {"url": "u"}})),
        Sample::refused::<Block>(i.clone(), json!({"t": "Heading"}), "the content is missing"),
        Sample::refused::<Block>(i.clone(), json!({"t": "Heading", "c": 1}), "a heading is a string"),
        Sample::refused::<Block>(i, json!({"Heading": "h"}), "the tag is `t`"),
        Sample::never_sent::<Block>(o, json!({"t": "Image", "c": {"url": "u"}}), "`alt` is written"),
    ]
}

//! Untagged enums: the variants' shapes side by side.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Setting {
    Flag(bool),
    Count(u32),
    Name(String),
    Pair(u8, String),
    Point { x: i32, y: i32 },
    Nothing,
}

#[channel_func(auth = false)]
pub async fn set(input: Setting) -> Setting {
    input
}

wire_channel! {
    name: "enum_untagged",
    route: "/untagged",
    auth: false,
    on_message_wiring: { action: { set: set } },
}

bootstrap! { enum_untagged }

pub fn samples() -> Vec<Sample> {
    let (i, o) = (input("EnumUntaggedChannel", "set"), output("EnumUntaggedChannel", "set"));
    let values = [
        Setting::Flag(true),
        Setting::Count(3),
        Setting::Name("n".into()),
        Setting::Pair(1, "a".into()),
        Setting::Point { x: 1, y: -1 },
        Setting::Nothing,
    ];
    let mut samples: Vec<Sample> = values.iter().map(|v| Sample::sent(o.clone(), v)).collect();
    samples.extend([
        Sample::accepted::<Setting>(i.clone(), json!({"x": 0, "y": 0})),
        Sample::refused::<Setting>(i.clone(), json!([1]), "no variant is a one-element list"),
        Sample::refused::<Setting>(i.clone(), json!({"x": 0}), "a point has `y`"),
        Sample::refused::<Setting>(i, json!([true, "a"]), "a pair starts with a number"),
    ]);
    samples
}

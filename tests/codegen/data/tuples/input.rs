//! Tuples, tuple structs and fixed-size arrays: JSON arrays of a fixed length.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

/// A tuple struct is an array.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Pair(pub u8, pub String);

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Geo {
    pub point: (f64, f64),
    pub rgb: [u8; 3],
    pub labeled: (String, u32, bool),
    pub list: Vec<(String, u8)>,
    pub pair: Pair,
}

#[channel_func(auth = false)]
pub async fn locate(input: Geo) -> Geo {
    input
}

#[channel_func(auth = false)]
pub async fn swap(input: (u8, String)) -> (String, u8) {
    (input.1, input.0)
}

wire_channel! {
    name: "tuples",
    route: "/tuples",
    auth: false,
    on_message_wiring: { action: { locate: locate, swap: swap } },
}

bootstrap! { tuples }

pub fn samples() -> Vec<Sample> {
    let spec = "TuplesChannel";
    let geo = Geo {
        point: (1.5, -2.0),
        rgb: [1, 2, 3],
        labeled: ("a".into(), 1, true),
        list: vec![("x".into(), 1)],
        pair: Pair(1, "one".into()),
    };
    let base = serde_json::to_value(&geo).unwrap();
    let with = |key: &str, value: serde_json::Value| {
        let mut v = base.clone();
        v[key] = value;
        v
    };
    vec![
        Sample::sent(output(spec, "locate"), &geo),
        Sample::accepted::<Geo>(input(spec, "locate"), base.clone()),
        Sample::refused::<Geo>(input(spec, "locate"), with("rgb", json!([1, 2])), "an RGB triple has three numbers"),
        Sample::refused::<Geo>(input(spec, "locate"), with("point", json!([1.0, 2.0, 3.0])), "a point has two numbers"),
        Sample::refused::<Geo>(
            input(spec, "locate"),
            with("labeled", json!([1, "a", true])),
            "the first element is a string",
        ),
        Sample::refused::<Geo>(
            input(spec, "locate"),
            with("pair", json!({"0": 1, "1": "one"})),
            "a tuple struct is an array",
        ),
        Sample::accepted::<(u8, String)>(input(spec, "swap"), json!([1, "a"])),
        Sample::sent(output(spec, "swap"), &("a".to_owned(), 1u8)),
        Sample::refused::<(u8, String)>(input(spec, "swap"), json!(["a", 1]), "the order matters"),
    ]
}

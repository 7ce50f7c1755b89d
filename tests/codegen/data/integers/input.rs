//! Numbers. JSON numbers are JavaScript `number`s: exact for every integer up to 2^53 - 1. Rust's
//! 64- and 128-bit integers (and `usize`) can be larger; they are typed `number` too, with a note
//! in their JSDoc, because `JSON.parse` gives a `number` whatever the type says.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Numbers {
    pub small: u8,
    pub medium: i32,
    /// Milliseconds since the Unix epoch.
    pub big: u64,
    pub signed_big: i64,
    pub huge: u128,
    pub size: usize,
    pub ratio: f64,
    pub single: f32,
    pub many: Vec<u64>,
}

#[channel_func(auth = false)]
pub async fn count(input: Numbers) -> Numbers {
    input
}

#[channel_func(auth = false)]
pub async fn total(input: Vec<u32>) -> u64 {
    input.iter().map(|&n| u64::from(n)).sum()
}

wire_channel! {
    name: "integers",
    route: "/integers",
    auth: false,
    on_message_wiring: { action: { count: count, total: total } },
}

bootstrap! { integers }

pub fn samples() -> Vec<Sample> {
    let spec = "IntegersChannel";
    let max = Numbers {
        small: u8::MAX,
        medium: i32::MIN,
        big: u64::MAX,
        signed_big: i64::MIN,
        huge: u128::MAX,
        size: usize::MAX,
        ratio: 0.5,
        single: 1.25,
        many: vec![0, 1 << 53, u64::MAX],
    };
    vec![
        Sample::sent(output(spec, "count"), &max),
        // A `serde_json::Value` holds integers up to `u64::MAX` (the server reads the text itself).
        Sample::accepted::<Numbers>(
            input(spec, "count"),
            serde_json::to_value(Numbers { huge: u64::MAX.into(), ..max.clone() }).unwrap(),
        ),
        Sample::refused::<Numbers>(
            input(spec, "count"),
            json!({"small": "1", "medium": 0, "big": 0, "signed_big": 0, "huge": 0, "size": 0, "ratio": 0, "single": 0, "many": []}),
            "numbers are not strings",
        ),
        Sample::accepted::<Vec<u32>>(input(spec, "total"), json!([1, 2])),
        Sample::sent(output(spec, "total"), &9_007_199_254_740_993u64),
        Sample::refused::<Vec<u32>>(input(spec, "total"), json!([true]), "a list of numbers"),
    ]
}

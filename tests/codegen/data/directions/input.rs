//! One Rust type, two directions: a type that reads and writes the same is one TypeScript type;
//! one that differs (here a defaulted field) becomes `<Name>Input` and `<Name>Output`, and so
//! does every type that contains it.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Same {
    pub a: String,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Differs {
    pub a: String,
    #[serde(default)]
    pub b: u8,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Holder {
    pub d: Differs,
    pub s: Same,
}

/// Only ever read.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Query {
    #[serde(default)]
    pub limit: u8,
}

#[channel_func(auth = false)]
pub async fn same(input: Same) -> Same {
    input
}

#[channel_func(auth = false)]
pub async fn hold(input: Holder) -> Holder {
    input
}

#[channel_func(auth = false)]
pub async fn search(input: Query) -> Vec<Same> {
    vec![Same { a: input.limit.to_string() }]
}

wire_channel! {
    name: "directions",
    route: "/directions",
    auth: false,
    on_message_wiring: { action: { same: same, hold: hold, search: search } },
}

bootstrap! { directions }

pub fn samples() -> Vec<Sample> {
    let spec = "DirectionsChannel";
    let holder = Holder { d: Differs { a: "x".into(), b: 0 }, s: Same { a: "y".into() } };
    vec![
        Sample::sent(output(spec, "hold"), &holder),
        Sample::accepted::<Holder>(input(spec, "hold"), json!({"d": {"a": "x"}, "s": {"a": "y"}})),
        Sample::never_sent::<Holder>(output(spec, "hold"), json!({"d": {"a": "x"}, "s": {"a": "y"}}), "`b` is written"),
        Sample::ts("M.DiffersInput".to_owned(), r#"{"a": "x"}"#, true, "`DiffersInput` is the read side"),
        Sample::ts("M.DiffersOutput".to_owned(), r#"{"a": "x"}"#, false, "`DiffersOutput` is the written side"),
        Sample::ts("M.Same".to_owned(), r#"{"a": "x"}"#, true, "`Same` is one type"),
        Sample::accepted::<Query>(input(spec, "search"), json!({})),
        Sample::sent(output(spec, "search"), &vec![Same { a: "x".into() }]),
    ]
}

//! Unit structs are `null`; `()` as an input or output is no value at all (a unit input may be
//! left out; a unit output's reply has no `data`), typed `void`.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

/// An acknowledgement.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Ack;

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Holder {
    pub ack: Ack,
    pub unit: (),
}

#[channel_func(auth = false)]
pub async fn ping() {}

#[channel_func(auth = false)]
pub async fn ack(input: Ack) -> Ack {
    input
}

#[channel_func(auth = false)]
pub async fn hold(input: Holder) -> Holder {
    input
}

wire_channel! {
    name: "unit_structs",
    route: "/unit",
    auth: false,
    on_message_wiring: { action: { ping: ping, ack: ack, hold: hold } },
}

bootstrap! { unit_structs }

pub fn samples() -> Vec<Sample> {
    let spec = "UnitStructsChannel";
    vec![
        Sample::ts(input(spec, "ping"), "undefined", true, "a unit input is left out"),
        Sample::ts(output(spec, "ping"), "undefined", true, "a unit output's reply has no `data`"),
        Sample::ts(output(spec, "ping"), "null", false, "no `data` is not `null`"),
        Sample::sent(output(spec, "ack"), &Ack),
        Sample::accepted::<Ack>(input(spec, "ack"), json!(null)),
        Sample::refused::<Ack>(input(spec, "ack"), json!({}), "a unit struct is `null`"),
        Sample::sent(output(spec, "hold"), &Holder { ack: Ack, unit: () }),
        Sample::refused::<Holder>(input(spec, "hold"), json!({"ack": null, "unit": 0}), "`()` is `null`"),
    ]
}

//! `serde_json::Value` is `unknown`: any JSON at all.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Envelope {
    pub payload: serde_json::Value,
    pub meta: Option<serde_json::Value>,
    pub list: Vec<serde_json::Value>,
}

#[channel_func(auth = false)]
pub async fn wrap(input: serde_json::Value) -> Envelope {
    Envelope { payload: input, meta: None, list: vec![] }
}

wire_channel! {
    name: "json_value",
    route: "/value",
    auth: false,
    on_message_wiring: { action: { wrap: wrap } },
}

bootstrap! { json_value }

pub fn samples() -> Vec<Sample> {
    let spec = "JsonValueChannel";
    let mut samples: Vec<Sample> =
        [json!(1), json!("s"), json!(null), json!([1, {"a": true}]), json!({"deep": {"x": []}})]
            .into_iter()
            .map(|v| Sample::accepted::<serde_json::Value>(input(spec, "wrap"), v))
            .collect();
    samples.extend([
        Sample::sent(
            output(spec, "wrap"),
            &Envelope { payload: json!({"k": [1, 2]}), meta: Some(json!(false)), list: vec![json!(null)] },
        ),
        Sample::never_sent::<Envelope>(
            output(spec, "wrap"),
            json!({"payload": 1, "meta": null}),
            "`list` is always written",
        ),
    ]);
    samples
}

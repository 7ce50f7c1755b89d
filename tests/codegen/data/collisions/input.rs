//! Names that would clash: types named like what the client runtime uses (`Error`, `Map`,
//! `ChannelClient`) are renamed with a trailing `_`; two different schemas with one name (a
//! generic struct at two roots) are numbered.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Error {
    pub code: String,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Map {
    pub tiles: Vec<u8>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct ChannelClient {
    pub id: u8,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Wrapper<T> {
    pub value: T,
}

#[channel_func(auth = false)]
pub async fn fail(input: Error) -> Map {
    Map { tiles: input.code.into_bytes() }
}

#[channel_func(auth = false)]
pub async fn client(input: ChannelClient) -> Wrapper<u8> {
    Wrapper { value: input.id }
}

#[channel_func(auth = false)]
pub async fn named(input: Wrapper<String>) -> Wrapper<String> {
    input
}

wire_channel! {
    name: "collisions",
    route: "/collisions",
    auth: false,
    on_message_wiring: { action: { fail: fail, client: client, named: named } },
}

bootstrap! { collisions }

pub fn samples() -> Vec<Sample> {
    let spec = "CollisionsChannel";
    vec![
        Sample::accepted::<Error>(input(spec, "fail"), json!({"code": "x"})),
        Sample::sent(output(spec, "fail"), &Map { tiles: vec![1] }),
        Sample::sent(output(spec, "client"), &Wrapper { value: 1u8 }),
        Sample::sent(output(spec, "named"), &Wrapper { value: "s".to_owned() }),
        Sample::ts(output(spec, "client"), r#"{"value": "s"}"#, false, "this wrapper holds a number"),
        Sample::ts(output(spec, "named"), r#"{"value": 1}"#, false, "this wrapper holds a string"),
    ]
}

//! What the generator refuses, each with one message that says where: schemas a TypeScript type
//! cannot express, references it cannot follow, and names that would clash.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use wirechan::prelude::*;
use wirechan_cli::ts::{self, TsError};

/// A count that is never zero: its schema says so with `not`, which no TypeScript type can.
#[derive(Debug, Serialize, Deserialize)]
#[serde(transparent)]
pub struct NonZero(u32);

impl JsonSchema for NonZero {
    fn schema_name() -> Cow<'static, str> {
        "NonZero".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "integer", "not": { "const": 0 } })
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Order {
    pub quantity: NonZero,
}

/// A type whose schema points outside itself.
#[derive(Debug, Serialize, Deserialize)]
pub struct Remote(String);

impl JsonSchema for Remote {
    fn schema_name() -> Cow<'static, str> {
        "Remote".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "$ref": "https://example.invalid/remote.json" })
    }
}

#[channel_func(auth = false)]
pub async fn order(input: Order) -> bool {
    input.quantity.0 > 0
}

#[channel_func(auth = false)]
pub async fn fetch(input: Remote) -> String {
    input.0
}

#[channel_func(auth = false)]
pub async fn first() {}

#[channel_func(auth = false)]
pub async fn second() {}

wire_channel! {
    name: "orders",
    route: "/orders",
    auth: false,
    on_message_wiring: { action: { order: order } },
}

wire_channel! {
    name: "remote",
    route: "/remote",
    auth: false,
    on_message_wiring: { action: { fetch: fetch } },
}

wire_channel! {
    name: "twice",
    route: "/twice",
    auth: false,
    on_message_wiring: { action: { go: first }, type: { go: second } },
}

wire_channel! {
    name: "chat-room",
    route: "/a",
    module: chat_room_a,
    auth: false,
    on_message_wiring: { action: { first: first } },
}

wire_channel! {
    name: "chat_room",
    route: "/b",
    module: chat_room_b,
    auth: false,
    on_message_wiring: { action: { second: second } },
}

fn manifest(channels: Vec<wirechan::ChannelManifest>) -> wirechan::Manifest {
    wirechan::Manifest { version: wirechan::MANIFEST_VERSION, channels }
}

#[test]
fn a_keyword_typescript_cannot_express_is_an_error_that_says_where() {
    let error = ts::declarations(&manifest(vec![orders::manifest()])).unwrap_err();
    assert!(matches!(error, TsError::Unsupported { .. }));
    assert_eq!(
        error.to_string(),
        "cannot express the JSON Schema keyword `not` in TypeScript (channel `orders`, action `order` input, type \
         `NonZero`, at `/not`); change the Rust type, or its `JsonSchema`, to a shape TypeScript can describe"
    );
}

#[test]
fn a_reference_outside_the_schema_is_an_error() {
    let error = ts::module(&manifest(vec![remote::manifest()]), "remote").unwrap_err();
    let message = error.to_string();
    assert!(
        message.starts_with(
            "cannot express the reference `https://example.invalid/remote.json` (only references into the schema's own \
             `$defs` can be followed) in TypeScript (channel `remote`, action `fetch` input)"
        ),
        "{message}"
    );
}

#[test]
fn one_action_name_under_two_routing_keys_is_an_error() {
    let error = ts::declarations(&manifest(vec![twice::manifest()])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "channel `twice` wires action `go` under the routing keys `action` and `type`; the TypeScript client names \
         actions by their value, so give them different names"
    );
}

#[test]
fn channels_whose_names_become_the_same_identifier_are_an_error() {
    let error = ts::declarations(&manifest(vec![chat_room_a::manifest(), chat_room_b::manifest()])).unwrap_err();
    assert_eq!(
        error.to_string(),
        "channels `chat-room` and `chat_room` both become `ChatRoomChannel` in TypeScript; give one of them another name"
    );
}

#[test]
fn a_manifest_of_another_version_is_refused() {
    let error = wirechan_cli::export::parse_manifest("p", r#"{"version": 99, "channels": []}"#).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "package `p` wrote a manifest that cannot be read: its version is 99, this CLI reads version {}; use the \
             CLI of the same wirechan version",
            wirechan::MANIFEST_VERSION
        )
    );
    let empty = format!(r#"{{"version": {}, "channels": []}}"#, wirechan::MANIFEST_VERSION);
    let error = wirechan_cli::export::parse_manifest("p", &empty).unwrap_err();
    assert_eq!(error.to_string(), "package `p` exports a manifest without channels");
}

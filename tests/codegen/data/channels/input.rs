//! Several channels in one bootstrap: route params, opening data with defaults, a connect frame or
//! none, several routing keys, unit inputs and outputs, anonymous outputs, `auth`, a hyphenated
//! name and an `on_message` fallback.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, connect, input, opening, output};

/// Where a lobby connection goes: `/lobby/:room?guest=true`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Room {
    pub room: String,
    #[serde(default)]
    pub guest: bool,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Welcome {
    pub room: String,
    pub members: u32,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Item {
    pub id: u32,
}

/// Greets the newcomer.
#[channel_func]
pub async fn join(ctx: Ctx<Room>) -> Welcome {
    Welcome { room: ctx.opening_data().room.clone(), members: 1 }
}

/// Lists the room's items.
#[channel_func(auth = false)]
pub async fn list(_ctx: Ctx<Room>) -> Vec<Item> {
    vec![Item { id: 1 }]
}

/// Finds one item.
#[channel_func]
pub async fn find(_ctx: Ctx<Room>, input: Item) -> Option<Item> {
    Some(input)
}

/// Says who you are.
#[channel_func(auth = false)]
pub async fn whoami(_ctx: Ctx<Room>) -> String {
    "guest".to_owned()
}

/// Forgets everything.
#[channel_func]
pub async fn reset(_ctx: Ctx<Room>) {}

/// Anything else.
#[channel_func(auth = false)]
pub async fn other(_ctx: Ctx<Room>, input: serde_json::Value) -> serde_json::Value {
    input
}

wire_channel! {
    name: "lobby",
    route: "/lobby/:room",
    opening_data: Room,
    on_connect: join,
    on_message: other,
    on_message_wiring: {
        action: { list: { func: list, auth: false }, find: find },
        type: { whoami: whoami, reset: reset },
    },
    tags: ["rooms", "public"],
}

/// Counts.
#[channel_func(auth = false)]
pub async fn tick() -> u64 {
    1
}

wire_channel! {
    name: "status-feed",
    route: "/status",
    module: status_feed,
    auth: false,
    on_message_wiring: { op: { tick: tick } },
}

bootstrap! { lobby, status_feed }

pub fn samples() -> Vec<Sample> {
    let (lobby, status) = ("LobbyChannel", "StatusFeedChannel");
    vec![
        Sample::accepted::<Room>(opening(lobby), json!({"room": "r"})),
        Sample::refused::<Room>(opening(lobby), json!({"guest": true}), "the room is a route param"),
        Sample::sent(connect(lobby), &Welcome { room: "r".into(), members: 2 }),
        Sample::ts(input(lobby, "list"), "undefined", true, "no input"),
        Sample::sent(output(lobby, "list"), &vec![Item { id: 1 }]),
        Sample::sent(output(lobby, "find"), &Some(Item { id: 1 })),
        Sample::sent(output(lobby, "find"), &None::<Item>),
        Sample::sent(output(lobby, "whoami"), &"guest"),
        Sample::ts(output(lobby, "whoami"), "1", false, "the output is a string"),
        Sample::ts(output(lobby, "reset"), "undefined", true, "a unit reply has no data"),
        Sample::ts(connect(status), "undefined", true, "no on_connect: nothing is sent first"),
        Sample::ts(opening(status), "undefined", true, "no opening data"),
        Sample::sent(output(status, "tick"), &1u64),
    ]
}

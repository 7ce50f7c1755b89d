// Every problem of one invocation is reported at once.
use wirechan::prelude::*;

#[channel_func]
pub async fn ping() -> String {
    "pong".to_owned()
}

wire_channel! {
    name: "type",
    name: "again",
    auth: maybe,
    route: "/a/:",
    on_message: { fn: ping },
    on_message_wiring: {
        action: { ping: { func: ping, colour: "red" } },
        action: { pong: ping },
    },
}

fn main() {}

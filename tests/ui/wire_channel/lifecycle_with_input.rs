use wirechan::prelude::*;

#[channel_func]
async fn join(_ctx: Ctx, room: String) -> String {
    room
}

#[channel_func]
async fn leave(_ctx: Ctx) -> String {
    "bye".to_owned()
}

wire_channel! {
    name: "chat",
    route: "/chat",
    on_connect: join,
    on_disconnect: leave,
}

fn main() {}

use wirechan::prelude::*;

pub struct Room {
    pub room: String,
}

#[channel_func]
async fn hello(_ctx: Ctx<Room>) -> String {
    "hi".to_owned()
}

wire_channel! {
    name: "chat",
    route: "/chat",
    opening_data: Room,
    on_message_wiring: { action: { hello: hello } },
}

fn main() {}

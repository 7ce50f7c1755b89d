use wirechan::prelude::*;

#[derive(Deserialize, JsonSchema)]
pub struct Room {
    pub room: String,
}

#[derive(Deserialize, JsonSchema)]
pub struct Lobby {
    pub floor: u32,
}

#[channel_func]
pub async fn send_message(ctx: Ctx<Room>, text: String) -> String {
    format!("{}: {text}", ctx.opening_data().room)
}

wire_channel! {
    name: "lobby",
    route: "/lobby",
    opening_data: Lobby,
    on_message_wiring: {
        action: { sendMessage: send_message },
    },
}

fn main() {}

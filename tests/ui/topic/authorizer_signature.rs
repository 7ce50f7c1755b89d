use wirechan::prelude::*;

#[derive(Topic, Deserialize, JsonSchema)]
#[topic("room:{room}", payload = String)]
pub struct Room {
    pub room: String,
}

// Authorizes nothing: it takes a `String`, not the topic's parameters, and returns a value.
#[channel_func]
async fn may_join(_ctx: Ctx, room: String) -> Result<bool, ChannelError> {
    Ok(!room.is_empty())
}

wire_channel! {
    name: "chat",
    route: "/chat",
    topics: { room: { topic: Room, subscribe: may_join } },
}

fn main() {}

use wirechan::prelude::*;

#[derive(Serialize, JsonSchema)]
pub struct Said {
    pub text: String,
}

#[derive(Topic, Deserialize, JsonSchema)]
#[topic("room:{room}", payload = Said)]
pub struct Room {
    pub room: String,
}

// Publishes a `String` to a topic that carries `Said`.
#[channel_func]
async fn shout(ctx: Ctx, text: String) -> Result<(), ChannelError> {
    ctx.hub().publish(&Room { room: "general".to_owned() }, None, &text).await?;
    Ok(())
}

wire_channel! {
    name: "chat",
    route: "/chat",
    on_message_wiring: { action: { shout: shout } },
    topics: { room: Room },
}

fn main() {}

//! The channel shown in the README, kept compiling.

use wirechan::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Room { room: String }                     // opening data: /chat?room=general

#[derive(Deserialize, JsonSchema)]
struct SendMessage { message: String }

#[derive(Serialize, JsonSchema)]
struct Sent { message: String }

/// Greets the newcomer and joins the room.
#[channel_func]
async fn on_connect(ctx: Ctx<Room>) -> Result<String, ChannelError> {
    ctx.hub().subscribe(&format!("room:{}", ctx.opening_data().room))?;
    Ok(format!("Welcome to {}!", ctx.opening_data().room))
}

/// Sends a message to everyone else in the room.
#[channel_func(auth = false)]
async fn send_message(ctx: Ctx<Room>, input: SendMessage) -> Result<Sent, ChannelError> {
    let topic = format!("room:{}", ctx.opening_data().room);
    ctx.hub().publish(&topic, Some(ctx.connection_id()), &input.message).await?;
    Ok(Sent { message: input.message })
}

wire_channel! {
    name: "chat",
    route: "/chat",
    opening_data: Room,
    on_connect: on_connect,
    on_message_wiring: { action: { sendMessage: send_message } },
}

// The README's `main` serves forever; here the same app is built and its wiring checked.
fn main() {
    let app = App::new(()).channel(chat::channel());
    drop(app);
    let manifest = chat::manifest();
    assert_eq!(manifest.actions.len(), 1);
    assert_eq!(manifest.actions[0].action, "sendMessage");
    assert!(!manifest.actions[0].auth);
}

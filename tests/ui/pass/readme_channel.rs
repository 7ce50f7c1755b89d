//! The channel shown in the README, kept compiling.

use wirechan::prelude::*;

#[derive(Deserialize, JsonSchema)]
struct Room { room: String }                     // opening data: /chat?room=general

#[derive(Deserialize, JsonSchema)]
struct SendMessage { message: String }

#[derive(Serialize, JsonSchema)]
struct Sent { message: String }

/// What a room carries: every publication to it is one of these.
#[derive(Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "camelCase")]
enum RoomEvent { Message { text: String } }

/// A room's topic, `room:{room}`: its fields are the topic's parameters.
#[derive(Topic, Deserialize, JsonSchema)]
#[topic("room:{room}", payload = RoomEvent)]
struct RoomTopic { room: String }

/// Greets the newcomer and joins the room.
#[channel_func]
async fn on_connect(ctx: Ctx<Room>) -> Result<String, ChannelError> {
    ctx.hub().subscribe(&RoomTopic { room: ctx.opening_data().room.clone() })?;
    Ok(format!("Welcome to {}!", ctx.opening_data().room))
}

/// Sends a message to everyone else in the room.
#[channel_func(auth = false)]
async fn send_message(ctx: Ctx<Room>, input: SendMessage) -> Result<Sent, ChannelError> {
    let topic = RoomTopic { room: ctx.opening_data().room.clone() };
    let event = RoomEvent::Message { text: input.message.clone() };
    ctx.hub().publish(&topic, Some(ctx.connection_id()), &event).await?; // a String would not compile
    Ok(Sent { message: input.message })
}

/// Lets a client enter any other room too: `{"subscribe":"room","room":"lobby"}`.
#[channel_func(auth = false)]
async fn may_enter(topic: RoomTopic) -> Result<(), ChannelError> {
    if topic.room.is_empty() { Err(ChannelError::invalid_input("room", "must not be empty")) } else { Ok(()) }
}

wire_channel! {
    name: "chat",
    route: "/chat",
    opening_data: Room,
    on_connect: on_connect,
    on_message_wiring: { action: { sendMessage: send_message } },
    topics: { room: { topic: RoomTopic, subscribe: may_enter } },
}

// The README's `main` serves forever; here the same app is built and its wiring checked.
fn main() {
    let app = App::new(()).channel(chat::channel());
    drop(app);
    let manifest = chat::manifest();
    assert_eq!(manifest.actions.len(), 1);
    assert_eq!(manifest.actions[0].action, "sendMessage");
    assert!(!manifest.actions[0].auth);
    assert_eq!(manifest.topics[0].pattern, "room:{room}");
    assert_eq!(manifest.topics[0].subscribe.as_ref().map(|s| s.function.as_str()), Some("may_enter"));
}

//! The chat example: one channel at `/chat?room=<room>`. Every connection joins its room's
//! topic; `authenticate` takes an HS256 JWT and sets the session; a signed-in client may enter
//! more rooms by subscribing to their topic (`room`); `sendMessage` publishes a typed
//! [`RoomEvent`] to a room the connection is in, excluding the sender.
//!
//! Run with: `cargo run -p example-chat` (listens on `HOST`/`PORT`, default 127.0.0.1:3000).

mod auth;
mod messages;
mod metrics;

use wirechan::prelude::*;

pub use auth::{Claims, JwtKeys, demo_token};
pub use messages::*;
pub use metrics::{METRICS_PATH, prometheus, with_metrics};

/// The secret the example signs tokens with when `CHAT_JWT_SECRET` is not set: for development
/// only (it also serves `/demo-token`).
pub const DEV_SECRET: &str = "dev-secret";

/// The services chat functions share.
pub struct Services {
    /// Keys that sign and verify session tokens.
    pub jwt: JwtKeys,
}

/// The signed-in user, kept as the connection's session.
#[derive(Debug, Clone)]
pub struct User {
    /// The token's subject.
    pub id: String,
    /// The display name.
    pub name: String,
}

fn room_topic(room: &str) -> RoomTopic {
    RoomTopic { room: room.to_owned() }
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
}

/// Greets the newcomer and subscribes the connection to its room.
#[channel_func]
pub async fn on_connect(ctx: Ctx<Room, Services>) -> Result<Welcome, ChannelError> {
    let room = &ctx.opening_data().room;
    ctx.hub().subscribe(&room_topic(room))?;
    Ok(Welcome { welcome: format!("Welcome to {room}!") })
}

/// Tells the room who left.
#[channel_func]
pub async fn on_disconnect(ctx: Ctx<Room, Services>) {
    let who = match ctx.session().get::<User>() {
        Some(user) => user.name.clone(),
        None => ctx.connection_id().to_string(),
    };
    let topic = room_topic(&ctx.opening_data().room);
    let left = RoomEvent::Left(Left { left: who });
    if let Err(e) = ctx.hub().publish(&topic, Some(ctx.connection_id()), &left).await {
        tracing::warn!(error = %e, "could not announce a departure");
    }
}

/// Signs in with a JWT (HS256, claims `sub`, `name`, `exp`); later messages on this socket are
/// authenticated until the token expires. Signing in again with a fresh token renews the session
/// on the same socket.
#[channel_func(auth = false)]
pub async fn authenticate(ctx: Ctx<Room, Services>, input: Authenticate) -> Result<Authenticated, ChannelError> {
    let claims = ctx.services().jwt.verify(&input.token)?;
    let expires_at = claims.expires_at();
    ctx.session().set_until(User { id: claims.sub, name: claims.name }, expires_at);
    let expires_at = expires_at.duration_since(std::time::UNIX_EPOCH).map_or(u64::MAX, |d| d.as_millis() as u64);
    Ok(Authenticated { authenticated: true, expires_at })
}

/// Sends a message to the room (1 to 2000 characters).
#[channel_func]
pub async fn send_message(ctx: Ctx<Room, Services>, input: SendMessage) -> Result<MessageSent, ChannelError> {
    let chars = input.message.chars().count();
    if chars == 0 {
        return Err(ChannelError::invalid_input("message", "must not be empty"));
    }
    if chars > MAX_MESSAGE_CHARS {
        return Err(ChannelError::invalid_input("message", format!("must be at most {MAX_MESSAGE_CHARS} characters")));
    }
    let user = ctx.session().get::<User>().ok_or_else(|| ChannelError::unauthorized("sign in first"))?;
    let timestamp = now_ms();
    let topic = room_topic(input.room.as_deref().unwrap_or(&ctx.opening_data().room));
    if !ctx.hub().topics().contains(&wirechan::Topic::name(&topic)) {
        return Err(ChannelError::forbidden(format!("enter the room `{}` before sending to it", topic.room)));
    }
    let published = RoomMessage { from: user.name.clone(), message: input.message.clone(), timestamp };
    ctx.hub().publish(&topic, Some(ctx.connection_id()), &RoomEvent::Message(published)).await?;
    Ok(MessageSent { message: input.message, timestamp })
}

/// Lets a signed-in user enter a room (the channel's `auth: true` requires the session): any
/// room whose name has 1 to 64 characters. Tells the room who comes, once per connection (the
/// newcomer, not yet subscribed, gets only its position).
#[channel_func]
pub async fn may_enter_room(ctx: Ctx<Room, Services>, topic: RoomTopic) -> Result<(), ChannelError> {
    let chars = topic.room.chars().count();
    if chars == 0 || chars > MAX_ROOM_CHARS {
        return Err(ChannelError::invalid_input("room", format!("must have 1 to {MAX_ROOM_CHARS} characters")));
    }
    // Subscribing again on the same connection (a client filling a gap) is no news to the room;
    // a client that reconnects enters again, and is announced again.
    let entering = !ctx.hub().topics().contains(&wirechan::Topic::name(&topic));
    if entering && let Some(user) = ctx.session().get::<User>() {
        let joined = RoomEvent::Joined(Joined { joined: user.name.clone() });
        ctx.hub().publish(&topic, Some(ctx.connection_id()), &joined).await?;
    }
    Ok(())
}

wire_channel! {
    name: "chat",
    route: "/chat",
    auth: true,
    opening_data: Room,
    on_connect: on_connect,
    on_disconnect: on_disconnect,
    on_error: log_error,
    on_message_wiring: {
        action: {
            authenticate: authenticate,
            sendMessage: send_message,
        },
    },
    topics: {
        // Every room keeps its last 100 messages for 10 minutes: a client that comes back gets what it
        // missed, and one that enters sees the recent ones.
        room: { topic: RoomTopic, subscribe: may_enter_room, history: { size: 100, ttl: "10m" } },
    },
    tags: ["chat"],
}

// Every channel of the app; `wirechan ts --package example-chat` reads their manifest from here.
bootstrap! { chat }

fn log_error(event: &wirechan::ErrorEvent<'_>) {
    match &event.kind {
        wirechan::ErrorKind::Sent(e) => {
            tracing::debug!(connection_id = %event.connection_id, action = ?event.action, code = e.code(), "error sent")
        }
        wirechan::ErrorKind::Transport(e) => {
            tracing::debug!(connection_id = %event.connection_id, error = %e, "transport error")
        }
    }
}

/// The chat app: the `chat` channel with tokens signed by `secret`.
pub fn app(secret: &str) -> App<Services> {
    App::new(Services { jwt: JwtKeys::new(secret) }).channels(bootstrap::channels())
}

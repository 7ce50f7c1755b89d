//! The chat channel's message types.

use wirechan::prelude::*;

/// Longest message accepted, in characters.
pub const MAX_MESSAGE_CHARS: usize = 2000;

/// Longest room name accepted, in characters.
pub const MAX_ROOM_CHARS: usize = 64;

/// Opening data: `/chat?room=general`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Room {
    /// The room to join.
    pub room: String,
}

/// The first frame of every connection.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Welcome {
    /// `Welcome to <room>!`
    pub welcome: String,
}

/// Input of `authenticate`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Authenticate {
    /// An HS256 JWT with claims `sub` and `name`.
    pub token: String,
}

/// Output of `authenticate`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Authenticated {
    /// Always `true`: a bad token is an `unauthorized` error.
    pub authenticated: bool,
    /// When the session ends (the token's `exp`), in milliseconds since the Unix epoch: sign in
    /// again with a fresh token before then.
    #[serde(rename = "expiresAt")]
    pub expires_at: u64,
}

/// Input of `sendMessage`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct SendMessage {
    /// The text, 1 to 2000 characters.
    pub message: String,
    /// The room to send it to (one the connection is in); default: the room it opened with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
}

/// Output of `sendMessage`.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct MessageSent {
    /// The text sent.
    pub message: String,
    /// When the server took it, in milliseconds since the Unix epoch.
    pub timestamp: u64,
}

/// A chat room: every connection is in its opening room's; a signed-in client may enter more
/// (`{"subscribe":"room","room":"lobby"}`).
#[derive(Debug, Clone, Topic, Serialize, Deserialize, JsonSchema)]
#[topic("room:{room}", payload = RoomEvent)]
pub struct RoomTopic {
    /// The room's name, 1 to 64 characters.
    pub room: String,
}

/// What a room carries: a message, someone entering, or someone leaving. Untagged: each kind is
/// told apart by its members (`message`, `joined` or `left`).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum RoomEvent {
    /// Someone said something.
    Message(RoomMessage),
    /// Someone signed in entered the room by subscribing to it.
    Joined(Joined),
    /// Someone left.
    Left(Left),
}

/// Published to `room:<room>` when a signed-in client enters it by subscribing.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Joined {
    /// The user's name.
    pub joined: String,
}

/// Published to `room:<room>` for every message.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RoomMessage {
    /// The sender's name.
    pub from: String,
    /// The text.
    pub message: String,
    /// When the server took it, in milliseconds since the Unix epoch.
    pub timestamp: u64,
}

/// Published to `room:<room>` when a connection closes.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Left {
    /// The user's name, or the connection's id when it never signed in.
    pub left: String,
}

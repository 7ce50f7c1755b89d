//! A chat bot on wirechan's typed Rust client (`wirechan::client`): it signs in to the chat
//! example, enters a room through a client subscription, and answers every message that mentions
//! it. Its calls (`authenticate`, `sendMessage`) and the room's events (`RoomEvent`) are the chat
//! channel's own Rust types: a change on the server that breaks the bot does not compile.
//!
//! Run with: `cargo run -p example-chat-bot` while `cargo run -p example-chat` serves (environment:
//! `CHAT_URL`, default `ws://127.0.0.1:3000`; `ROOM`, default `general`; `CHAT_JWT_SECRET`, the
//! server's, default its development secret).

use std::time::Duration;

use example_chat::{Authenticate, Claims, JwtKeys, RoomEvent, RoomTopic, SendMessage, chat};
use futures_util::StreamExt;
use wirechan::client::{Client, ClientError};

/// The bot's display name; a message that mentions `bot` (any case) gets an answer.
pub const BOT_NAME: &str = "Chat Bot";

/// What the bot answers to `message` from `from`, if anything.
pub fn answer(from: &str, message: &str) -> Option<String> {
    if from == BOT_NAME || !message.to_lowercase().contains("bot") {
        return None;
    }
    let chars = message.chars().count();
    Some(format!("Hello {from}! You wrote {chars} characters; I answer every message that mentions me."))
}

/// Connects to the chat server at `url` (`ws://host:port`), signs in with tokens signed by
/// `secret` (renewed on every reconnect), enters `room` and answers until the connection is closed
/// for good. Returns how many messages it answered.
pub async fn run(url: &str, room: &str, secret: &str) -> Result<usize, ClientError> {
    let keys = JwtKeys::new(secret);
    let client = Client::builder(format!("{url}/chat?room={room}"))
        .sign_in::<chat::actions::Authenticate>(move || Authenticate {
            token: keys.sign(&Claims::new("bot", BOT_NAME, Duration::from_secs(3600))),
        })
        .connect()
        .await?;
    let mut events = client.subscribe(&RoomTopic { room: room.to_owned() }).await?;
    tracing::info!(room, "the bot is in the room");
    let mut answered = 0;
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(event) => event,
            // Messages it missed are not answered: the bot answers what it sees live.
            Err(gap) => {
                tracing::info!(%gap, "the bot was away");
                continue;
            }
        };
        let RoomEvent::Message(message) = event else { continue };
        let Some(text) = answer(&message.from, &message.message) else { continue };
        let reply = SendMessage { message: text, room: Some(room.to_owned()) };
        match client.call::<chat::actions::SendMessage>(&reply).await {
            Ok(_) => answered += 1,
            Err(e) => tracing::warn!(error = %e, "could not answer"),
        }
    }
    Ok(answered)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_mentions_only_and_never_itself() {
        assert!(answer("Ada", "hello bot").is_some());
        assert!(answer("Ada", "Hello BOT!").is_some());
        assert_eq!(answer("Ada", "hello everyone"), None);
        assert_eq!(answer(BOT_NAME, "the bot says hi"), None);
    }
}

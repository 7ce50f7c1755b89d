//! A chat member: an envelope-mode client that joined a room and signed in.

use example_chat::{Authenticate, Claims, JwtKeys, SendMessage, chat};
use serde_json::Value;
use wirechan::testing::{Event, TestClient};

use super::QUIET;
use super::chat_node::{ChatNode, SECRET};

pub struct Member {
    pub name: String,
    pub client: TestClient,
}

impl Member {
    /// Connects to `room` on `node`, reads the welcome and signs in as `name`.
    pub async fn join(node: &ChatNode, room: &str, name: &str) -> Self {
        let mut client = TestClient::connect_envelope(&node.url(room)).await.expect("the node accepts the connection");
        let welcome = client.recv_json().await.expect("a welcome");
        assert_eq!(welcome["data"]["welcome"], format!("Welcome to {room}!"));
        let token = JwtKeys::new(SECRET).sign(&Claims::new(
            name.to_owned(),
            name.to_owned(),
            std::time::Duration::from_secs(3600),
        ));
        let reply = client.call::<chat::actions::Authenticate>(&Authenticate { token }).await.expect("signed in");
        assert!(reply.authenticated);
        Self { name: name.to_owned(), client }
    }

    /// Sends a message to the room and checks the reply.
    pub async fn say(&mut self, message: &str) {
        let sent = self
            .client
            .call::<chat::actions::SendMessage>(&SendMessage { message: message.to_owned(), room: None })
            .await
            .unwrap_or_else(|e| panic!("{} could not send {message:?}: {e}", self.name));
        assert_eq!(sent.message, message);
    }

    /// The next publication on `room:<room>`, as `data`.
    pub async fn next_in(&mut self, room: &str) -> Value {
        let frame =
            self.client.recv_json().await.unwrap_or_else(|e| panic!("{} waited for a publication: {e}", self.name));
        assert_eq!(frame["topic"], format!("room:{room}"), "{} got {frame}", self.name);
        frame["data"].clone()
    }

    /// The next `count` messages of `room`, as `(from, message)`.
    pub async fn messages(&mut self, room: &str, count: usize) -> Vec<(String, String)> {
        let mut got = Vec::with_capacity(count);
        for _ in 0..count {
            let data = self.next_in(room).await;
            let (Some(from), Some(message)) = (data["from"].as_str(), data["message"].as_str()) else {
                panic!("{} expected a message in {room}, got {data}", self.name);
            };
            got.push((from.to_owned(), message.to_owned()));
        }
        got
    }

    /// Fails if anything arrives within [`QUIET`].
    pub async fn assert_silent(&mut self, why: &str) {
        if let Some(event) = self.client.try_recv_within(QUIET).await {
            panic!("{} should have received nothing ({why}), got {event:?}", self.name);
        }
    }

    /// Leaves by closing the socket normally, and waits for the server's close.
    pub async fn leave(mut self) {
        self.client.close(1000, "bye").await.expect("close sent");
        loop {
            match self.client.recv().await {
                Ok(Event::Closed { .. }) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }
}

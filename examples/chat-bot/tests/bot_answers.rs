//! The bot against the chat example served on a loopback port: a user who mentions it in the
//! room gets its answer, as a typed publication of the room.

use std::time::Duration;

use serde_json::json;
use wirechan::testing::{TestClient, TestServer};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_answers_a_mention_in_its_room() {
    let secret = "bot-test-secret";
    let server = TestServer::start(example_chat::app(secret)).await.unwrap();
    let url = format!("ws://{}", server.addr());
    let bot = tokio::spawn({
        let url = url.clone();
        async move { example_chat_bot::run(&url, "bots", secret).await }
    });

    let keys = example_chat::JwtKeys::new(secret);
    let token = keys.sign(&example_chat::Claims::new("ada", "Ada", Duration::from_secs(600)));
    let mut ada = TestClient::connect(&format!("{url}/chat?room=bots")).await.unwrap();
    ada.recv_json().await.unwrap(); // the welcome
    ada.send_json(&json!({ "action": "authenticate", "token": token })).await.unwrap();
    ada.recv_json().await.unwrap();
    // The bot may still be entering the room: mention it until it answers.
    let mut answer = None;
    for _ in 0..50 {
        ada.send_json(&json!({ "action": "sendMessage", "message": "hello bot" })).await.unwrap();
        // Ada's own message is not sent back to her: a message published to the room is the
        // bot's (it also announces itself when it enters: `joined`).
        let wait = Duration::from_millis(300);
        while let Ok(frame) = tokio::time::timeout(wait, ada.next_publication::<serde_json::Value>("room:bots")).await {
            let frame = frame.unwrap();
            if frame.get("message").is_some() {
                answer = Some(frame);
            }
        }
        if answer.is_some() {
            break;
        }
    }
    let answer = answer.expect("the bot answered within 15 s");
    assert_eq!(answer["from"], json!("Chat Bot"), "{answer}");
    assert!(answer["message"].as_str().unwrap_or_default().starts_with("Hello Ada!"), "{answer}");
    bot.abort();
    server.shutdown().await.unwrap();
}

//! The three actions of the echo channel, in flat and in envelope mode, over a real socket.

use std::time::Duration;

use serde_json::{Value, json};
use wirechan::testing::{Event, TestClient, TestServer};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The next publication on `topic`, whatever its payload.
async fn publication(client: &mut TestClient, topic: &str) -> Result<Value, Box<dyn std::error::Error>> {
    Ok(client.next_publication::<Value>(topic).await?)
}

#[tokio::test]
async fn flat_mode_echo_join_and_publish() -> TestResult {
    let server = TestServer::start(example_echo::app()).await?;
    let mut alice = TestClient::connect(&server.url("/echo")).await?;
    let mut bob = TestClient::connect(&server.url("/echo")).await?;

    alice.send_json(&json!({"action": "echo", "n": 1, "text": "hi", "nested": {"a": [1, 2]}})).await?;
    assert_eq!(alice.recv_json().await?, json!({"action": "echo", "n": 1, "text": "hi", "nested": {"a": [1, 2]}}));

    bob.send_json(&json!({"action": "join", "room": "lobby"})).await?;
    assert_eq!(bob.recv_json().await?, json!({"action": "join", "joined": "lobby"}));

    alice.send_json(&json!({"action": "publish", "room": "lobby", "text": "hello", "t": 7})).await?;
    assert_eq!(alice.recv_json().await?, json!({"action": "publish", "delivered": 1}));
    assert_eq!(publication(&mut bob, "room:lobby").await?, json!({"room": "lobby", "text": "hello", "t": 7}));

    // Alice never joined, so she gets no publication; a room nobody joined delivers to nobody.
    assert_eq!(alice.try_recv_within(Duration::from_millis(100)).await, None);
    alice.send_json(&json!({"action": "publish", "room": "empty"})).await?;
    assert_eq!(alice.recv_json().await?, json!({"action": "publish", "delivered": 0}));

    // `join` and `publish` validate their input.
    alice.send_json(&json!({"action": "join"})).await?;
    let reply = alice.recv_json().await?;
    assert_eq!(reply["action"], "join");
    assert_eq!(reply["error"]["code"], "invalid_input");
    server.shutdown().await?;
    Ok(())
}

#[tokio::test]
async fn envelope_mode_echo_join_and_publish() -> TestResult {
    let server = TestServer::start(example_echo::app()).await?;
    let mut alice = TestClient::connect_envelope(&server.url("/echo")).await?;
    let mut bob = TestClient::connect_envelope(&server.url("/echo")).await?;

    let echoed = alice.call_json("action", "echo", json!({"payload": "x".repeat(64)})).await?;
    assert_eq!(echoed, json!({"action": "echo", "id": 1, "data": {"payload": "x".repeat(64)}}));

    let joined = bob.call_json("action", "join", json!({"room": "lobby"})).await?;
    assert_eq!(joined, json!({"action": "join", "id": 1, "data": {"joined": "lobby"}}));

    let published = alice.call_json("action", "publish", json!({"room": "lobby", "seq": 1})).await?;
    assert_eq!(published, json!({"action": "publish", "id": 2, "data": {"delivered": 1}}));
    match bob.recv().await? {
        Event::Json(frame) => {
            assert_eq!(frame, json!({"topic": "room:lobby", "data": {"room": "lobby", "seq": 1}}))
        }
        other => panic!("expected a publication, got {other:?}"),
    }
    server.shutdown().await?;
    Ok(())
}

//! The chat example (examples/chat) end to end over a real socket, in both modes: the welcome
//! frame, JWT authentication, validation, publication to the room, and departures.

use crate::support;
use std::time::Duration;

use crate::support::{Mode, assert_error_frame, assert_silent, connect, connect_frame, reply, request};
use example_chat::{Claims, JwtKeys};
use serde_json::{Value, json};
use wirechan::testing::{TestClient, TestServer};

const SECRET: &str = "test-secret";
const QUIET: Duration = Duration::from_millis(150);

fn token(name: &str) -> String {
    JwtKeys::new(SECRET).sign(&Claims::new(name.to_lowercase(), name.to_owned(), std::time::Duration::from_secs(3600)))
}

async fn start_chat() -> TestServer {
    TestServer::start(example_chat::app(SECRET)).await.expect("the chat server starts")
}

/// Joins `room` and checks the welcome frame.
async fn join(server: &TestServer, room: &str, mode: Mode) -> TestClient {
    let mut c = connect(&server.url(&format!("/chat?room={room}")), mode).await;
    let welcome = c.recv_json().await.expect("welcome");
    assert_eq!(welcome, connect_frame(mode, json!({ "welcome": format!("Welcome to {room}!") })));
    c
}

fn id_for(mode: Mode, id: &str) -> Option<Value> {
    (mode == Mode::Envelope).then(|| json!(id))
}

async fn send(c: &mut TestClient, mode: Mode, action: &str, id: &str, data: Value) -> Value {
    c.send_json(&request(mode, action, id_for(mode, id), Some(data))).await.unwrap();
    c.recv_json().await.unwrap()
}

async fn sign_in(c: &mut TestClient, mode: Mode, name: &str) {
    let got = send(c, mode, "authenticate", "auth", json!({ "token": token(name) })).await;
    let body = if mode == Mode::Envelope { &got["data"] } else { &got };
    let expires_at = body["expiresAt"].as_u64().unwrap_or_else(|| panic!("an expiry: {got}"));
    let out = json!({ "authenticated": true, "expiresAt": expires_at });
    assert_eq!(got, reply(mode, "authenticate", id_for(mode, "auth"), Some(out)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn welcome_then_authentication_then_validated_messages() {
    let server = start_chat().await;
    for mode in support::MODES {
        // One room per mode: a closing connection announces its departure to its room.
        let room = format!("lobby-{mode:?}").to_lowercase();
        let mut c = join(&server, &room, mode).await;

        // Sending before signing in is refused.
        let got = send(&mut c, mode, "sendMessage", "m0", json!({ "message": "hi" })).await;
        assert_error_frame(&got, Some(("action", "sendMessage")), id_for(mode, "m0").as_ref(), "unauthorized");

        // A token signed with another secret, or not a token at all, is refused.
        let forged = JwtKeys::new("other-secret").sign(&Claims::new("eve", "Eve", Duration::from_secs(3600)));
        for bad in [forged, "not.a.jwt".to_owned(), String::new()] {
            let got = send(&mut c, mode, "authenticate", "a0", json!({ "token": bad })).await;
            assert_error_frame(&got, Some(("action", "authenticate")), id_for(mode, "a0").as_ref(), "unauthorized");
        }
        // An expired token too.
        // An expired token too, one without `exp`, and one not valid yet (`nbf`).
        let keys = JwtKeys::new(SECRET);
        let expired = keys.sign(&Claims { exp: 1, ..Claims::new("old", "Old", Duration::ZERO) });
        let mut early = Claims::new("early", "Early", Duration::from_secs(3600));
        early.nbf = Some(early.exp - 60);
        let forever = keys.sign(&json!({ "sub": "f", "name": "Forever" }));
        for bad in [expired, forever, keys.sign(&early)] {
            let got = send(&mut c, mode, "authenticate", "a1", json!({ "token": bad })).await;
            assert_error_frame(&got, Some(("action", "authenticate")), id_for(mode, "a1").as_ref(), "unauthorized");
        }
        // A missing token is invalid input.
        let got = send(&mut c, mode, "authenticate", "a2", json!({})).await;
        let error =
            assert_error_frame(&got, Some(("action", "authenticate")), id_for(mode, "a2").as_ref(), "invalid_input");
        assert!(error["details"]["path"].is_string(), "{got}");

        sign_in(&mut c, mode, "Ann").await;

        for bad in [String::new(), "x".repeat(2001), "\u{e9}".repeat(2001)] {
            let got = send(&mut c, mode, "sendMessage", "m1", json!({ "message": bad })).await;
            let error =
                assert_error_frame(&got, Some(("action", "sendMessage")), id_for(mode, "m1").as_ref(), "invalid_input");
            assert_eq!(error["details"]["path"], json!("message"), "{got}");
        }
        let got = send(&mut c, mode, "sendMessage", "m2", json!({ "message": 5 })).await;
        let error =
            assert_error_frame(&got, Some(("action", "sendMessage")), id_for(mode, "m2").as_ref(), "invalid_input");
        assert_eq!(error["details"]["path"], json!("message"), "{got}");

        // 2000 characters (not bytes) is the limit.
        for ok in ["x".repeat(2000), "\u{e9}".repeat(2000), "hello".to_owned()] {
            let got = send(&mut c, mode, "sendMessage", "m3", json!({ "message": ok })).await;
            assert_eq!(got.get("error"), None, "{mode:?}");
            let body = match mode {
                Mode::Flat => &got,
                Mode::Envelope => &got["data"],
            };
            assert_eq!(body["message"], json!(ok));
            assert!(body["timestamp"].as_u64().is_some_and(|t| t > 1_600_000_000_000), "{got}");
            if mode == Mode::Envelope {
                assert_eq!(got["id"], json!("m3"));
                assert_eq!(got["action"], json!("sendMessage"));
            } else {
                assert_eq!(got["action"], json!("sendMessage"));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_reach_the_room_but_not_the_sender_nor_other_rooms_and_departures_are_announced() {
    let server = start_chat().await;
    let mut ann = join(&server, "general", Mode::Flat).await;
    let mut bob = join(&server, "general", Mode::Envelope).await;
    let mut cid = join(&server, "random", Mode::Flat).await;
    sign_in(&mut ann, Mode::Flat, "Ann").await;
    sign_in(&mut bob, Mode::Envelope, "Bob").await;
    sign_in(&mut cid, Mode::Flat, "Cid").await;

    let got = send(&mut ann, Mode::Flat, "sendMessage", "", json!({ "message": "Hello" })).await;
    let timestamp = got["timestamp"].clone();
    assert_eq!(got, json!({ "action": "sendMessage", "message": "Hello", "timestamp": timestamp }));
    // A room keeps history: its publications carry their position, one offset after the other.
    let publication = bob.recv_json().await.unwrap();
    let epoch = publication["epoch"].clone();
    assert!(epoch.as_str().is_some_and(|e| !e.is_empty()), "{publication}");
    assert_eq!(
        publication,
        json!({ "topic": "room:general", "data": { "from": "Ann", "message": "Hello", "timestamp": timestamp },
                "offset": 1, "epoch": epoch })
    );

    let got = send(&mut bob, Mode::Envelope, "sendMessage", "b1", json!({ "message": "Hi Ann" })).await;
    let timestamp = got["data"]["timestamp"].clone();
    assert_eq!(
        got,
        json!({ "action": "sendMessage", "id": "b1", "data": { "message": "Hi Ann", "timestamp": timestamp } })
    );
    assert_eq!(
        ann.recv_json().await.unwrap(),
        json!({ "topic": "room:general", "data": { "from": "Bob", "message": "Hi Ann", "timestamp": timestamp },
                "offset": 2, "epoch": epoch })
    );

    assert_silent(&mut ann, QUIET, "Ann never gets her own message").await;
    assert_silent(&mut bob, QUIET, "Bob never gets his own message").await;
    assert_silent(&mut cid, QUIET, "another room").await;

    // Bob leaves: the room hears it, the other room does not.
    bob.close(1000, "bye").await.unwrap();
    assert_eq!(
        ann.recv_json().await.unwrap(),
        json!({ "topic": "room:general", "data": { "left": "Bob" }, "offset": 3, "epoch": epoch })
    );
    assert_silent(&mut cid, QUIET, "another room's departure").await;

    // A connection that never signed in is announced by its channel id.
    let anon = join(&server, "general", Mode::Envelope).await;
    anon.close(1000, "").await.unwrap();
    let left = ann.recv_json().await.unwrap();
    assert_eq!(left["topic"], json!("room:general"));
    assert!(left["data"]["left"].as_str().is_some_and(|s| !s.is_empty()), "{left}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_chat_needs_a_room() {
    let server = start_chat().await;
    match TestClient::connect(&server.url("/chat")).await {
        Err(wirechan::testing::TestError::Refused { status, body }) => {
            assert_eq!(status, 400);
            let body: Value = serde_json::from_str(&body).unwrap();
            assert_eq!(body["error"]["code"], json!("invalid_opening_data"), "{body}");
        }
        Err(e) => panic!("expected HTTP 400, got {e}"),
        Ok(_) => panic!("expected HTTP 400, the upgrade succeeded"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_session_ends_with_the_token_and_a_fresh_token_renews_it_on_the_same_socket() {
    let server = start_chat().await;
    let keys = JwtKeys::new(SECRET);
    for mode in support::MODES {
        let room = format!("expiry-{mode:?}").to_lowercase();
        let mut c = join(&server, &room, mode).await;
        // `exp` is in whole seconds: this token ends one to two seconds from now.
        let short = Claims::new("ann", "Ann", Duration::from_secs(2));
        let got = send(&mut c, mode, "authenticate", "a", json!({ "token": keys.sign(&short) })).await;
        let body = if mode == Mode::Envelope { &got["data"] } else { &got };
        assert_eq!(body["expiresAt"], json!(short.exp * 1000), "{got}");
        let got = send(&mut c, mode, "sendMessage", "m1", json!({ "message": "before" })).await;
        assert_eq!(got.get("error"), None, "{got}");

        let left = short.expires_at().duration_since(std::time::SystemTime::now()).unwrap_or_default();
        tokio::time::sleep(left + Duration::from_millis(50)).await;
        let got = send(&mut c, mode, "sendMessage", "m2", json!({ "message": "after" })).await;
        assert_error_frame(&got, Some(("action", "sendMessage")), id_for(mode, "m2").as_ref(), "session_expired");

        sign_in(&mut c, mode, "Ann").await;
        let got = send(&mut c, mode, "sendMessage", "m3", json!({ "message": "renewed" })).await;
        assert_eq!(got.get("error"), None, "{got}");
    }
}

//! PROTOCOL.md section 4 "Topics": a client subscribes to a declared topic with its parameters
//! (`{"subscribe":"room","room":"one"}`), authorized by the channel; the answers (the topic's
//! name, `forbidden`, `invalid_input` with a path, `unknown_topic`, `unauthorized`,
//! `too_many_topics`); unsubscribing; typed publications reaching exactly the subscribers.

use std::time::Duration;

use crate::support::*;
use serde_json::{Value, json};
use wirechan::testing::TestClient;

const QUIET: Duration = Duration::from_millis(150);

async fn open_rooms(h: &Harness, mode: Mode) -> TestClient {
    connect(&h.server.url("/rooms"), mode).await
}

fn id(mode: Mode, n: u32) -> Option<Value> {
    (mode == Mode::Envelope).then(|| json!(n))
}

/// Sends a subscribe (or unsubscribe) frame and returns the answer.
async fn topic_frame(c: &mut TestClient, mode: Mode, key: &str, topic: &str, n: u32, params: Value) -> Value {
    c.send_json(&request_keyed(mode, key, topic, id(mode, n), Some(params))).await.unwrap();
    c.recv_json().await.unwrap_or_else(|e| panic!("{mode:?}: answer to {key} {topic}: {e}"))
}

fn subscribed(mode: Mode, key: &str, topic: &str, n: u32, name: &str) -> Value {
    reply_keyed(mode, key, topic, id(mode, n), Some(json!({ "topic": name })))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_subscribes_receives_typed_publications_and_unsubscribes() {
    for mode in MODES {
        let h = start().await;
        let mut a = open_rooms(&h, mode).await;
        let mut b = open_rooms(&h, Mode::Flat).await;
        let mut other_room = open_rooms(&h, Mode::Envelope).await;

        let answer = topic_frame(&mut a, mode, "subscribe", "room", 1, json!({ "room": "one" })).await;
        assert_eq!(answer, subscribed(mode, "subscribe", "room", 1, "room:one"), "{mode:?}");
        let answer = topic_frame(&mut b, Mode::Flat, "subscribe", "room", 1, json!({ "room": "one" })).await;
        assert_eq!(answer, json!({ "subscribe": "room", "topic": "room:one" }));
        let answer =
            topic_frame(&mut other_room, Mode::Envelope, "subscribe", "room", 1, json!({ "room": "two" })).await;
        assert_eq!(answer, json!({ "subscribe": "room", "id": 1, "data": { "topic": "room:two" } }));
        // Subscribing again to a topic held changes nothing and answers the same.
        let answer = topic_frame(&mut a, mode, "subscribe", "room", 2, json!({ "room": "one" })).await;
        assert_eq!(answer, subscribed(mode, "subscribe", "room", 2, "room:one"), "{mode:?}");
        assert_eq!(h.hub.subscriber_count("room:one"), 2);

        // A typed publication reaches the other subscriber of the room only: not the sender it
        // excludes, not another room.
        b.send_json(&json!({ "action": "post", "room": "one", "text": "hi" })).await.unwrap();
        assert_eq!(b.recv_json().await.unwrap(), json!({ "action": "post", "result": 1 }));
        let b_id = connection_id_from(&a.recv_json().await.unwrap());
        assert!(!b_id.is_empty());
        assert_silent(&mut b, QUIET, "the excluded sender").await;
        assert_silent(&mut other_room, QUIET, "another room").await;

        let answer = topic_frame(&mut a, mode, "unsubscribe", "room", 3, json!({ "room": "one" })).await;
        assert_eq!(answer, subscribed(mode, "unsubscribe", "room", 3, "room:one"), "{mode:?}");
        b.send_json(&json!({ "action": "post", "room": "one", "text": "anyone?" })).await.unwrap();
        assert_eq!(b.recv_json().await.unwrap(), json!({ "action": "post", "result": 0 }));
        assert_silent(&mut a, QUIET, "after unsubscribing").await;
        // Leaving a topic not held is not an error.
        let answer = topic_frame(&mut a, mode, "unsubscribe", "room", 4, json!({ "room": "nine" })).await;
        assert_eq!(answer, subscribed(mode, "unsubscribe", "room", 4, "room:nine"), "{mode:?}");
    }
}

/// The `from` of a `said` event, checking the whole publication's shape.
fn connection_id_from(publication: &Value) -> String {
    assert_eq!(publication["topic"], json!("room:one"), "{publication}");
    assert_eq!(publication["data"]["kind"], json!("said"), "{publication}");
    assert_eq!(publication["data"]["text"], json!("hi"), "{publication}");
    assert_eq!(publication.as_object().map(|o| o.len()), Some(2), "{publication}");
    publication["data"]["from"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_subscriptions_say_why_and_leave_the_connection_usable() {
    for mode in MODES {
        let h = start().await;
        let mut c = open_rooms(&h, mode).await;
        let tag = |topic: &'static str| Some(("subscribe", topic));

        // The authorization function refuses.
        let frame = topic_frame(&mut c, mode, "subscribe", "room", 1, json!({ "room": "secret" })).await;
        let error = assert_error_frame(&frame, tag("room"), id(mode, 1).as_ref(), "forbidden");
        assert_eq!(error["message"], json!("the room `secret` is invite-only"), "{mode:?}");
        assert_eq!(h.hub.subscriber_count("room:secret"), 0);

        // Parameters that do not match the topic's: the path names the field.
        let frame = topic_frame(&mut c, mode, "subscribe", "room", 2, json!({ "room": 5 })).await;
        let error = assert_error_frame(&frame, tag("room"), id(mode, 2).as_ref(), "invalid_input");
        assert_eq!(error["details"]["path"], json!("room"), "{mode:?}: {frame}");
        let frame = topic_frame(&mut c, mode, "subscribe", "room", 5, json!({})).await;
        assert_error_frame(&frame, tag("room"), id(mode, 5).as_ref(), "invalid_input");

        // No such topic.
        let frame = topic_frame(&mut c, mode, "subscribe", "nope", 6, json!({})).await;
        let error = assert_error_frame(&frame, tag("nope"), id(mode, 6).as_ref(), "unknown_topic");
        assert!(error["message"].as_str().unwrap_or_default().contains("nope"), "{frame}");
        let frame = topic_frame(&mut c, mode, "unsubscribe", "nope", 7, json!({})).await;
        assert_error_frame(&frame, Some(("unsubscribe", "nope")), id(mode, 7).as_ref(), "unknown_topic");

        // A topic only the server subscribes connections to.
        let frame = topic_frame(&mut c, mode, "subscribe", "notices", 8, json!({})).await;
        assert_error_frame(&frame, tag("notices"), id(mode, 8).as_ref(), "forbidden");
        let frame = topic_frame(&mut c, mode, "unsubscribe", "notices", 9, json!({})).await;
        assert_error_frame(&frame, Some(("unsubscribe", "notices")), id(mode, 9).as_ref(), "forbidden");

        // An authorization function that needs a session, then one that refuses a level.
        let frame = topic_frame(&mut c, mode, "subscribe", "alerts", 10, json!({ "level": 1 })).await;
        assert_error_frame(&frame, tag("alerts"), id(mode, 10).as_ref(), "unauthorized");
        c.send_json(&request(mode, "signIn", id(mode, 11), Some(json!({ "name": "ada" })))).await.unwrap();
        c.recv_json().await.unwrap();
        for (n, params) in [(3, json!({ "level": "high" })), (4, json!({ "level": 256 }))] {
            let frame = topic_frame(&mut c, mode, "subscribe", "alerts", n, params.clone()).await;
            let error = assert_error_frame(&frame, tag("alerts"), id(mode, n).as_ref(), "invalid_input");
            assert_eq!(error["details"]["path"], json!("level"), "{mode:?} {params}: {frame}");
        }
        let answer = topic_frame(&mut c, mode, "subscribe", "alerts", 12, json!({ "level": 2 })).await;
        assert_eq!(answer, subscribed(mode, "subscribe", "alerts", 12, "alerts:2"));
        let frame = topic_frame(&mut c, mode, "subscribe", "alerts", 13, json!({ "level": 4 })).await;
        let error = assert_error_frame(&frame, tag("alerts"), id(mode, 13).as_ref(), "forbidden");
        assert_eq!(error["message"], json!("ada may watch levels 0 to 3"));

        // Nothing of that was held; the connection still answers.
        let held = call(&mut c, mode, "held", "h", None).await;
        assert_eq!(held, reply(mode, "held", Some(json!("h")), Some(json!(["alerts:2"]))));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_past_the_topic_limit_is_refused() {
    for mode in MODES {
        let h = start_app(|app| app.config(wirechan::ServerConfig::default().max_topics_per_connection(2))).await;
        let mut c = open_rooms(&h, mode).await;
        for (n, room) in [(1, "a"), (2, "b")] {
            let answer = topic_frame(&mut c, mode, "subscribe", "room", n, json!({ "room": room })).await;
            assert_eq!(answer, subscribed(mode, "subscribe", "room", n, &format!("room:{room}")), "{mode:?}");
        }
        let frame = topic_frame(&mut c, mode, "subscribe", "room", 3, json!({ "room": "c" })).await;
        let error = assert_error_frame(&frame, Some(("subscribe", "room")), id(mode, 3).as_ref(), "too_many_topics");
        assert_eq!(error["details"], json!({ "limit": 2 }));
        assert_eq!(h.hub.subscriber_count("room:c"), 0);
        // Leaving one makes room.
        topic_frame(&mut c, mode, "unsubscribe", "room", 4, json!({ "room": "a" })).await;
        let answer = topic_frame(&mut c, mode, "subscribe", "room", 5, json!({ "room": "c" })).await;
        assert_eq!(answer, subscribed(mode, "subscribe", "room", 5, "room:c"), "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_connection_leaves_every_topic_it_subscribed_to() {
    for mode in MODES {
        let h = start().await;
        let mut c = open_rooms(&h, mode).await;
        for (n, room) in [(1, "x"), (2, "y:z"), (3, "100%")] {
            topic_frame(&mut c, mode, "subscribe", "room", n, json!({ "room": room })).await;
        }
        call(&mut c, mode, "hearNotices", "n", None).await;
        // Parameters are escaped in the name: a `:` never reads as a separator.
        let names = ["room:x", "room:y%3Az", "room:100%25", "notices"];
        for name in names {
            assert_eq!(h.hub.subscriber_count(name), 1, "{mode:?} {name}");
        }
        // The server publishes to its own topic, typed.
        h.hub.publish(&Notices, None, &"maintenance at noon".to_owned()).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), json!({ "topic": "notices", "data": "maintenance at noon" }));
        c.close(1000, "bye").await.unwrap();
        wait_until(|| names.iter().all(|name| h.hub.subscriber_count(name) == 0), "every topic left").await;
    }
}

async fn wait_until(done: impl Fn() -> bool, what: &str) {
    for _ in 0..200 {
        if done() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("{what}: not within 2 s");
}

#[test]
fn the_message_enums_carry_subscriptions_publications_and_progress() {
    let decoded = rooms::ClientMessage::decode("subscribe", "room", r#"{"room":"x"}"#).unwrap();
    assert_eq!((decoded.key(), decoded.action()), ("subscribe", "room"));
    assert!(matches!(decoded, rooms::ClientMessage::SubscribeRoom(RoomTopic { ref room }) if room == "x"));
    let leave = rooms::ClientMessage::decode("unsubscribe", "alerts", r#"{"level":2}"#).unwrap();
    assert!(matches!(leave, rooms::ClientMessage::UnsubscribeAlerts(Alerts { level: 2 })));
    let refused = rooms::ClientMessage::decode("subscribe", "alerts", r#"{"level":"high"}"#).err().expect("invalid");
    assert_eq!(refused.code(), "invalid_input");
    // `notices` is the server's: no subscription frame decodes for it.
    assert!(rooms::ClientMessage::decode("subscribe", "notices", "{}").is_err());

    let published = rooms::ServerMessage::TopicRoom(RoomEvent::Said { from: "a".into(), text: "hi".into() });
    assert_eq!(published.to_json(), json!({ "kind": "said", "from": "a", "text": "hi" }));
    assert_eq!((published.action(), published.key()), (None, None));
    let notice = rooms::ServerMessage::TopicNotices("noon".to_owned());
    assert_eq!(notice.to_json(), json!("noon"));
    let progress = proto::ServerMessage::ProgressProgress(Step { step: 3 });
    assert_eq!(progress.to_json(), json!({ "step": 3 }));
}

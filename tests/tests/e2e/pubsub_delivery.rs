//! PROTOCOL.md section 4: a publication `{"topic":..,"data":..}` reaches the other subscribers of
//! its topic (the sender is excluded when it asks), never another room's; `broadcast` reaches
//! every connection of the channel; the app's hub publishes from outside any handler.

use std::collections::HashSet;
use std::time::Duration;

use crate::support::*;
use serde_json::{Value, json};
use wirechan::testing::TestClient;

const QUIET: Duration = Duration::from_millis(150);

async fn two_frames(c: &mut TestClient) -> HashSet<String> {
    let a = c.recv_json().await.unwrap();
    let b = c.recv_json().await.unwrap();
    [a.to_string(), b.to_string()].into_iter().collect()
}

fn set_of(values: &[Value]) -> HashSet<String> {
    values.iter().map(Value::to_string).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publication_reaches_the_other_members_of_the_room_only() {
    let h = start().await;
    let mut a = open_proto(&h, "one", Mode::Flat).await;
    let mut b = open_proto(&h, "one", Mode::Envelope).await;
    let mut c = open_proto(&h, "two", Mode::Flat).await;
    let mut d = open_proto(&h, "two", Mode::Envelope).await;
    let a_id = connection_id_of(&mut a, Mode::Flat).await;
    let b_id = connection_id_of(&mut b, Mode::Envelope).await;

    a.send_json(&json!({ "action": "say", "text": "hi" })).await.unwrap();
    assert_eq!(a.recv_json().await.unwrap(), json!({ "action": "say", "delivered": 1 }));
    assert_eq!(b.recv_json().await.unwrap(), json!({ "topic": "room:one", "data": { "from": a_id, "text": "hi" } }));

    b.send_json(&json!({ "action": "say", "id": 1, "data": { "text": "hello back" } })).await.unwrap();
    assert_eq!(b.recv_json().await.unwrap(), json!({ "action": "say", "id": 1, "data": { "delivered": 1 } }));
    assert_eq!(
        a.recv_json().await.unwrap(),
        json!({ "topic": "room:one", "data": { "from": b_id, "text": "hello back" } })
    );

    // A notification publishes too, without a reply.
    b.send_json(&json!({ "action": "say", "data": { "text": "quietly" } })).await.unwrap();
    assert_eq!(
        a.recv_json().await.unwrap(),
        json!({ "topic": "room:one", "data": { "from": b_id, "text": "quietly" } })
    );

    // The senders never got their own publications; the other room got nothing.
    assert_silent(&mut a, QUIET, "the sender of room one").await;
    assert_silent(&mut b, QUIET, "the sender of room one").await;
    assert_silent(&mut c, QUIET, "room two").await;
    assert_silent(&mut d, QUIET, "room two").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn broadcast_reaches_every_connection_of_the_channel() {
    let h = start().await;
    let mut a = open_proto(&h, "one", Mode::Flat).await;
    let mut b = open_proto(&h, "two", Mode::Envelope).await;
    let mut c = open_proto(&h, "three", Mode::Flat).await;
    let mut other_channel = connect(&h.server.url("/fb"), Mode::Flat).await;

    b.send_json(&json!({ "action": "shout", "id": 1, "data": { "text": "all" } })).await.unwrap();
    let publication = json!({ "topic": "channel:proto", "data": "all" });
    // The sender is not excluded: it gets the reply and the publication, in either order.
    let reply = json!({ "action": "shout", "id": 1, "data": { "delivered": 3 } });
    assert_eq!(two_frames(&mut b).await, set_of(&[reply, publication.clone()]));
    assert_eq!(a.recv_json().await.unwrap(), publication);
    assert_eq!(c.recv_json().await.unwrap(), publication);
    assert_silent(&mut other_channel, QUIET, "a connection of another channel").await;
    assert_silent(&mut a, QUIET, "one broadcast, one frame").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_hub_publishes_from_outside_handlers() {
    let h = start().await;
    let mut a = open_proto(&h, "one", Mode::Flat).await;
    let mut b = open_proto(&h, "one", Mode::Envelope).await;
    let mut c = open_proto(&h, "two", Mode::Envelope).await;
    let a_id = connection_id_of(&mut a, Mode::Flat).await;

    let delivery = h.hub.publish_untyped("room:one", None, &json!({ "n": 1 })).await.unwrap();
    assert_eq!((delivery.delivered, delivery.dropped), (2, 0));
    let publication = json!({ "topic": "room:one", "data": { "n": 1 } });
    assert_eq!(a.recv_json().await.unwrap(), publication);
    assert_eq!(b.recv_json().await.unwrap(), publication);

    // `exclude` names a connection by its id.
    let exclude = wirechan::ConnectionId::from(a_id.as_str());
    let delivery = h.hub.publish_untyped("room:one", Some(&exclude), &"only b").await.unwrap();
    assert_eq!(delivery.delivered, 1);
    assert_eq!(b.recv_json().await.unwrap(), json!({ "topic": "room:one", "data": "only b" }));

    // A topic nobody is subscribed to delivers nowhere.
    let delivery = h.hub.publish_untyped("room:nobody", None, &1).await.unwrap();
    assert_eq!(delivery.delivered, 0);
    assert_silent(&mut a, QUIET, "excluded").await;
    assert_silent(&mut c, QUIET, "another room").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_and_unsubscribe_change_what_a_connection_receives() {
    let h = start().await;
    for mode in MODES {
        let mut a = open_proto(&h, "one", mode).await;
        let id = |n: u32| (mode == Mode::Envelope).then(|| json!(n));

        a.send_json(&request(mode, "join", id(1), Some(json!({ "topic": "news" })))).await.unwrap();
        assert_eq!(a.recv_json().await.unwrap(), reply(mode, "join", id(1), Some(json!(["news", "room:one"]))));
        // Subscribing twice is subscribing once.
        a.send_json(&request(mode, "join", id(2), Some(json!({ "topic": "news" })))).await.unwrap();
        assert_eq!(a.recv_json().await.unwrap(), reply(mode, "join", id(2), Some(json!(["news", "room:one"]))));
        assert_eq!(h.hub.subscriber_count("news"), 1);

        let delivery = h.hub.publish_untyped("news", None, &json!({ "headline": "x" })).await.unwrap();
        assert_eq!(delivery.delivered, 1);
        assert_eq!(a.recv_json().await.unwrap(), json!({ "topic": "news", "data": { "headline": "x" } }));

        a.send_json(&request(mode, "leave", id(3), Some(json!({ "topic": "news" })))).await.unwrap();
        assert_eq!(a.recv_json().await.unwrap(), reply(mode, "leave", id(3), Some(json!(["room:one"]))));
        assert_eq!(h.hub.subscriber_count("news"), 0);
        let delivery = h.hub.publish_untyped("news", None, &json!({ "headline": "y" })).await.unwrap();
        assert_eq!(delivery.delivered, 0);
        assert_silent(&mut a, QUIET, "after leaving the topic").await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_past_the_topic_limit_is_refused_until_one_is_left() {
    let h = start_app(|app| app.config(wirechan::ServerConfig::default().max_topics_per_connection(3))).await;
    for mode in MODES {
        let mut a = open_proto(&h, "limit", mode).await;
        let id = |n: u32| (mode == Mode::Envelope).then(|| json!(n));
        // The room's topic (from `on_connect`) is one of the three.
        for (n, topic) in [(1, "a"), (2, "b")] {
            a.send_json(&request(mode, "join", id(n), Some(json!({ "topic": topic })))).await.unwrap();
            assert_eq!(a.recv_json().await.unwrap()["error"], Value::Null, "{mode:?} {topic}");
        }
        a.send_json(&request(mode, "join", id(3), Some(json!({ "topic": "c" })))).await.unwrap();
        let refused = a.recv_json().await.unwrap();
        assert_eq!(refused["error"]["code"], json!("too_many_topics"), "{mode:?}: {refused}");
        assert_eq!(refused["error"]["details"], json!({ "limit": 3 }), "{mode:?}: {refused}");
        // The first mode's connection still holds its `c`.
        assert_eq!(h.hub.subscriber_count("c"), usize::from(mode == Mode::Envelope));
        // Subscribing again to a topic held is not a new one.
        a.send_json(&request(mode, "join", id(4), Some(json!({ "topic": "a" })))).await.unwrap();
        assert_eq!(a.recv_json().await.unwrap()["error"], Value::Null, "{mode:?}");
        a.send_json(&request(mode, "leave", id(5), Some(json!({ "topic": "a" })))).await.unwrap();
        a.recv_json().await.unwrap();
        a.send_json(&request(mode, "join", id(6), Some(json!({ "topic": "c" })))).await.unwrap();
        assert_eq!(a.recv_json().await.unwrap(), reply(mode, "join", id(6), Some(json!(["b", "c", "room:limit"]))));
    }
}

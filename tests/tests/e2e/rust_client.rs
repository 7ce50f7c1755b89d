//! `wirechan::client`, the typed Rust client, against the `rooms` channel: typed calls and topic
//! subscriptions as streams in both modes, refusals as typed errors, and a server restart after
//! which the client reconnects, signs in and subscribes again by itself.

use std::time::Duration;

use futures_util::StreamExt;
use serde_json::json;
use wirechan::client::{Backoff, Client, ClientError, ConnectionState};
use wirechan::testing::TestServer;

use crate::support::*;

const WAIT: Duration = Duration::from_secs(5);

async fn next<P, S: futures_util::Stream<Item = Result<P, wirechan::client::Gap>> + Unpin>(stream: &mut S) -> P {
    let item = tokio::time::timeout(WAIT, stream.next()).await.expect("a publication within 5 s");
    item.expect("the stream goes on").expect("no gap on a topic without history")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_calls_and_subscriptions_in_both_modes() {
    for envelope in [true, false] {
        let h = start().await;
        let client = if envelope {
            h.server.client("/rooms").await.unwrap()
        } else {
            Client::builder(h.server.url("/rooms")).envelope(false).connect().await.unwrap()
        };
        assert_eq!(client.state(), ConnectionState::Open);
        let mut room = client.subscribe(&RoomTopic { room: "one".into() }).await.unwrap();
        assert_eq!(room.name(), "room:one");

        // Another connection posts: the subscription yields the typed event.
        let mut other = connect(&h.server.url("/rooms"), Mode::Flat).await;
        other.send_json(&json!({ "action": "post", "room": "one", "text": "hi" })).await.unwrap();
        assert_eq!(other.recv_json().await.unwrap(), json!({ "action": "post", "result": 1 }));
        match next(&mut room).await {
            RoomEvent::Said { text, .. } => assert_eq!(text, "hi", "envelope {envelope}"),
        }

        // A typed call; the client's own post excludes it, so only `other` hears it.
        let delivered =
            client.call::<rooms::actions::Post>(&Post { room: "one".into(), text: "back".into() }).await.unwrap();
        assert_eq!(delivered, 0, "the sender is excluded and `other` is not in the room");
        let held = client.call::<rooms::actions::Held>(&()).await.unwrap();
        assert_eq!(held, ["room:one"]);

        // Refusals are typed errors with the server's code.
        let e = client.subscribe(&RoomTopic { room: "secret".into() }).await.unwrap_err();
        assert_eq!(e.code(), Some("forbidden"), "{e}");
        let e = client.subscribe(&Alerts { level: 1 }).await.unwrap_err();
        assert_eq!(e.code(), Some("unauthorized"), "{e}");

        // Dropping the subscription leaves the topic.
        drop(room);
        for _ in 0..100 {
            if h.hub.subscriber_count("room:one") == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(h.hub.subscriber_count("room:one"), 0, "envelope {envelope}");
        client.close();
        let e = client.call::<rooms::actions::Held>(&()).await.unwrap_err();
        assert!(matches!(e, ClientError::Closed | ClientError::Timeout(_)), "{e}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_server_restart_the_client_signs_in_and_subscribes_again() {
    let svc = Svc::default();
    let server = TestServer::start(test_app(svc.clone())).await.unwrap();
    let addr = server.addr().to_string();
    let backoff = Backoff { initial: Duration::from_millis(50), max: Duration::from_millis(200), jitter: 0.2 };
    let client = Client::builder(server.url("/rooms"))
        .reconnect(Some(backoff))
        .sign_in::<rooms::actions::SignIn>(|| SignIn { name: "ada".into() })
        .connect()
        .await
        .unwrap();
    // Watching alerts needs the session the sign-in sets.
    let mut alerts = client.subscribe(&Alerts { level: 2 }).await.unwrap();
    let mut room = client.subscribe(&RoomTopic { room: "restart".into() }).await.unwrap();

    server.shutdown().await.unwrap();
    for _ in 0..100 {
        if client.state() != ConnectionState::Open {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert_ne!(client.state(), ConnectionState::Open, "the client saw the server go");
    // Made while the server is down: it waits for the connection.
    let queued = {
        let client = client.clone();
        tokio::spawn(async move { client.call::<rooms::actions::Held>(&()).await })
    };

    let app = test_app(svc);
    let hub = app.hub();
    let server = TestServer::start_at(app, &addr).await.unwrap();
    tokio::time::timeout(WAIT, client.opened()).await.expect("reconnected within 5 s").unwrap();
    // Signed in, then subscribed again, before the queued call: it sees both topics held.
    let held = queued.await.unwrap().unwrap();
    assert_eq!(held, ["alerts:2", "room:restart"]);

    hub.publish(&Alerts { level: 2 }, None, &Alert { text: "after the restart".into() }).await.unwrap();
    assert_eq!(next(&mut alerts).await, Alert { text: "after the restart".into() });
    let other = connect(&server.url("/rooms"), Mode::Envelope).await;
    other
        .send_json(&json!({ "action": "post", "id": 1, "data": { "room": "restart", "text": "welcome back" } }))
        .await
        .unwrap();
    match next(&mut room).await {
        RoomEvent::Said { text, .. } => assert_eq!(text, "welcome back"),
    }
    client.close();
    server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deliberate_close_ends_the_client_instead_of_reconnecting() {
    let h = start().await;
    let client = Client::builder(h.server.url("/proto/r")).connect().await.unwrap();
    // `bye` closes with 4321, an application code: the client stops rather than reconnecting.
    let _ = client.call::<proto::actions::Bye>(&()).await;
    for _ in 0..100 {
        if client.state() == ConnectionState::Closed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(client.state(), ConnectionState::Closed);
    assert!(client.opened().await.is_err());
}

//! A closing connection leaves every topic it joined, whoever closes it, and `on_disconnect`
//! runs once.

use std::sync::atomic::Ordering;

use crate::support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_left_when_the_client_closes() {
    let h = start().await;
    for (i, mode) in MODES.into_iter().enumerate() {
        let mut c = open_proto(&h, "closing", mode).await;
        let id = connection_id_of(&mut c, mode).await;
        let got = call(&mut c, mode, "join", "j", Some(json!({ "topic": "extra" }))).await;
        assert!(got.get("error").is_none(), "{got}");
        assert_eq!(h.hub.subscriber_count("room:closing"), 1);
        assert_eq!(h.hub.subscriber_count("extra"), 1);
        assert_eq!(h.hub.subscriber_count("channel:proto"), 1);

        c.close(1000, "done").await.unwrap();
        wait_until("the closed connection's on_disconnect ran", || h.svc.disconnects.load(Ordering::SeqCst) == i + 1)
            .await;
        assert_eq!(h.hub.subscriber_count("room:closing"), 0);
        assert_eq!(h.hub.subscriber_count("extra"), 0);
        assert_eq!(h.hub.subscriber_count("channel:proto"), 0);
        assert_eq!(h.svc.disconnected.lock().unwrap().last(), Some(&id));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn topics_are_left_when_the_server_closes() {
    let h = start().await;
    for mode in MODES {
        let before = h.svc.disconnects.load(Ordering::SeqCst);
        let mut stays = open_proto(&h, "closing", Mode::Flat).await;
        let mut c = open_proto(&h, "closing", mode).await;
        let id = connection_id_of(&mut c, mode).await;
        let got = call(&mut c, mode, "join", "j", Some(json!({ "topic": "extra" }))).await;
        assert!(got.get("error").is_none(), "{got}");
        assert_eq!(h.hub.subscriber_count("room:closing"), 2);
        assert_eq!(h.hub.subscriber_count("extra"), 1);

        c.send_json(&request(mode, "bye", Some(json!(1)), None)).await.unwrap();
        assert_eq!(c.recv_close().await.unwrap(), (Some(4321), "bye".to_owned()));
        wait_until("the closed connection's on_disconnect ran", || {
            h.svc.disconnects.load(Ordering::SeqCst) == before + 1
        })
        .await;
        assert_eq!(h.hub.subscriber_count("room:closing"), 1);
        assert_eq!(h.hub.subscriber_count("extra"), 0);
        assert_eq!(h.svc.disconnected.lock().unwrap().last(), Some(&id));

        // The one who stayed still gets the room's publications; the closed one is gone.
        let delivery = h.hub.publish_untyped("room:closing", None, &"still here?").await.unwrap();
        assert_eq!(delivery.delivered, 1);
        assert_eq!(stays.recv_json().await.unwrap(), json!({ "topic": "room:closing", "data": "still here?" }));
        stays.close(1000, "").await.unwrap();
        wait_until("the second connection's on_disconnect ran", || {
            h.svc.disconnects.load(Ordering::SeqCst) == before + 2
        })
        .await;
        assert_eq!(h.hub.subscriber_count("room:closing"), 0);
    }
}

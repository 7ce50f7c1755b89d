//! PROTOCOL.md section 7: a peer silent for the heartbeat interval is pinged; one that answers
//! nothing (no pong, no frame) for the timeout is closed with 1001 and cleaned up (its
//! `on_disconnect` runs, its topics are left). A peer that answers pings stays. The same
//! timeout drops a peer that stops reading while the server has data for it.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;
use wirechan::ServerConfig;
use wirechan::testing::TestServer;

use crate::raw_ws::{OP_CLOSE, OP_PING, OP_TEXT, RawWs};
use crate::support::*;

const INTERVAL: Duration = Duration::from_millis(100);
const TIMEOUT: Duration = Duration::from_millis(300);

fn short_heartbeat() -> ServerConfig {
    ServerConfig::default().heartbeat(INTERVAL, TIMEOUT).close_timeout(Duration::from_millis(200))
}

/// Waits until `on_disconnect` ran `n` times and the room and channel topics are empty.
async fn wait_for_cleanup(h: &Harness, room: &str, n: usize) {
    let (svc, hub, topic) = (h.svc.clone(), h.hub.clone(), room_topic(room));
    wait_until("on_disconnect ran and the topics were left", || {
        svc.disconnects.load(Ordering::SeqCst) == n
            && hub.subscriber_count(&topic) == 0
            && hub.subscriber_count("channel:proto") == 0
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_ignores_pings_is_closed_with_1001_and_cleaned_up() {
    let h = start_app(|app| app.config(short_heartbeat())).await;
    let mut raw = RawWs::connect(h.server.addr(), "/proto/hb").await;
    let hub = h.hub.clone();
    wait_until("the client joined its room", || hub.subscriber_count("room:hb") == 1).await;

    // The client reads nothing until the server has given up on it.
    wait_for_cleanup(&h, "hb", 1).await;

    // What the server sent meanwhile: the welcome, pings, then a 1001 close, then the end.
    let welcome = raw.next_frame().await.expect("the welcome frame");
    assert_eq!(welcome.opcode, OP_TEXT);
    assert_eq!(serde_json::from_str::<serde_json::Value>(welcome.text()).unwrap(), json!({"hello":"hb","limit":null}));
    let mut pings = 0;
    let close = loop {
        let frame = raw.next_frame().await.expect("a ping or the close frame");
        match frame.opcode {
            OP_PING => pings += 1,
            OP_CLOSE => break frame,
            other => panic!("unexpected frame {other:#x}: {frame:?}"),
        }
    };
    assert!(pings >= 1, "the silent client was pinged before it was closed");
    assert_eq!(close.close_code(), Some(1001));
    assert_eq!(close.close_reason(), "heartbeat timeout");
    assert_eq!(raw.next_frame().await, None, "the server ended the TCP connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_answers_pings_stays_open() {
    let h = start_app(|app| app.config(short_heartbeat())).await;
    for mode in MODES {
        // `TestClient` reads all the time, so its WebSocket layer answers every ping.
        let mut c = open_proto(&h, "alive", mode).await;
        // Idle for many heartbeat timeouts.
        assert_silent(&mut c, TIMEOUT * 5, "an idle client that answers pings").await;
        assert_still_answers(&mut c, mode).await;
    }
    assert_eq!(h.svc.disconnects.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_client_that_answers_pings_by_hand_stays_open() {
    let h = start_app(|app| app.config(short_heartbeat())).await;
    let mut raw = RawWs::connect(h.server.addr(), "/proto/pong").await;
    assert_eq!(raw.next_frame().await.expect("the welcome").opcode, OP_TEXT);
    let mut pongs = 0;
    while pongs < 5 {
        let ping = raw.next_frame().await.expect("a ping");
        assert_eq!(ping.opcode, OP_PING, "{ping:?}");
        raw.send_frame(crate::raw_ws::OP_PONG, &ping.payload).await;
        pongs += 1;
    }
    // Five pings answered took at least five intervals, more than the timeout: still open.
    raw.send_text(r#"{"action":"add","a":2,"b":3}"#).await;
    loop {
        let frame = raw.next_frame().await.expect("the reply");
        if frame.opcode == OP_TEXT {
            assert_eq!(
                serde_json::from_str::<serde_json::Value>(frame.text()).unwrap(),
                json!({"action":"add","result":5})
            );
            break;
        }
        assert_eq!(frame.opcode, OP_PING, "{frame:?}");
    }
    assert_eq!(h.svc.disconnects.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_sets_its_own_heartbeat() {
    let svc = Svc::default();
    // The server's heartbeat is the default (30 s); `proto` sets a short one, `fb` none at all
    // while the server's is short in the second app.
    let app = wirechan::App::new(svc.clone())
        .config(ServerConfig::default().close_timeout(Duration::from_millis(200)))
        .channel(proto::channel().heartbeat(INTERVAL, TIMEOUT));
    let h = Harness { hub: app.hub(), server: TestServer::start(app).await.unwrap(), svc };
    let _raw = RawWs::connect(h.server.addr(), "/proto/own").await;
    wait_for_cleanup(&h, "own", 1).await;

    let svc = Svc::default();
    let app = wirechan::App::new(svc.clone())
        .config(short_heartbeat())
        .channel(proto::channel())
        .channel(fb::channel().without_heartbeat());
    let h = Harness { hub: app.hub(), server: TestServer::start(app).await.unwrap(), svc };
    let mut quiet_fb = RawWs::connect(h.server.addr(), "/fb").await;
    let _quiet_proto = RawWs::connect(h.server.addr(), "/proto/mixed").await;
    wait_for_cleanup(&h, "mixed", 1).await;
    // The `fb` connection, as silent, was neither pinged nor closed: it still answers.
    quiet_fb.send_text(r#"{"action":"noop"}"#).await;
    let reply = quiet_fb.next_frame().await.expect("the reply");
    assert_eq!(reply.opcode, OP_TEXT, "no ping came before the reply: {reply:?}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(reply.text()).unwrap(), json!({"action":"noop"}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_is_dropped_after_the_timeout() {
    let h = start_app(|app| app.config(short_heartbeat())).await;
    // A tiny receive window: the server's writes stall after little data.
    let raw = RawWs::connect_small_window(h.server.addr(), "/proto/stuck", 4096).await;
    let hub = h.hub.clone();
    wait_until("the client joined its room", || hub.subscriber_count("room:stuck") == 1).await;
    // The client also pings the server now and then, so it is not silent: only the stalled
    // writes can end it.
    let keepalive = tokio::spawn(async move {
        let mut raw = raw;
        while raw.try_send_frame(OP_PING, b"").await {
            tokio::time::sleep(INTERVAL / 2).await;
        }
    });
    let payload = json!({ "pad": "x".repeat(16 * 1024) });
    let svc = h.svc.clone();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while svc.disconnects.load(Ordering::SeqCst) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the stalled client was never dropped");
        h.hub.publish_untyped("room:stuck", None, &payload).await.unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    wait_for_cleanup(&h, "stuck", 1).await;
    keepalive.abort();
}

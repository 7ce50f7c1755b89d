//! PROTOCOL.md section 6: at a graceful shutdown, calls in flight may finish until the drain
//! deadline; their replies go out, then the 1001 close. A call still running at the deadline is
//! dropped and the connection closes with 1001 all the same; `on_disconnect` runs either way.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::json;
use wirechan::ServerConfig;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_call_in_flight_at_shutdown_gets_its_reply_then_1001() {
    let config = ServerConfig::default().drain_timeout(Duration::from_secs(4));
    let h = start_app(|app| app.config(config)).await;
    let svc = h.svc.clone();
    let mut clients = Vec::new();
    for mode in MODES {
        let c = open_proto(&h, "drain", mode).await;
        let data = json!({ "ms": 600, "tag": format!("{mode:?}") });
        c.send_json(&request(mode, "slow", Some(json!("s1")), Some(data))).await.unwrap();
        clients.push((mode, c));
    }
    // An idle connection closes at once; it does not wait for the others' calls.
    let mut idle = open_proto(&h, "drain", Mode::Envelope).await;
    // Both calls are running before the shutdown begins.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let shutdown = tokio::spawn(h.server.shutdown());

    assert_eq!(expect_close(&mut idle).await.0, Some(1001));
    for (mode, c) in &mut clients {
        let out = json!({ "tag": format!("{mode:?}") });
        assert_eq!(c.recv_json().await.unwrap(), reply(*mode, "slow", Some(json!("s1")), Some(out)), "{mode:?}");
        let (code, reason) = expect_close(c).await;
        assert_eq!(code, Some(1001), "{mode:?}");
        assert_eq!(reason, "server shutting down");
    }
    shutdown.await.unwrap().unwrap();
    assert_eq!(svc.disconnects.load(Ordering::SeqCst), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_outlives_the_drain_deadline_is_dropped_and_the_connection_closes_with_1001() {
    let config = ServerConfig::default().drain_timeout(Duration::from_millis(300));
    let h = start_app(|app| app.config(config)).await;
    let svc = h.svc.clone();
    let mut c = open_proto(&h, "late", Mode::Envelope).await;
    // `wait` runs until the test releases it, which it never does.
    c.send_json(&request(Mode::Envelope, "wait", Some(json!(1)), None)).await.unwrap();
    c.send_json(&request(Mode::Envelope, "noop", Some(json!(2)), None)).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), reply(Mode::Envelope, "noop", Some(json!(2)), None));
    h.server.shutdown().await.unwrap();
    let (code, _reason) = expect_close(&mut c).await;
    assert_eq!(code, Some(1001));
    assert_eq!(svc.disconnects.load(Ordering::SeqCst), 1);
}

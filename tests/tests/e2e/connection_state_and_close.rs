//! Per-connection state (`ctx.with_state`) is private to each connection; `ctx.close(code,
//! reason)` closes with that code (PROTOCOL.md section 6: 4000-4999 are the application's own).

use std::sync::atomic::Ordering;

use crate::support::*;
use serde_json::{Value, json};
use wirechan::testing::{Event, TestClient};

/// The JSON frames before the close frame, and the close frame's code and reason.
async fn frames_until_close(c: &mut TestClient) -> (Vec<Value>, (Option<u16>, String)) {
    let mut frames = Vec::new();
    loop {
        match c.recv().await.expect("a frame or the close") {
            Event::Json(v) => frames.push(v),
            Event::Text(t) => panic!("not JSON: {t}"),
            Event::Closed { code, reason } => return (frames, (code, reason)),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn state_is_per_connection() {
    let h = start().await;
    let mut a = open_proto(&h, "r", Mode::Flat).await;
    let mut b = open_proto(&h, "r", Mode::Envelope).await;
    for n in 1..=3 {
        assert_eq!(call(&mut a, Mode::Flat, "count", "", None).await, json!({ "action": "count", "result": n }));
    }
    assert_eq!(
        call(&mut b, Mode::Envelope, "count", "b1", None).await,
        json!({ "action": "count", "id": "b1", "data": 1 })
    );
    assert_eq!(call(&mut a, Mode::Flat, "count", "", None).await, json!({ "action": "count", "result": 4 }));
    assert_eq!(
        call(&mut b, Mode::Envelope, "count", "b2", None).await,
        json!({ "action": "count", "id": "b2", "data": 2 })
    );

    // A new connection starts from the default state.
    let mut c = open_proto(&h, "r", Mode::Flat).await;
    assert_eq!(call(&mut c, Mode::Flat, "count", "", None).await, json!({ "action": "count", "result": 1 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctx_close_closes_with_the_applications_code_and_reason() {
    let h = start().await;
    for (i, mode) in MODES.into_iter().enumerate() {
        let mut c = open_proto(&h, "r", mode).await;
        c.send_json(&request(mode, "bye", Some(json!(1)), None)).await.unwrap();
        // The close frame carries the code and reason. At most the call's own (unit) reply may
        // precede it; nothing else does.
        let (frames, close) = frames_until_close(&mut c).await;
        assert_eq!(close, (Some(4321), "bye".to_owned()), "{mode:?}");
        let id = (mode == Mode::Envelope).then(|| json!(1));
        assert!(frames.is_empty() || frames == [reply(mode, "bye", id, None)], "{mode:?}: {frames:?}");
        wait_until("on_disconnect ran", || h.svc.disconnects.load(Ordering::SeqCst) == i + 1).await;
        // Anything sent after the close is not answered.
        let _ = c.send_json(&request(mode, "noop", Some(json!(2)), None)).await;
        assert!(c.recv().await.is_err(), "{mode:?}: nothing after the close");
    }
}

//! PROTOCOL.md sections 2 and 3: envelope calls run concurrently and may be answered out of
//! order; flat mode answers calls in request order; `ctx.send` inside a call sends `progress`
//! frames (envelope) before the reply.

use std::time::Duration;

use crate::support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelope_replies_may_arrive_out_of_order() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Envelope).await;
    // Call 1 waits for the gate; call 2 is answered while call 1 is still running.
    c.send_json(&json!({ "action": "wait", "id": 1 })).await.unwrap();
    c.send_json(&json!({ "action": "echo", "id": 2, "data": { "text": "fast", "n": 2 } })).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "echo", "id": 2, "data": { "text": "fast", "n": 2 } }));
    c.send_json(&json!({ "action": "add", "id": "three", "data": { "a": 1, "b": 2 } })).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "add", "id": "three", "data": 3 }));
    h.svc.gate.notify_one();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "wait", "id": 1, "data": { "released": true } }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelope_slow_and_fast_calls_of_the_same_action_finish_in_completion_order() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Envelope).await;
    c.send_json(&json!({ "action": "slow", "id": 1, "data": { "ms": 300, "tag": "slow" } })).await.unwrap();
    c.send_json(&json!({ "action": "slow", "id": 2, "data": { "ms": 0, "tag": "fast" } })).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "slow", "id": 2, "data": { "tag": "fast" } }));
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "slow", "id": 1, "data": { "tag": "slow" } }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flat_mode_answers_concurrent_calls_of_the_same_action_in_order() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Flat).await;
    c.send_json(&json!({ "action": "slow", "ms": 200, "tag": "first" })).await.unwrap();
    c.send_json(&json!({ "action": "slow", "ms": 0, "tag": "second" })).await.unwrap();
    c.send_json(&json!({ "action": "slow", "ms": 50, "tag": "third" })).await.unwrap();
    for tag in ["first", "second", "third"] {
        assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "slow", "tag": tag }));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flat_mode_answers_a_later_call_only_after_an_earlier_one() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Flat).await;
    c.send_json(&json!({ "action": "wait" })).await.unwrap();
    c.send_json(&json!({ "action": "add", "a": 1, "b": 1 })).await.unwrap();
    assert_silent(&mut c, Duration::from_millis(150), "a flat call queued behind a running one").await;
    h.svc.gate.notify_one();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "wait", "released": true }));
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "add", "result": 2 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_frames_precede_the_reply_of_an_envelope_call() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Envelope).await;
    for id in [json!(7), json!("p-1")] {
        c.send_json(&json!({ "action": "progress", "id": id, "data": { "steps": 3 } })).await.unwrap();
        for step in 0..3 {
            assert_eq!(
                c.recv_json().await.unwrap(),
                json!({ "action": "progress", "id": id, "progress": { "step": step } })
            );
        }
        assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "progress", "id": id, "data": { "done": 3 } }));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_in_an_envelope_notification_is_tagged_data_and_there_is_no_reply() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Envelope).await;
    c.send_json(&json!({ "action": "progress", "data": { "steps": 2 } })).await.unwrap();
    for step in 0..2 {
        assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "progress", "data": { "step": step } }));
    }
    assert_silent(&mut c, Duration::from_millis(150), "a successful notification").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_in_flat_mode_goes_as_a_reply_would() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Flat).await;
    c.send_json(&json!({ "action": "progress", "steps": 2 })).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "progress", "step": 0 }));
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "progress", "step": 1 }));
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "progress", "done": 2 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_of_interleaved_calls_keeps_each_calls_id() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Envelope).await;
    c.send_json(&json!({ "action": "wait", "id": "w" })).await.unwrap();
    c.send_json(&json!({ "action": "progress", "id": 8, "data": { "steps": 1 } })).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "progress", "id": 8, "progress": { "step": 0 } }));
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "progress", "id": 8, "data": { "done": 1 } }));
    h.svc.gate.notify_one();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "wait", "id": "w", "data": { "released": true } }));
}

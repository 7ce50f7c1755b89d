//! PROTOCOL.md section 3: envelope replies echo the client's id (number or string), carry the
//! output under `data` (absent for unit), accept a call without `data` for a unit input, and
//! answer a notification (no id) only when it fails.

use std::time::Duration;

use crate::support::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numeric_and_string_ids_are_echoed() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Envelope).await;
    let ids = [
        json!(7),
        json!(0),
        json!(-3),
        json!(1.5),
        json!(9_007_199_254_740_993u64),
        json!("abc"),
        json!(""),
        json!("7"),
        json!("\u{e9}\u{1f600}"),
    ];
    for id in ids {
        let frame = json!({ "action": "echo", "id": id, "data": { "text": "hi", "n": 1 } });
        c.send_json(&frame).await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_eq!(got, json!({ "action": "echo", "id": id, "data": { "text": "hi", "n": 1 } }), "id {id}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outputs_go_under_data_and_unit_has_no_data() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Envelope).await;
    let cases: [(Value, Value); 7] = [
        (
            json!({ "action": "add", "id": 1, "data": { "a": 2, "b": 3 } }),
            json!({ "action": "add", "id": 1, "data": 5 }),
        ),
        (
            json!({ "action": "greet", "id": "g", "data": { "name": "Ann" } }),
            json!({ "action": "greet", "id": "g", "data": "hello Ann" }),
        ),
        (
            json!({ "action": "list", "id": 2, "data": { "up_to": 2 } }),
            json!({ "action": "list", "id": 2, "data": [1, 2] }),
        ),
        (json!({ "action": "maybe", "id": 3 }), json!({ "action": "maybe", "id": 3, "data": null })),
        (json!({ "action": "empty", "id": 4 }), json!({ "action": "empty", "id": 4, "data": {} })),
        // Unit input: `data` absent; unit output: no `data` in the reply.
        (json!({ "action": "noop", "id": 5 }), json!({ "action": "noop", "id": 5 })),
        // A unit input ignores whatever `data` carries.
        (json!({ "action": "noop", "id": "n", "data": { "x": 1 } }), json!({ "action": "noop", "id": "n" })),
    ];
    for (frame, expected) in cases {
        c.send_json(&frame).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), expected, "reply to {frame}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_calls_use_ids_in_envelope_mode() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Envelope).await;
    let out = c.call::<proto::actions::Echo>(&EchoIn { text: "typed".into(), n: 2, nested: None }).await.unwrap();
    assert_eq!(out, EchoOut { text: "typed".into(), n: 2 });
    assert_eq!(c.call::<proto::actions::Greet>(&GreetIn { name: "Bo".into() }).await.unwrap(), "hello Bo");
    c.call::<proto::actions::Noop>(&()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn successful_notifications_get_no_reply() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Envelope).await;
    c.send_json(&json!({ "action": "echo", "data": { "text": "quiet", "n": 1 } })).await.unwrap();
    c.send_json(&json!({ "action": "noop" })).await.unwrap();
    // Two notifications of `count` run (state goes to 2), the call sees 3.
    c.send_json(&json!({ "action": "count" })).await.unwrap();
    c.send_json(&json!({ "action": "count" })).await.unwrap();
    c.send_json(&json!({ "action": "count", "id": 1 })).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "count", "id": 1, "data": 3 }));
    assert_silent(&mut c, Duration::from_millis(150), "after successful notifications").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failed_notifications_get_an_error_without_id() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Envelope).await;

    c.send_json(&json!({ "action": "fail" })).await.unwrap();
    let frame = c.recv_json().await.unwrap();
    assert_error_frame(&frame, Some(("action", "fail")), None, "teapot");

    c.send_json(&json!({ "action": "echo", "data": { "text": "x", "n": "not a number" } })).await.unwrap();
    let frame = c.recv_json().await.unwrap();
    let error = assert_error_frame(&frame, Some(("action", "echo")), None, "invalid_input");
    assert_eq!(error["details"]["path"], json!("n"));

    c.send_json(&json!({ "action": "nope" })).await.unwrap();
    let frame = c.recv_json().await.unwrap();
    assert_error_frame(&frame, Some(("action", "nope")), None, "unknown_action");

    c.send_json(&json!({ "action": "secret" })).await.unwrap();
    let frame = c.recv_json().await.unwrap();
    assert_error_frame(&frame, Some(("action", "secret")), None, "unauthorized");

    assert_still_answers(&mut c, Mode::Envelope).await;
}

//! PROTOCOL.md sections 4 and 5: every error code with its exact frame in both modes, errors
//! never close the connection, and `on_error` sees every error sent. (`rate_limited` is not
//! implemented yet.)

use std::sync::atomic::Ordering;

use crate::support::*;
use serde_json::{Value, json};

/// The id an error frame echoes: none in flat mode.
fn id_in(mode: Mode, id: &Value) -> Option<Value> {
    (mode == Mode::Envelope).then(|| id.clone())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_json_for_frames_that_are_not_json_objects() {
    let h = start().await;
    let frames = [
        "hello",
        "",
        "   ",
        r#"{"action":"echo""#,
        r#"{"action":"echo","text":"a","n":1"#,
        r#"{"action":"echo",}"#,
        r#"{'action':'echo'}"#,
        r#"[{"action":"echo","text":"a","n":1}]"#,
        "[]",
        r#""echo""#,
        "42",
        "null",
        "true",
        r#"{"action":"noop"} trailing"#,
        r#"{"action":"noop"}{"action":"noop"}"#,
    ];
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        for text in frames {
            c.send_text(text).await.unwrap();
            let frame = c.recv_json().await.unwrap_or_else(|e| panic!("{mode:?}: answer to {text:?}: {e}"));
            // Not tied to a call: no routing key, no id, in both modes.
            assert_error_frame(&frame, None, None, "invalid_json");
        }
        assert_still_answers(&mut c, mode).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_action_carries_the_routing_key_and_id() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        let id = json!(5);
        c.send_json(&request(mode, "nope", Some(id.clone()), None)).await.unwrap();
        let frame = c.recv_json().await.unwrap();
        assert_error_frame(&frame, Some(("action", "nope")), id_in(mode, &id).as_ref(), "unknown_action");

        let id = json!("s");
        c.send_json(&request(mode, "Echo", Some(id.clone()), Some(json!({ "text": "a", "n": 1 })))).await.unwrap();
        let frame = c.recv_json().await.unwrap();
        assert_error_frame(&frame, Some(("action", "Echo")), id_in(mode, &id).as_ref(), "unknown_action");
        assert_still_answers(&mut c, mode).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_action_without_routing_key() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        let (frame_text, id) = match mode {
            Mode::Flat => (r#"{"text":"a","n":1}"#, None),
            Mode::Envelope => (r#"{"id":6,"data":{"text":"a","n":1}}"#, Some(json!(6))),
        };
        c.send_text(frame_text).await.unwrap();
        let frame = c.recv_json().await.unwrap();
        assert_error_frame(&frame, None, id.as_ref(), "unknown_action");

        // An empty object has no routing key either.
        c.send_text("{}").await.unwrap();
        let frame = c.recv_json().await.unwrap();
        assert_error_frame(&frame, None, None, "unknown_action");

        // A routing key that is not a string is no routing key.
        let (frame_text, id) = match mode {
            Mode::Flat => (r#"{"action":42}"#, None),
            Mode::Envelope => (r#"{"action":42,"id":"k"}"#, Some(json!("k"))),
        };
        c.send_text(frame_text).await.unwrap();
        let frame = c.recv_json().await.unwrap();
        assert_error_frame(&frame, None, id.as_ref(), "unknown_action");
        assert_still_answers(&mut c, mode).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_names_the_field_path() {
    let h = start().await;
    let cases = [
        (json!({ "text": "a", "n": "x" }), "n"),
        (json!({ "text": 5, "n": 1 }), "text"),
        (json!({ "text": "a", "n": -1 }), "n"),
        (json!({ "text": "a", "n": 4_294_967_296u64 }), "n"),
        (json!({ "text": "a", "n": 1, "nested": { "deep": 300 } }), "nested.deep"),
        (json!({ "text": "a", "n": 1, "nested": { "deep": "x" } }), "nested.deep"),
    ];
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        for (i, (data, path)) in cases.iter().enumerate() {
            let id = json!(i);
            c.send_json(&request(mode, "echo", Some(id.clone()), Some(data.clone()))).await.unwrap();
            let frame = c.recv_json().await.unwrap();
            let error =
                assert_error_frame(&frame, Some(("action", "echo")), id_in(mode, &id).as_ref(), "invalid_input");
            assert_eq!(error["details"]["path"], json!(path), "{mode:?}: path for {data}: {frame}");
            assert!(error["details"]["reason"].is_string(), "{mode:?}: details has a reason: {frame}");
        }

        // A missing field is invalid input too.
        let id = json!("missing");
        c.send_json(&request(mode, "echo", Some(id.clone()), Some(json!({ "text": "a" })))).await.unwrap();
        let frame = c.recv_json().await.unwrap();
        let error = assert_error_frame(&frame, Some(("action", "echo")), id_in(mode, &id).as_ref(), "invalid_input");
        assert!(error["details"]["path"].is_string(), "{frame}");
        assert!(error["details"]["reason"].as_str().unwrap_or_default().contains('n'), "{frame}");
        assert_still_answers(&mut c, mode).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_when_envelope_data_is_absent_or_not_an_object() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Envelope).await;
    for (frame_text, action, id) in [
        (r#"{"action":"echo","id":1}"#, "echo", json!(1)),
        (r#"{"action":"echo","id":2,"data":null}"#, "echo", json!(2)),
        (r#"{"action":"echo","id":3,"data":5}"#, "echo", json!(3)),
        (r#"{"action":"greet","id":4,"data":"Ann"}"#, "greet", json!(4)),
        (r#"{"action":"add","id":5,"data":{"a":1e400,"b":1}}"#, "add", json!(5)),
    ] {
        c.send_text(frame_text).await.unwrap();
        let frame = c.recv_json().await.unwrap();
        let error = assert_error_frame(&frame, Some(("action", action)), Some(&id), "invalid_input");
        assert!(error["details"]["path"].is_string(), "{frame}");
    }
    assert_still_answers(&mut c, Mode::Envelope).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unauthorized_when_the_action_needs_a_session() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        for action in ["secret", "me"] {
            let id = json!(action);
            c.send_json(&request(mode, action, Some(id.clone()), None)).await.unwrap();
            let frame = c.recv_json().await.unwrap();
            assert_error_frame(&frame, Some(("action", action)), id_in(mode, &id).as_ref(), "unauthorized");
        }
        assert_still_answers(&mut c, mode).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_when_middleware_refuses() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        let id = json!(11);
        c.send_json(&request(mode, "admin", Some(id.clone()), None)).await.unwrap();
        let frame = c.recv_json().await.unwrap();
        let mut expected =
            json!({ "action": "admin", "error": { "code": "forbidden", "message": "`admin` is for admins only" } });
        if mode == Mode::Envelope {
            expected["id"] = id;
        }
        assert_eq!(frame, expected);
        assert_still_answers(&mut c, mode).await;
    }
    assert_eq!(h.svc.admin_runs.load(Ordering::SeqCst), 0, "the refused handler never ran");
    // The channel middleware ran around the calls it let through (echo, twice).
    assert!(h.svc.invocations.load(Ordering::SeqCst) >= 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn internal_error_from_a_panic_leaks_nothing_and_the_connection_still_answers() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        for round in 0..3 {
            let id = json!(round);
            c.send_json(&request(mode, "boom", Some(id.clone()), None)).await.unwrap();
            let frame = c.recv_json().await.unwrap();
            let error = assert_error_frame(&frame, Some(("action", "boom")), id_in(mode, &id).as_ref(), "internal");
            let text = frame.to_string();
            assert!(!text.contains("hunter2") && !text.contains("password"), "the panic message leaked: {text}");
            assert!(error.get("details").is_none(), "{frame}");
            assert_still_answers(&mut c, mode).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_with_a_non_finite_float_is_an_internal_error_not_null() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        let id = json!(1);
        c.send_json(&request(mode, "divide", Some(id.clone()), None)).await.unwrap();
        let frame = c.recv_json().await.unwrap();
        assert_error_frame(&frame, Some(("action", "divide")), id_in(mode, &id).as_ref(), "internal");
        assert!(!frame.to_string().contains("ratio"), "no `null` where the type says number: {frame}");
        assert_still_answers(&mut c, mode).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn application_errors_keep_their_code_message_and_details() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        c.send_json(&request(mode, "fail", Some(json!(1)), None)).await.unwrap();
        let mut expected = json!({
            "action": "fail",
            "error": { "code": "teapot", "message": "short and stout", "details": { "size": "small" } },
        });
        if mode == Mode::Envelope {
            expected["id"] = json!(1);
        }
        assert_eq!(c.recv_json().await.unwrap(), expected);

        // An error type of the application's own, converted with `Into<ChannelError>`.
        c.send_json(&request(mode, "buy", Some(json!("b")), Some(json!({ "item": "tea" })))).await.unwrap();
        let mut expected = json!({ "action": "buy", "error": { "code": "out_of_stock", "message": "no tea left" } });
        if mode == Mode::Envelope {
            expected["id"] = json!("b");
        }
        assert_eq!(c.recv_json().await.unwrap(), expected);
        assert_still_answers(&mut c, mode).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_error_sees_every_error_sent() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        let connection_id = connection_id_of(&mut c, mode).await;
        let sends = [
            "not json".to_owned(),
            request(mode, "nope", Some(json!(1)), None).to_string(),
            request(mode, "echo", Some(json!(2)), Some(json!({ "text": "a", "n": "x" }))).to_string(),
            request(mode, "secret", Some(json!(3)), None).to_string(),
            request(mode, "admin", Some(json!(4)), None).to_string(),
            request(mode, "boom", Some(json!(5)), None).to_string(),
            request(mode, "fail", Some(json!(6)), None).to_string(),
        ];
        for text in &sends {
            c.send_text(text.clone()).await.unwrap();
            let frame = c.recv_json().await.unwrap();
            assert!(frame.get("error").is_some(), "{mode:?}: {text} gets an error: {frame}");
        }
        let expected: Vec<(Option<String>, String)> = [
            (None, "invalid_json"),
            (Some("nope"), "unknown_action"),
            (Some("echo"), "invalid_input"),
            (Some("secret"), "unauthorized"),
            (Some("admin"), "forbidden"),
            (Some("boom"), "internal"),
            (Some("fail"), "teapot"),
        ]
        .into_iter()
        .map(|(a, code)| (a.map(str::to_owned), code.to_owned()))
        .collect();
        assert_eq!(errors_seen_by(&connection_id), expected, "{mode:?}");
        assert_still_answers(&mut c, mode).await;
    }
}

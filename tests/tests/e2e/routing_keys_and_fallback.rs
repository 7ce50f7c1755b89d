//! PROTOCOL.md section 2: routing keys are tried in declaration order (the first wired value
//! wins); a frame that routes to nothing goes to the `on_message` fallback when the channel has
//! one. Also: per-action `auth` overrides of the channel default, and binary frames on a channel
//! that accepts them.

use crate::support::*;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_keys_are_tried_in_declaration_order() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        let id = |n: u32| (mode == Mode::Envelope).then(|| json!(n));

        // Only the second key: routed by `type`, the reply carries `type`.
        c.send_json(&request_keyed(mode, "type", "ping", id(1), None)).await.unwrap();
        assert_eq!(
            c.recv_json().await.unwrap(),
            reply_keyed(mode, "type", "ping", id(1), Some(json!({ "pong": true })))
        );

        // Both keys wired: the first declared (`action`) wins.
        let mut frame = request(mode, "noop", id(2), None);
        frame["type"] = json!("ping");
        c.send_json(&frame).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "noop", id(2), None));

        // The first key's value is not wired: the second key is tried.
        let mut frame = request(mode, "nope", id(3), None);
        frame["type"] = json!("ping");
        c.send_json(&frame).await.unwrap();
        assert_eq!(
            c.recv_json().await.unwrap(),
            reply_keyed(mode, "type", "ping", id(3), Some(json!({ "pong": true })))
        );

        // Neither value is wired: the error names the first key seen.
        let mut frame = request(mode, "nope", id(4), None);
        frame["type"] = json!("nope2");
        c.send_json(&frame).await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_error_frame(&got, Some(("action", "nope")), id(4).as_ref(), "unknown_action");

        // Only the second key, not wired.
        c.send_json(&request_keyed(mode, "type", "nope", id(5), None)).await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_error_frame(&got, Some(("type", "nope")), id(5).as_ref(), "unknown_action");

        // A routing key that is not a string is skipped.
        let mut frame = request_keyed(mode, "type", "ping", id(6), None);
        frame["action"] = json!(["echo"]);
        c.send_json(&frame).await.unwrap();
        assert_eq!(
            c.recv_json().await.unwrap(),
            reply_keyed(mode, "type", "ping", id(6), Some(json!({ "pong": true })))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn routing_values_are_compared_after_json_unescaping() {
    let h = start().await;
    let mut flat = open_proto(&h, "r", Mode::Flat).await;
    flat.send_text(r#"{"action":"ech\u006f","text":"\u00e9","n":1}"#).await.unwrap();
    assert_eq!(flat.recv_json().await.unwrap(), json!({ "action": "echo", "text": "\u{e9}", "n": 1 }));

    let mut env = open_proto(&h, "r", Mode::Envelope).await;
    env.send_text(r#"{"\u0061ction":"noop","id":1}"#).await.unwrap();
    assert_eq!(env.recv_json().await.unwrap(), json!({ "action": "noop", "id": 1 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_routing_key_id_or_data_is_refused() {
    let refused = |name: &str| {
        let message = format!("the frame has the member `{name}` more than once");
        json!({ "error": { "code": "invalid_json", "message": message } })
    };
    let h = start().await;
    let mut flat = open_proto(&h, "r", Mode::Flat).await;
    for text in [
        r#"{"action":"nope","action":"add","a":1,"b":2}"#,
        r#"{"action":"add","\u0061ction":"add","a":1,"b":2}"#,
        r#"{"a":1,"type":"ping","b":2,"type":"ping"}"#,
    ] {
        flat.send_text(text).await.unwrap();
        let key = if text.contains("type") { "type" } else { "action" };
        assert_eq!(flat.recv_json().await.unwrap(), refused(key), "{text}");
    }
    // Other members may repeat: the input's type decides (a map keeps the last).
    flat.send_text(r#"{"action":"add","a":1,"b":2,"c":3,"c":4}"#).await.unwrap();
    assert_eq!(flat.recv_json().await.unwrap(), json!({ "action": "add", "result": 3 }));

    let mut env = open_proto(&h, "r", Mode::Envelope).await;
    for (text, name) in [
        (r#"{"action":"add","id":1,"id":2,"data":{"a":1,"b":1}}"#, "id"),
        (r#"{"action":"add","id":1,"data":{"a":1,"b":1},"data":{"a":5,"b":5}}"#, "data"),
        (r#"{"action":"add","action":"add","id":1,"data":{"a":1,"b":1}}"#, "action"),
    ] {
        env.send_text(text).await.unwrap();
        assert_eq!(env.recv_json().await.unwrap(), refused(name), "{text}");
    }
    assert_still_answers(&mut env, Mode::Envelope).await;
}

/// What the fallback received, as it recorded it.
fn last_fallback_frame(h: &Harness) -> Value {
    h.svc.fallback_frames.lock().unwrap().last().cloned().expect("the fallback ran")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fallback_receives_frames_with_an_unwired_routing_value() {
    let h = start().await;

    let mut flat = connect(&h.server.url("/fb"), Mode::Flat).await;
    flat.send_text(r#"{"action":"whatever","x":1,"y":[true]}"#).await.unwrap();
    let got = flat.recv_json().await.unwrap();
    // Flat: the fallback gets the whole frame, routing key included; the reply is tagged.
    let whole = json!({ "action": "whatever", "x": 1, "y": [true] });
    assert_eq!(got, json!({ "action": "whatever", "got": whole }));
    assert_eq!(last_fallback_frame(&h), json!({ "action": null, "frame": whole }));

    let mut env = connect(&h.server.url("/fb"), Mode::Envelope).await;
    env.send_text(r#"{"action":"whatever","id":3,"data":{"x":1}}"#).await.unwrap();
    let got = env.recv_json().await.unwrap();
    // Envelope: the fallback gets `data`; the reply echoes action and id.
    assert_eq!(got, json!({ "action": "whatever", "id": 3, "data": { "got": { "x": 1 } } }));
    assert_eq!(last_fallback_frame(&h), json!({ "action": null, "frame": { "x": 1 } }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fallback_receives_frames_without_a_routing_key() {
    let h = start().await;

    let mut flat = connect(&h.server.url("/fb"), Mode::Flat).await;
    flat.send_text(r#"{"x":2}"#).await.unwrap();
    assert_eq!(flat.recv_json().await.unwrap(), json!({ "got": { "x": 2 } }));
    assert_eq!(last_fallback_frame(&h), json!({ "action": null, "frame": { "x": 2 } }));

    let mut env = connect(&h.server.url("/fb"), Mode::Envelope).await;
    env.send_text(r#"{"id":4,"data":[1,2]}"#).await.unwrap();
    assert_eq!(env.recv_json().await.unwrap(), json!({ "id": 4, "data": { "got": [1, 2] } }));
    assert_eq!(last_fallback_frame(&h), json!({ "action": null, "frame": [1, 2] }));

    // Still not JSON objects: the fallback never sees them.
    for c in [&mut flat, &mut env] {
        c.send_text("[1]").await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_error_frame(&got, None, None, "invalid_json");
    }
    assert_eq!(h.svc.fallback_frames.lock().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wired_actions_and_auth_overrides_beside_a_fallback() {
    let h = start().await;
    for mode in MODES {
        let mut c = connect(&h.server.url("/fb"), mode).await;
        let id = (mode == Mode::Envelope).then(|| json!(1));
        // `noop` is wired with `auth: false` on a channel whose default is `auth: true`.
        c.send_json(&request(mode, "noop", id.clone(), None)).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "noop", id.clone(), None));
        // `locked` takes the channel default: refused without a session, not sent to the fallback.
        c.send_json(&request(mode, "locked", id.clone(), None)).await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_error_frame(&got, Some(("action", "locked")), id.as_ref(), "unauthorized");
    }
    assert!(h.svc.fallback_frames.lock().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_frames_are_read_as_json_on_a_binary_channel() {
    let h = start().await;
    for mode in MODES {
        let mut c = connect(&h.server.url("/fb"), mode).await;
        let frame = request(mode, "noop", Some(json!(9)), None);
        c.send_binary(frame.to_string().into_bytes()).await.unwrap();
        let id = (mode == Mode::Envelope).then(|| json!(9));
        assert_eq!(c.recv_json().await.unwrap(), reply(mode, "noop", id, None));
    }
}

//! PROTOCOL.md section 2: in flat mode the routing key is removed from the input and added to
//! the reply; a non-object output is wrapped in `result`; a unit output is the key alone.

use crate::support::*;
use serde_json::json;
use wirechan::testing::TestError;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn object_output_gets_the_routing_key_added() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Flat).await;
    // `EchoIn` denies unknown fields: the reply proves the routing key was removed from the input.
    c.send_text(r#"{"action":"echo","text":"Hello","n":3}"#).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "echo", "text": "Hello", "n": 3 }));
    // The routing key may come anywhere in the object.
    c.send_text(r#"{"text":"x","n":4,"action":"echo"}"#).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "echo", "text": "x", "n": 4 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn empty_object_output_is_the_routing_key_alone() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Flat).await;
    c.send_text(r#"{"action":"empty"}"#).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "empty" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_object_outputs_are_wrapped_in_result() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Flat).await;
    let cases = [
        (r#"{"action":"add","a":2,"b":3}"#, json!({ "action": "add", "result": 5 })),
        (r#"{"action":"add","a":-9,"b":3}"#, json!({ "action": "add", "result": -6 })),
        (r#"{"action":"greet","name":"Ann"}"#, json!({ "action": "greet", "result": "hello Ann" })),
        (r#"{"action":"list","up_to":3}"#, json!({ "action": "list", "result": [1, 2, 3] })),
        (r#"{"action":"list","up_to":0}"#, json!({ "action": "list", "result": [] })),
        (r#"{"action":"maybe"}"#, json!({ "action": "maybe", "result": null })),
    ];
    for (frame, expected) in cases {
        c.send_text(frame).await.unwrap();
        assert_eq!(c.recv_json().await.unwrap(), expected, "reply to {frame}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unit_output_is_the_routing_key_alone_and_unit_input_ignores_members() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Flat).await;
    c.send_text(r#"{"action":"noop"}"#).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "noop" }));
    c.send_text(r#"{"action":"noop","extra":[1,2],"more":{"x":null}}"#).await.unwrap();
    assert_eq!(c.recv_json().await.unwrap(), json!({ "action": "noop" }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_calls_decode_flat_replies() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Flat).await;
    let out = c.call::<proto::actions::Echo>(&EchoIn { text: "typed".into(), n: 9, nested: None }).await.unwrap();
    assert_eq!(out, EchoOut { text: "typed".into(), n: 9 });
    let sum = c.call::<proto::actions::Add>(&AddIn { a: 40, b: 2 }).await.unwrap();
    assert_eq!(sum, 42);
    match c.call::<proto::actions::Fail>(&()).await {
        Err(TestError::Call(e)) => assert_eq!(e.code(), "teapot"),
        other => panic!("expected the teapot error, got {other:?}"),
    }
}

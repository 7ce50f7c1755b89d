//! A flat frame that opens with its routing key is decided in one pass over the text
//! (`runtime/src/codec/flat_frame.rs`); every other frame, and every frame that pass finds
//! unusual, goes the general way. These frames open with a wired action, so they try the one-pass
//! path first: each must get exactly the answer PROTOCOL.md gives, as if it had not.

use serde_json::{Value, json};

use crate::support::*;

async fn answer(c: &mut wirechan::testing::TestClient, text: &str) -> Value {
    c.send_text(text.to_owned()).await.unwrap();
    c.recv_json().await.unwrap()
}

fn code(frame: &Value) -> &str {
    frame["error"]["code"].as_str().unwrap_or_else(|| panic!("not an error frame: {frame}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn frames_that_open_with_their_routing_key_get_the_documented_answers() {
    let h = start().await;
    let mut c = open_proto(&h, "r", Mode::Flat).await;

    // The common case, and the same call written with spaces (the general path).
    assert_eq!(answer(&mut c, r#"{"action":"add","b":2,"a":1}"#).await, json!({ "action": "add", "result": 3 }));
    assert_eq!(
        answer(&mut c, r#"{ "action" : "add", "a": 1, "b": 2 }"#).await,
        json!({ "action": "add", "result": 3 })
    );

    // A repeated routing key, plainly or through an escape: refused, whichever way it goes.
    for text in
        [r#"{"action":"add","a":1,"b":2,"action":"nope"}"#, r#"{"action":"add","a":1,"b":2,"\u0061ction":"add"}"#]
    {
        let repeated = answer(&mut c, text).await;
        assert_eq!((code(&repeated), repeated.get("action")), ("invalid_json", None), "{text}");
    }

    // A later member under a routing key declared earlier: declaration order decides.
    assert_eq!(answer(&mut c, r#"{"type":"ping","action":"noop"}"#).await, json!({ "action": "noop" }));

    // Bytes after the object: the frame is not JSON.
    assert_eq!(code(&answer(&mut c, r#"{"action":"add","a":1,"b":2} x"#).await), "invalid_json");
    assert_eq!(code(&answer(&mut c, r#"{"action":"noop","a":1"#).await), "invalid_json");

    // A wrong field: `invalid_input` names it.
    let wrong = answer(&mut c, r#"{"action":"add","a":"one","b":2}"#).await;
    assert_eq!((code(&wrong), &wrong["error"]["details"]["path"]), ("invalid_input", &json!("a")));

    // An unknown member is ignored whatever it holds, on either path (the fuzz target found the
    // general path range-checking it once): `1e400` fits no number type.
    for text in [r#"{"action":"add","a":1,"b":2,"x":1e400}"#, r#"{"a":1,"b":2,"x":1e400,"action":"add"}"#] {
        assert_eq!(answer(&mut c, text).await, json!({ "action": "add", "result": 3 }), "{text}");
    }

    // An action that needs a session.
    assert_eq!(code(&answer(&mut c, r#"{"action":"secret"}"#).await), "unauthorized");

    assert_still_answers(&mut c, Mode::Flat).await;
}

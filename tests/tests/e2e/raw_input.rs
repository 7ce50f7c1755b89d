//! A function whose input is `Box<RawValue>` gets the input as JSON text, checked to be JSON but
//! not parsed into a value: in flat mode the frame's members but the routing key, in envelope
//! mode `data`. Its reply is that text spliced into the reply frame, so a value comes back
//! exactly as it was written (number formatting, key order, duplicate keys).

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::support::*;

/// A plain client: the reply's exact text matters here, which `TestClient` parses.
type Client = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn open(h: &Harness, mode: Mode) -> Client {
    let mut request = h.server.url("/proto/r").into_client_request().unwrap();
    if matches!(mode, Mode::Envelope) {
        request.headers_mut().insert("sec-websocket-protocol", "wirechan.v1".parse().unwrap());
    }
    let (mut c, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    next_text(&mut c).await; // the welcome frame
    c
}

async fn next_text(c: &mut Client) -> String {
    loop {
        let message = tokio::time::timeout(std::time::Duration::from_secs(5), c.next()).await;
        match message.expect("a frame within 5 s").expect("the socket is open").unwrap() {
            Message::Text(text) => return text.as_str().to_owned(),
            Message::Ping(_) | Message::Pong(_) => {}
            other => panic!("not a text frame: {other:?}"),
        }
    }
}

async fn answer_text(c: &mut Client, text: &str) -> String {
    c.send(Message::text(text)).await.unwrap();
    next_text(c).await
}

async fn answer(c: &mut Client, text: &str) -> Value {
    serde_json::from_str(&answer_text(c, text).await).unwrap()
}

fn code(frame: &Value) -> &str {
    frame["error"]["code"].as_str().unwrap_or_else(|| panic!("not an error frame: {frame}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flat_mode_hands_the_members_over_as_written() {
    let h = start().await;
    let mut c = open(&h, Mode::Flat).await;

    // One pass over a frame that opens with its routing key: the reply is the request itself.
    for text in [
        r#"{"action":"raw","n":1.50,"big":123456789012345678901234567890,"s":"\u00e9"}"#,
        r#"{"action":"raw","k":1,"k":2}"#,
        r#"{"action":"raw","nested":{"action":"x","type":[1, 2]}}"#,
        r#"{"action":"raw"}"#,
    ] {
        assert_eq!(answer_text(&mut c, text).await, text);
    }

    // The general path (the routing key elsewhere, spaces): the same members, re-joined.
    assert_eq!(
        answer_text(&mut c, r#"{"n":1.50, "action":"raw", "m":[1, 2]}"#).await,
        r#"{"action":"raw","n":1.50,"m":[1, 2]}"#
    );
    assert_eq!(answer_text(&mut c, r#"{ "action" : "raw" }"#).await, r#"{"action":"raw"}"#);
    assert_eq!(answer(&mut c, r#"{"a\"b":true,"action":"raw"}"#).await, json!({ "action": "raw", "a\"b": true }));

    // A later routing key still routes by the rules, raw input or not: a repeated `action`, even
    // spelled with an escape, is refused; `action` is declared before `type`, so `type` is a member
    // like any other here.
    for text in [r#"{"action":"raw","x":1,"action":"nope"}"#, r#"{"action":"raw","\u0061ction":"nope"}"#] {
        let repeated = answer(&mut c, text).await;
        assert_eq!(
            repeated,
            json!({ "error": { "code": "invalid_json", "message": "the frame has the member `action` more than once" } }),
            "{text}"
        );
    }
    assert_eq!(answer_text(&mut c, r#"{"action":"raw","type":"ping"}"#).await, r#"{"action":"raw","type":"ping"}"#);

    // Not JSON: the frame is refused before any function runs.
    assert_eq!(code(&answer(&mut c, r#"{"action":"raw","a":tru}"#).await), "invalid_json");
    assert_eq!(code(&answer(&mut c, r#"{"action":"raw","a":1} x"#).await), "invalid_json");

    let text = r#"{"action":"echo","text":"still here","n":7}"#;
    assert_eq!(answer(&mut c, text).await, json!({ "action": "echo", "text": "still here", "n": 7 }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn envelope_mode_hands_data_over_as_written() {
    let h = start().await;
    let mut c = open(&h, Mode::Envelope).await;

    let text = answer_text(&mut c, r#"{"action":"raw","id":1,"data":{"n":1.50,"k":1,"k":2}}"#).await;
    assert_eq!(text, r#"{"action":"raw","id":1,"data":{"n":1.50,"k":1,"k":2}}"#);
    let text = answer_text(&mut c, r#"{"action":"raw","id":2,"data":[1, "two"]}"#).await;
    assert_eq!(text, r#"{"action":"raw","id":2,"data":[1, "two"]}"#);
    // No `data`: the input is `null`.
    assert_eq!(answer(&mut c, r#"{"action":"raw","id":3}"#).await, json!({ "action": "raw", "id": 3, "data": null }));

    let text = r#"{"action":"echo","id":4,"data":{"text":"still here","n":7}}"#;
    let still = json!({ "action": "echo", "id": 4, "data": { "text": "still here", "n": 7 } });
    assert_eq!(answer(&mut c, text).await, still);
}

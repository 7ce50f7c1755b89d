//! `Channel::raw_echo`: every text and binary message comes back unchanged and of the same kind,
//! whatever it holds, over the same transport as any channel (the Autobahn target).

use wirechan::App;
use wirechan::prelude::*;
use wirechan::testing::{Event, TestClient, TestServer};

use crate::raw_ws::{OP_BINARY, OP_TEXT, RawWs};

wire_channel! {
    name: "rawecho",
    route: "/raw",
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_echo_channel_sends_every_message_back_unchanged() {
    let server =
        TestServer::start(App::new(()).channel(wirechan::testing::raw_echo(rawecho::channel()))).await.unwrap();
    let mut c = TestClient::connect(&server.url("/raw")).await.unwrap();
    for text in ["not json", "{\"action\":\"x\"}", "", "ünïcødé"] {
        c.send_text(text).await.unwrap();
        let echoed = match c.recv().await.unwrap() {
            Event::Text(t) => t,
            Event::Json(v) => v.to_string(),
            other => panic!("{other:?}"),
        };
        assert_eq!(echoed, text);
    }
    let mut raw = RawWs::connect(server.addr(), "/raw").await;
    let bytes: Vec<u8> = (0..=255).collect();
    raw.send_frame(OP_BINARY, &bytes).await;
    let frame = raw.next_frame().await.expect("the echo");
    assert_eq!((frame.opcode, frame.payload), (OP_BINARY, bytes));
    let big = "x".repeat(100_000);
    raw.send_text(&big).await;
    let frame = raw.next_frame().await.expect("the echo");
    assert_eq!((frame.opcode, frame.text()), (OP_TEXT, big.as_str()));
}

//! PROTOCOL.md section 1: `on_connect`'s value is the first frame, as is in flat mode and as the
//! `connect` event in envelope mode; opening data comes from the path and the query.

use std::sync::atomic::Ordering;
use std::time::Duration;

use crate::support::*;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_connect_value_is_the_first_frame_in_both_modes() {
    let h = start().await;
    for mode in MODES {
        let mut client = connect(&h.server.url("/proto/lobby?limit=3"), mode).await;
        let first = client.recv_json().await.expect("first frame");
        match mode {
            Mode::Flat => assert_eq!(first, json!({ "hello": "lobby", "limit": 3 })),
            Mode::Envelope => {
                assert_eq!(first, json!({ "event": "connect", "data": { "hello": "lobby", "limit": 3 } }))
            }
        }
        assert_still_answers(&mut client, mode).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_data_decodes_percent_encoded_path_params_and_query() {
    let h = start().await;
    for mode in MODES {
        let mut client = connect(&h.server.url("/proto/gen%20eral%C3%A9?limit=42"), mode).await;
        let first = client.recv_json().await.expect("first frame");
        assert_eq!(first, connect_frame(mode, json!({ "hello": "gen eral\u{e9}", "limit": 42 })));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_connect_without_a_value_sends_no_first_frame() {
    let h = start().await;
    for (i, mode) in MODES.into_iter().enumerate() {
        let mut client = connect(&h.server.url("/fb"), mode).await;
        wait_until("fb's on_connect ran", || h.svc.connects.load(Ordering::SeqCst) == i + 1).await;
        assert_silent(&mut client, Duration::from_millis(150), "a unit on_connect").await;
        // The first frame the client sees is the reply to its first call.
        let got = call(&mut client, mode, "noop", "first", None).await;
        assert_eq!(got, reply(mode, "noop", Some(json!("first")), None));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_connect_sees_no_session_without_a_hook() {
    let h = start().await;
    for mode in MODES {
        let mut client = connect(&h.server.url("/guarded"), mode).await;
        let first = client.recv_json().await.expect("first frame");
        assert_eq!(first, connect_frame(mode, json!({ "user": null })));
    }
}

//! PROTOCOL.md section 6: 1009 for a message over the size limit (default 1 MiB, or the
//! configured one), 1008 for a binary frame on a text-only channel. A message under the limit is
//! answered as usual.

use crate::support::*;
use serde_json::json;
use wirechan::ServerConfig;

const MIB: usize = 1 << 20;

/// An `echo` frame of exactly `len` bytes (flat mode shape; in envelope mode wrapped in `data`).
fn echo_frame_of_len(mode: Mode, len: usize) -> String {
    let head = request(mode, "echo", Some(json!(1)), Some(json!({ "text": "", "n": 1 }))).to_string();
    assert!(len > head.len());
    let text = "x".repeat(len - head.len());
    let frame = request(mode, "echo", Some(json!(1)), Some(json!({ "text": text, "n": 1 }))).to_string();
    assert_eq!(frame.len(), len);
    frame
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_default_1_mib_limit_closes_with_1009() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        let connection_id = connection_id_of(&mut c, mode).await;
        // Just under the limit: answered.
        let frame = echo_frame_of_len(mode, MIB - 64);
        c.send_text(frame).await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_eq!(got.get("error"), None, "{mode:?}: a message under the limit is answered");
        // Over the limit: closed with 1009.
        c.send_text("x".repeat(MIB + 1)).await.unwrap();
        let (code, _reason) = expect_close(&mut c).await;
        assert_eq!(code, Some(1009), "{mode:?}");
        // `on_error` saw the transport error.
        let seen = errors_seen_by(&connection_id);
        assert!(seen.contains(&(None, "transport".to_owned())), "{mode:?}: {seen:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_a_configured_limit_closes_with_1009() {
    let h = start_app(|app| app.config(ServerConfig::default().max_message_size(1024))).await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        c.send_text(echo_frame_of_len(mode, 1000)).await.unwrap();
        let got = c.recv_json().await.unwrap();
        assert_eq!(got["action"], json!("echo"), "{mode:?}: {got}");
        assert_eq!(got.get("error"), None, "{mode:?}: a message under the limit is answered");

        c.send_text(echo_frame_of_len(mode, 2000)).await.unwrap();
        let (code, _reason) = expect_close(&mut c).await;
        assert_eq!(code, Some(1009), "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_binary_frame_on_a_text_only_channel_closes_with_1008() {
    let h = start().await;
    for mode in MODES {
        let mut c = open_proto(&h, "r", mode).await;
        c.send_binary(br#"{"action":"noop"}"#.to_vec()).await.unwrap();
        let (code, _reason) = expect_close(&mut c).await;
        assert_eq!(code, Some(1008), "{mode:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reserved_opcode_or_bit_closes_with_1002() {
    use crate::raw_ws::{OP_CLOSE, RawWs, masked_frame_with};
    let h = start().await;
    for first in [0x80 | 0x3, 0x80 | 0xb, 0x80 | 0x40 | 0x1] {
        let mut raw = RawWs::connect(h.server.addr(), "/proto/r").await;
        raw.send_raw(&masked_frame_with(first, b"x")).await;
        let close = loop {
            let frame = raw.next_frame().await.expect("a close frame");
            if frame.opcode == OP_CLOSE {
                break frame;
            }
        };
        assert_eq!(close.close_code(), Some(1002), "first byte {first:#x}");
    }
}

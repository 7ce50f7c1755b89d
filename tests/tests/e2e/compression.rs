//! Per-message compression (permessage-deflate, RFC 7692): negotiated only when the server
//! turns it on, large messages travel compressed (fewer bytes on the TCP stream) and arrive
//! intact, small ones go uncompressed, and the context takeover settings are honoured.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use wirechan::prelude::*;
use wirechan::testing::TestServer;
use wirechan::{Compression, ServerConfig};
use yawc::frame::{Frame, OpCode};

use crate::raw_ws::upgrade_request;

wire_channel! {
    name: "squeeze",
    route: "/squeeze",
}

const OFFER: &str = "permessage-deflate; client_max_window_bits";
const RSV1: u8 = 0x40;

async fn server(compression: Option<Compression>) -> TestServer {
    let config = match compression {
        Some(c) => ServerConfig::default().compression(c),
        None => ServerConfig::default(),
    };
    TestServer::start(App::new(()).config(config).channel(wirechan::testing::raw_echo(squeeze::channel())))
        .await
        .unwrap()
}

/// `records` JSON-like records (about 40 bytes each) that deflate shrinks well.
fn large_text(records: u32, seed: u32) -> String {
    (0..records).map(|i| format!("{{\"id\":{},\"name\":\"user-{}\",\"online\":true}}", i * seed, i % 97)).collect()
}

/// A TCP stream that counts the bytes it carries.
struct Counted {
    tcp: TcpStream,
    read: Arc<AtomicUsize>,
    written: Arc<AtomicUsize>,
}

impl AsyncRead for Counted {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let poll = Pin::new(&mut self.tcp).poll_read(cx, buf);
        self.read.fetch_add(buf.filled().len() - before, Ordering::Relaxed);
        poll
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        let poll = Pin::new(&mut self.tcp).poll_write(cx, data);
        if let Poll::Ready(Ok(n)) = &poll {
            self.written.fetch_add(*n, Ordering::Relaxed);
        }
        poll
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}

/// The upgrade answer's head for a request offering `offer`, and the socket after it.
async fn upgrade(server: &TestServer, offer: Option<&str>) -> (String, TcpStream, Vec<u8>) {
    let mut tcp = TcpStream::connect(server.addr()).await.unwrap();
    let extra: Vec<(&str, &str)> = offer.map(|o| ("Sec-WebSocket-Extensions", o)).into_iter().collect();
    tcp.write_all(upgrade_request(server.addr(), "/squeeze", &extra).as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            buf.drain(..end + 4);
            assert!(head.starts_with("http/1.1 101"), "{head}");
            return (head, tcp, buf);
        }
        let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut chunk)).await.unwrap().unwrap();
        assert!(n > 0, "the server closed before answering");
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// Sends one masked, uncompressed text frame (RFC 7692 lets a client send those).
async fn send_text<W: AsyncWrite + Unpin>(tcp: &mut W, text: &str) {
    // The server may stop reading once it refused the message.
    let _ = tcp.write_all(&crate::raw_ws::masked_frame(crate::raw_ws::OP_TEXT, text.as_bytes())).await;
}

/// The first byte (FIN, RSV1, opcode) and payload of the server's next frame, as sent.
async fn read_frame<R: AsyncRead + Unpin>(tcp: &mut R, buf: &mut Vec<u8>) -> (u8, Vec<u8>) {
    async fn fill<R: AsyncRead + Unpin>(tcp: &mut R, buf: &mut Vec<u8>, len: usize) {
        let mut chunk = [0u8; 16 * 1024];
        while buf.len() < len {
            let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut chunk)).await.unwrap().unwrap();
            assert!(n > 0, "the server closed the connection");
            buf.extend_from_slice(&chunk[..n]);
        }
    }
    fill(tcp, buf, 2).await;
    let (len, head) = match buf[1] & 0x7f {
        126 => {
            fill(tcp, buf, 4).await;
            (usize::from(u16::from_be_bytes([buf[2], buf[3]])), 4)
        }
        127 => {
            fill(tcp, buf, 10).await;
            (u64::from_be_bytes(buf[2..10].try_into().unwrap()) as usize, 10)
        }
        n => (usize::from(n), 2),
    };
    fill(tcp, buf, head + len).await;
    let first = buf[0];
    let payload = buf[head..head + len].to_vec();
    buf.drain(..head + len);
    (first, payload)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn compression_is_negotiated_only_when_the_server_turns_it_on() {
    let on = server(Some(Compression::new())).await;
    let (head, ..) = upgrade(&on, Some(OFFER)).await;
    assert!(head.contains("sec-websocket-extensions: permessage-deflate\r\n"), "{head}");
    let (head, ..) = upgrade(&on, None).await;
    assert!(!head.contains("sec-websocket-extensions"), "no offer, no extension: {head}");
    let (head, ..) = upgrade(&on, Some("permessage-deflate; server_max_window_bits=99")).await;
    assert!(!head.contains("sec-websocket-extensions"), "an invalid offer is declined: {head}");

    let off = server(None).await;
    let (head, ..) = upgrade(&off, Some(OFFER)).await;
    assert!(!head.contains("sec-websocket-extensions"), "compression is off by default: {head}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_message_travels_compressed_and_arrives_intact() {
    let server = server(Some(Compression::new())).await;
    let tcp = TcpStream::connect(server.addr()).await.unwrap();
    let (read, written) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let io = Counted { tcp, read: read.clone(), written: written.clone() };
    let url = format!("ws://{}/squeeze", server.addr());
    let options = yawc::Options::default().with_low_latency_compression();
    let mut ws = yawc::WebSocket::handshake(url.parse().unwrap(), io, options).await.unwrap();
    let handshake = (read.load(Ordering::Relaxed), written.load(Ordering::Relaxed));

    let text = large_text(2_000, 3);
    ws.send(Frame::text(text.clone())).await.unwrap();
    let echo = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap().expect("the echo");
    assert_eq!(echo.opcode(), OpCode::Text);
    assert_eq!(echo.as_str(), text, "the message arrives intact");

    let sent = written.load(Ordering::Relaxed) - handshake.1;
    let received = read.load(Ordering::Relaxed) - handshake.0;
    assert!(sent * 4 < text.len(), "{sent} bytes on the wire for {} bytes of text", text.len());
    assert!(received * 4 < text.len(), "{received} bytes on the wire for {} bytes of text", text.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_below_the_threshold_go_uncompressed() {
    let server = server(Some(Compression::new().threshold(1_000))).await;
    let (_, mut tcp, mut buf) = upgrade(&server, Some(OFFER)).await;

    let small = "x".repeat(999);
    send_text(&mut tcp, &small).await;
    let (first, payload) = read_frame(&mut tcp, &mut buf).await;
    assert_eq!(first & RSV1, 0, "below the threshold: not compressed");
    assert_eq!(payload, small.as_bytes());

    let large = "x".repeat(1_000);
    send_text(&mut tcp, &large).await;
    let (first, payload) = read_frame(&mut tcp, &mut buf).await;
    assert_eq!(first & RSV1, RSV1, "at the threshold: compressed");
    assert!(payload.len() < 100, "{} bytes", payload.len());
}

/// The compressed echoes of the same large message sent twice.
async fn two_echoes(server: &TestServer, offer: &str) -> (String, Vec<u8>, Vec<u8>) {
    let (head, mut tcp, mut buf) = upgrade(server, Some(offer)).await;
    // Smaller than the 32 KiB window, so that the second copy can refer to the first.
    let text = large_text(250, 7);
    send_text(&mut tcp, &text).await;
    let (first, one) = read_frame(&mut tcp, &mut buf).await;
    assert_eq!(first & RSV1, RSV1);
    send_text(&mut tcp, &text).await;
    let (first, two) = read_frame(&mut tcp, &mut buf).await;
    assert_eq!(first & RSV1, RSV1);
    (head, one, two)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn context_takeover_is_kept_or_dropped_as_negotiated() {
    // With context takeover the second copy refers back to the first: far fewer bytes.
    let keep = server(Some(Compression::new())).await;
    let (_, one, two) = two_echoes(&keep, OFFER).await;
    assert!(two.len() * 4 < one.len(), "second {} bytes, first {}", two.len(), one.len());

    // Configured off: the server says so, and compresses each message on its own.
    let drop = server(Some(Compression::new().server_context_takeover(false).client_context_takeover(false))).await;
    let (head, one, two) = two_echoes(&drop, OFFER).await;
    assert!(head.contains("server_no_context_takeover"), "{head}");
    assert!(head.contains("client_no_context_takeover"), "{head}");
    assert_eq!(one, two, "each message compressed from a fresh window");

    // Asked for by the client: honoured although the server would keep its window.
    let (head, one, two) = two_echoes(&keep, "permessage-deflate; server_no_context_takeover").await;
    assert!(head.contains("permessage-deflate; server_no_context_takeover"), "{head}");
    assert_eq!(one, two);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_compressed_message_over_the_size_limit_closes_with_1009() {
    let config = ServerConfig::default().max_message_size(10_000).compression(Compression::new());
    let server =
        TestServer::start(App::new(()).config(config).channel(wirechan::testing::raw_echo(squeeze::channel())))
            .await
            .unwrap();
    let url = format!("ws://{}/squeeze", server.addr());
    let tcp = TcpStream::connect(server.addr()).await.unwrap();
    let options = yawc::Options::default().with_low_latency_compression();
    let mut ws = yawc::WebSocket::handshake(url.parse().unwrap(), tcp, options).await.unwrap();
    // 50 kB that deflate turns into a few hundred bytes: the limit applies to the message.
    ws.send(Frame::text("a".repeat(50_000))).await.unwrap();
    let close = tokio::time::timeout(Duration::from_secs(5), ws.next()).await.unwrap().expect("a close frame");
    assert_eq!(close.opcode(), OpCode::Close);
    assert_eq!(close.close_code().map(u16::from), Some(1009));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_frame_gets_its_1009_while_the_client_is_still_writing() {
    let config = ServerConfig::default().max_message_size(10_000).compression(Compression::new());
    let server =
        TestServer::start(App::new(()).config(config).channel(wirechan::testing::raw_echo(squeeze::channel())))
            .await
            .unwrap();
    let (head, tcp, mut buf) = upgrade(&server, Some(OFFER)).await;
    assert!(head.contains("permessage-deflate"), "{head}");
    let (mut read, mut write) = tcp.into_split();
    // The header announces 2 MB: the server refuses at once, while the body is still coming. It
    // must keep reading (and discarding) until its close frame is through, or the kernel's reset
    // for unread bytes may destroy that frame.
    let writer = tokio::spawn(async move {
        let text = "y".repeat(2_000_000);
        send_text(&mut write, &text).await;
    });
    let (first, payload) = read_frame(&mut read, &mut buf).await;
    assert_eq!(first & 0x0f, 0x8, "a close frame");
    assert_eq!(u16::from_be_bytes([payload[0], payload[1]]), 1009);
    writer.abort();
}

/// Sends `frames` (first byte, payload) on a compressed connection and returns the code of the
/// close frame the server answers with.
async fn close_code_after(frames: &[(u8, &[u8])]) -> u16 {
    let server = server(Some(Compression::new())).await;
    let (head, tcp, mut buf) = upgrade(&server, Some(OFFER)).await;
    assert!(head.contains("permessage-deflate"), "{head}");
    let (mut read, mut write) = tcp.into_split();
    for (first, payload) in frames {
        let _ = write.write_all(&crate::raw_ws::masked_frame_with(*first, payload)).await;
    }
    loop {
        let (first, payload) = read_frame(&mut read, &mut buf).await;
        if first & 0x0f == 0x8 {
            return u16::from_be_bytes([payload[0], payload[1]]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protocol_errors_on_a_compressed_connection_close_with_the_documented_codes() {
    const FIN: u8 = 0x80;
    const TEXT: u8 = 0x1;
    // A compressed message that does not inflate: 1011 (PROTOCOL.md section 1).
    assert_eq!(close_code_after(&[(FIN | RSV1 | TEXT, b"\xff\xff\xff\xff not deflate")]).await, 1011);
    // RSV1 on a continuation frame: 1002 (RFC 7692 section 6.1).
    let start = deflated(b"hello, ");
    let more = deflated(b"world");
    assert_eq!(close_code_after(&[(RSV1 | TEXT, &start), (FIN | RSV1, &more)]).await, 1002);
    // A reserved opcode: 1002 (RFC 6455 section 5.2), as on a plain connection.
    assert_eq!(close_code_after(&[(FIN | 0x3, b"")]).await, 1002);
    assert_eq!(close_code_after(&[(FIN | 0xb, b"")]).await, 1002);
    // Other reserved bits: 1002.
    assert_eq!(close_code_after(&[(FIN | 0x20 | TEXT, b"x")]).await, 1002);
}

/// `data` compressed as one permessage-deflate message, without the closing `00 00 ff ff`.
fn deflated(data: &[u8]) -> Vec<u8> {
    use flate2::{Compress, Compression as Level, FlushCompress};
    let mut deflate = Compress::new(Level::default(), false);
    let mut out = Vec::with_capacity(data.len() + 64);
    deflate.compress_vec(data, &mut out, FlushCompress::Sync).unwrap();
    out.truncate(out.len() - 4);
    out
}

/// A compressed payload (without its `00 00 ff ff` tail) inflated back to text.
fn inflated(payload: &[u8]) -> String {
    use flate2::{Decompress, FlushDecompress};
    let mut inflate = Decompress::new(false);
    let mut input = payload.to_vec();
    input.extend_from_slice(&[0, 0, 0xff, 0xff]);
    let mut out = Vec::with_capacity(payload.len() * 20 + 64);
    inflate.decompress_vec(&input, &mut out, FlushDecompress::Sync).unwrap();
    String::from_utf8(out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_publication_is_deflated_once_for_the_subscribers_without_context_takeover() {
    let app = App::new(())
        .config(ServerConfig::default().compression(Compression::new()))
        .channel(wirechan::testing::raw_echo(squeeze::channel()));
    let hub = app.hub();
    let server = TestServer::start(app).await.unwrap();
    // Three subscribers without context takeover and one with it; each is past its upgrade (an
    // echo came back) before the publication, so each has joined the channel's topic.
    let offers = [
        "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        "permessage-deflate; server_no_context_takeover",
        "permessage-deflate; server_no_context_takeover; client_max_window_bits",
        OFFER,
    ];
    let mut conns = Vec::new();
    for offer in offers {
        let (_, mut tcp, mut buf) = upgrade(&server, Some(offer)).await;
        send_text(&mut tcp, "ready").await;
        assert_eq!(read_frame(&mut tcp, &mut buf).await.1, b"ready");
        conns.push((tcp, buf));
    }
    let data = large_text(200, 3);
    hub.publish_untyped("channel:squeeze", None, &data).await.unwrap();
    let expected = serde_json::json!({ "topic": "channel:squeeze", "data": data });
    let mut payloads = Vec::new();
    for (tcp, buf) in &mut conns {
        let (first, payload) = read_frame(tcp, buf).await;
        assert_eq!(first & RSV1, RSV1, "the publication travels compressed");
        assert_eq!(serde_json::from_str::<serde_json::Value>(&inflated(&payload)).unwrap(), expected);
        payloads.push(payload);
    }
    // Without context takeover every subscriber got the same deflated bytes.
    assert_eq!(payloads[0], payloads[1]);
    assert_eq!(payloads[0], payloads[2]);
    assert!(payloads[0].len() * 3 < data.len(), "{} bytes for {}", payloads[0].len(), data.len());
}

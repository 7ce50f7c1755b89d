//! PROTOCOL.md section 8: every limit refuses with its documented answer. Before the upgrade:
//! 503 `server_full` and 429 `too_many_connections` (open connections), 431 (request head too
//! large), 414 `opening_data_too_large` (path and query), a dropped socket (handshake timeout).
//! After it: `rate_limited` errors, then close 1008 (message rate).

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use wirechan::testing::{TestClient, TestError};
use wirechan::{RateLimit, ServerConfig};

use crate::raw_ws::{OP_TEXT, RawWs, UPGRADE_HEADERS};
use crate::support::*;

async fn upgrade(addr: SocketAddr, path: &str) -> HttpResponse {
    http_request(addr, "GET", path, &UPGRADE_HEADERS).await
}

fn assert_refusal(res: &HttpResponse, status: u16, code: &str) {
    assert_eq!(res.status, status, "{res:?}");
    assert_eq!(res.header("content-type"), Some("application/json"), "{res:?}");
    let body = res.json();
    assert_eq!(body["error"]["code"], json!(code), "{body}");
    assert!(body["error"]["message"].as_str().is_some_and(|m| !m.is_empty()), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_connection_limit_an_upgrade_gets_503_until_a_connection_closes() {
    let h = start_app(|app| app.config(ServerConfig::default().max_connections(2))).await;
    let mut first = open_proto(&h, "full", Mode::Flat).await;
    let mut second = open_proto(&h, "full", Mode::Envelope).await;

    let refused = upgrade(h.server.addr(), "/proto/full").await;
    assert_refusal(&refused, 503, "server_full");
    assert_eq!(refused.header("retry-after"), Some("5"));
    match TestClient::connect(&h.server.url("/proto/full")).await {
        Err(TestError::Refused { status: 503, body }) => assert!(body.contains("server_full"), "{body}"),
        other => panic!("expected a 503 refusal, got {:?}", other.map(|_| "a connection")),
    }
    // The open connections are unaffected.
    assert_still_answers(&mut second, Mode::Envelope).await;

    // Once one closes, there is room again.
    first.close(1000, "done").await.unwrap();
    assert_eq!(first.recv_close().await.unwrap().0, Some(1000));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    let mut third = loop {
        match TestClient::connect(&h.server.url("/proto/full")).await {
            Ok(client) => break client,
            Err(TestError::Refused { status: 503, .. }) => {
                assert!(tokio::time::Instant::now() < deadline, "a closed connection frees its slot");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => panic!("{e}"),
        }
    };
    assert!(third.recv_json().await.is_ok(), "the new connection gets its welcome");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_per_address_limit_an_upgrade_gets_429_and_other_addresses_are_not_affected() {
    let h = start_app(|app| app.config(ServerConfig::default().max_connections_per_ip(1))).await;
    let mut first = open_proto(&h, "ip", Mode::Flat).await;
    let refused = upgrade(h.server.addr(), "/proto/ip").await;
    assert_refusal(&refused, 429, "too_many_connections");
    assert_eq!(refused.header("retry-after"), Some("5"));
    assert_still_answers(&mut first, Mode::Flat).await;

    // Another client address (Linux routes all of 127.0.0.0/8 to loopback) has its own count.
    let mut other = RawWs::connect_from(h.server.addr(), "/proto/ip", "127.0.0.2:0".parse().unwrap()).await;
    let welcome = other.next_frame().await.expect("the welcome");
    assert_eq!(welcome.opcode, OP_TEXT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_upgrade_requests_are_still_served_at_the_limit() {
    let h = start_app(|app| app.config(ServerConfig::default().max_connections(1))).await;
    let _only = open_proto(&h, "busy", Mode::Flat).await;
    // A full server is healthy: its health check answers.
    let res = http_get(h.server.addr(), "/health-check").await;
    assert_eq!(res.status, 200, "{res:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_rate_over_the_limit_gets_rate_limited_errors_then_close_1008() {
    // One token a second: the pipelined frames below all arrive long before a refill.
    let limit = RateLimit::per_second(1).burst(3).close_after(3);
    let h = start_app(|app| app.config(ServerConfig::default().rate_limit(limit))).await;
    for mode in MODES {
        let mut c = open_proto(&h, "rate", mode).await;
        let connection_id = connection_id_of(&mut c, mode).await; // takes the first token
        for i in 1..=5 {
            c.send_json(&request(mode, "add", Some(json!(i)), Some(json!({ "a": i, "b": 1 })))).await.unwrap();
        }
        // Two more tokens: answered.
        for i in 1..=2 {
            assert_eq!(
                c.recv_json().await.unwrap(),
                reply(mode, "add", Some(json!(i)), Some(json!(i + 1))),
                "{mode:?}"
            );
        }
        // The bucket is empty: refused without running, tagged like the call's own error.
        for i in 3..=5 {
            let frame = c.recv_json().await.unwrap();
            let id = json!(i);
            let id = (mode == Mode::Envelope).then_some(&id);
            let error = assert_error_frame(&frame, Some(("action", "add")), id, "rate_limited");
            assert!(error["message"].as_str().unwrap().contains("at most 1 a second"), "{frame}");
        }
        // The third refusal in a row closes the connection.
        let (code, reason) = expect_close(&mut c).await;
        assert_eq!(code, Some(1008), "{mode:?}");
        assert_eq!(reason, "rate limit exceeded");
        let seen = errors_seen_by(&connection_id);
        assert_eq!(seen.iter().filter(|(_, code)| code == "rate_limited").count(), 3, "{mode:?}: {seen:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_sets_its_own_rate_limit() {
    let svc = Svc::default();
    let app = wirechan::App::new(svc.clone())
        .config(ServerConfig::default().rate_limit(RateLimit::per_second(1).burst(1)))
        .channel(proto::channel().without_rate_limit())
        .channel(fb::channel().rate_limit(RateLimit::per_second(1).burst(2).close_after(100)));
    let h = Harness { hub: app.hub(), server: wirechan::testing::TestServer::start(app).await.unwrap(), svc };
    // `proto` is not limited: a burst of 50 is answered.
    let mut c = open_proto(&h, "free", Mode::Envelope).await;
    for i in 0..50 {
        c.send_json(&request(Mode::Envelope, "noop", Some(json!(i)), None)).await.unwrap();
    }
    for i in 0..50 {
        assert_eq!(c.recv_json().await.unwrap(), reply(Mode::Envelope, "noop", Some(json!(i)), None));
    }
    // `fb` allows a burst of 2.
    let mut fb = connect(&h.server.url("/fb"), Mode::Envelope).await;
    for i in 0..3 {
        fb.send_json(&request(Mode::Envelope, "noop", Some(json!(i)), None)).await.unwrap();
    }
    assert_eq!(fb.recv_json().await.unwrap(), reply(Mode::Envelope, "noop", Some(json!(0)), None));
    assert_eq!(fb.recv_json().await.unwrap(), reply(Mode::Envelope, "noop", Some(json!(1)), None));
    assert_error_frame(&fb.recv_json().await.unwrap(), Some(("action", "noop")), Some(&json!(2)), "rate_limited");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_sends_nothing_is_dropped_at_the_handshake_timeout() {
    let timeout = Duration::from_millis(300);
    let h = start_app(|app| app.config(ServerConfig::default().handshake_timeout(timeout))).await;
    let mut tcp = TcpStream::connect(h.server.addr()).await.unwrap();
    let mut buf = [0u8; 512];
    // The server ends the connection without an answer; the generous wait only bounds a hang.
    let n = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf))
        .await
        .expect("the server drops the silent client")
        .unwrap_or(0);
    assert_eq!(n, 0, "no answer, just the end: {:?}", String::from_utf8_lossy(&buf[..n]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_dribbles_its_headers_is_dropped_at_the_handshake_timeout() {
    let timeout = Duration::from_millis(300);
    let h = start_app(|app| app.config(ServerConfig::default().handshake_timeout(timeout))).await;
    let addr = h.server.addr();
    let request = crate::raw_ws::upgrade_request(addr, "/proto/dribble", &[("X-Padding", &"p".repeat(200))]);
    let tcp = TcpStream::connect(addr).await.unwrap();
    tcp.set_nodelay(true).unwrap();
    let (mut rd, mut wr) = tcp.into_split();
    let dropped = tokio::spawn(async move {
        // Whatever comes first: an answer (there should be none) or the end of the stream.
        let mut buf = [0u8; 512];
        let n = rd.read(&mut buf).await.unwrap_or(0);
        buf[..n].to_vec()
    });
    // One byte every 20 ms: the whole head would take about 8 s.
    let mut sent = 0;
    for byte in request.as_bytes() {
        if dropped.is_finished() || wr.write_all(&[*byte]).await.is_err() {
            break;
        }
        sent += 1;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let answer = dropped.await.unwrap();
    assert!(answer.is_empty(), "no answer, just the end: {:?}", String::from_utf8_lossy(&answer));
    assert!(sent < request.len(), "the server dropped the client before its head was complete ({sent} bytes sent)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_head_over_the_limit_gets_431() {
    let h = start_app(|app| app.config(ServerConfig::default().max_request_header_bytes(4096))).await;
    let big = "c".repeat(5000);
    let mut headers = UPGRADE_HEADERS.to_vec();
    headers.push(("Cookie", &big));
    let res = http_request(h.server.addr(), "GET", "/proto/big", &headers).await;
    assert_eq!(res.status, 431, "{res:?}");
    // Under the limit it opens.
    let mut headers = UPGRADE_HEADERS.to_vec();
    let small = "c".repeat(3000);
    headers.push(("Cookie", &small));
    assert_eq!(http_request(h.server.addr(), "GET", "/proto/big", &headers).await.status, 101);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opening_data_over_the_limit_gets_414() {
    let h = start_app(|app| app.config(ServerConfig::default().max_opening_data_bytes(64))).await;
    let long = format!("/proto/r?limit=1&pad={}", "x".repeat(64));
    assert_refusal(&upgrade(h.server.addr(), &long).await, 414, "opening_data_too_large");
    let short = "/proto/r?limit=1";
    assert_eq!(upgrade(h.server.addr(), short).await.status, 101);
}

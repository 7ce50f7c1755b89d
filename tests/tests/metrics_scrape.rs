//! Metrics (feature `metrics`): the chat example with its Prometheus endpoint, scraped over HTTP
//! on the server's own port after known traffic. A test binary of its own, because a process has
//! one global recorder; one test, because the counts are the process's.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::Duration;

use example_chat::{Claims, JwtKeys};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use wirechan::ServerConfig;
use wirechan::testing::{TestClient, TestServer};

const SECRET: &str = "metrics-secret";

/// One scrape: `(name, sorted labels) -> value`.
struct Scrape(BTreeMap<(String, Vec<(String, String)>), f64>);

impl Scrape {
    fn parse(text: &str) -> Self {
        let mut samples = BTreeMap::new();
        for line in text.lines().filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').unwrap_or_else(|| panic!("a sample line: {line}"));
            let (name, labels) = match series.split_once('{') {
                Some((name, rest)) => {
                    let inner = rest.strip_suffix('}').unwrap_or_else(|| panic!("closed labels: {line}"));
                    let mut labels: Vec<(String, String)> = inner
                        .split(',')
                        .map(|pair| {
                            let (k, v) = pair.split_once('=').unwrap_or_else(|| panic!("a label: {line}"));
                            (k.to_owned(), v.trim_matches('"').to_owned())
                        })
                        .collect();
                    labels.sort();
                    (name, labels)
                }
                None => (series, Vec::new()),
            };
            let value: f64 = value.parse().unwrap_or_else(|e| panic!("a number in {line}: {e}"));
            samples.insert((name.to_owned(), labels), value);
        }
        Self(samples)
    }

    /// The value of the series `name{labels}`, if the scrape has it.
    fn get_series(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut labels: Vec<(String, String)> = labels.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        labels.sort();
        self.0.get(&(name.to_owned(), labels)).copied()
    }

    /// The value of the series `name{labels}`, 0 when it was never recorded.
    fn get(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.get_series(name, labels).unwrap_or(0.0)
    }

    /// The same, for the `chat` channel.
    fn chat_series(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        let mut all = vec![("channel", "chat")];
        all.extend_from_slice(labels);
        self.get_series(name, &all)
    }

    fn chat(&self, name: &str, labels: &[(&str, &str)]) -> f64 {
        self.chat_series(name, labels).unwrap_or(0.0)
    }
}

/// `GET /metrics` over a plain HTTP/1.1 connection.
async fn scrape(addr: SocketAddr) -> Scrape {
    let mut tcp = TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET /metrics HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.expect("send the request");
    let mut response = String::new();
    tcp.read_to_string(&mut response).await.expect("read the response");
    let (head, body) = response.split_once("\r\n\r\n").expect("a response head");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.to_ascii_lowercase().contains("content-type: text/plain; version=0.0.4"), "{head}");
    assert!(!body.contains("dance"), "a client's action name never becomes a label:\n{body}");
    Scrape::parse(body)
}

fn token(name: &str) -> String {
    JwtKeys::new(SECRET).sign(&Claims::new(name.to_lowercase(), name.to_owned(), std::time::Duration::from_secs(3600)))
}

async fn join(server: &TestServer, room: &str) -> TestClient {
    let mut c = TestClient::connect(&server.url(&format!("/chat?room={room}"))).await.expect("connect");
    assert_eq!(c.recv_json().await.unwrap(), json!({ "welcome": format!("Welcome to {room}!") }));
    c
}

async fn call(c: &mut TestClient, frame: Value) -> Value {
    c.send_json(&frame).await.unwrap();
    c.recv_json().await.unwrap()
}

fn error_code(frame: &Value) -> &str {
    frame["error"]["code"].as_str().unwrap_or_else(|| panic!("an error frame: {frame}"))
}

/// Joins `room` as a client that never reads, with a tiny receive window: the server's writes
/// to it stall after a few frames, and its outbound queue fills.
async fn join_without_reading(addr: SocketAddr, room: &str) -> TcpStream {
    let socket = TcpSocket::new_v4().expect("a socket");
    socket.set_recv_buffer_size(4096).expect("SO_RCVBUF");
    let mut tcp = socket.connect(addr).await.expect("connect");
    let request = format!(
        "GET /chat?room={room} HTTP/1.1\r\nHost: {addr}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    tcp.write_all(request.as_bytes()).await.expect("send the upgrade");
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        tcp.read_exact(&mut byte).await.expect("the upgrade response");
        head.push(byte[0]);
    }
    assert!(head.starts_with(b"HTTP/1.1 101"), "{}", String::from_utf8_lossy(&head));
    tcp
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_metrics_endpoint_counts_known_traffic() {
    let app = example_chat::app(SECRET).config(ServerConfig::default().outbound_queue(4));
    let hub = app.hub();
    let app = example_chat::with_metrics(app, example_chat::METRICS_PATH).expect("the recorder installs");
    let server = TestServer::start(app).await.expect("the chat server starts");
    let addr = server.addr();

    // Every series of the channel exists from the start, at zero.
    let m = scrape(addr).await;
    for (name, labels) in [
        ("wirechan_connections_open", vec![]),
        ("wirechan_connections_total", vec![]),
        ("wirechan_messages_received_total", vec![("action", "sendMessage")]),
        ("wirechan_messages_sent_total", vec![("kind", "reply")]),
    ] {
        assert_eq!(m.chat_series(name, &labels), Some(0.0), "{name} {labels:?}");
    }
    assert_eq!(m.get_series("wirechan_hub_published_total", &[]), Some(0.0));

    let mut ann = join(&server, "general").await;
    let mut bob = join(&server, "general").await;
    let early = call(&mut ann, json!({ "action": "sendMessage", "message": "too early" })).await;
    assert_eq!(error_code(&early), "unauthorized");
    for (client, name) in [(&mut ann, "Ann"), (&mut bob, "Bob")] {
        let got = call(client, json!({ "action": "authenticate", "token": token(name) })).await;
        assert_eq!(got["authenticated"], json!(true), "{got}");
    }
    let sent = call(&mut ann, json!({ "action": "sendMessage", "message": "hello" })).await;
    assert_eq!(sent["message"], json!("hello"), "{sent}");
    let publication = bob.recv_json().await.unwrap();
    assert_eq!(publication["data"]["message"], json!("hello"), "{publication}");
    let empty = call(&mut ann, json!({ "action": "sendMessage", "message": "" })).await;
    assert_eq!(error_code(&empty), "invalid_input");
    let unknown = call(&mut ann, json!({ "action": "dance" })).await;
    assert_eq!(error_code(&unknown), "unknown_action");
    ann.send_text("not json").await.unwrap();
    assert_eq!(error_code(&ann.recv_json().await.unwrap()), "invalid_json");

    let m = scrape(addr).await;
    assert_eq!(m.chat("wirechan_connections_total", &[]), 2.0);
    assert_eq!(m.chat("wirechan_connections_open", &[]), 2.0);
    let received = "wirechan_messages_received_total";
    assert_eq!(m.chat(received, &[("action", "authenticate")]), 2.0);
    assert_eq!(m.chat(received, &[("action", "sendMessage")]), 3.0, "refused and failed calls count too");
    assert_eq!(m.chat(received, &[("action", "_unrouted")]), 2.0, "unknown action and invalid JSON");
    let sent = "wirechan_messages_sent_total";
    assert_eq!(m.chat(sent, &[("kind", "connect")]), 2.0);
    assert_eq!(m.chat(sent, &[("kind", "reply")]), 3.0);
    assert_eq!(m.chat(sent, &[("kind", "error")]), 4.0);
    assert_eq!(m.chat(sent, &[("kind", "event")]), 1.0);
    for code in ["unauthorized", "invalid_input", "unknown_action", "invalid_json"] {
        assert_eq!(m.chat("wirechan_errors_total", &[("code", code)]), 1.0, "{code}");
    }
    // Only calls that ran are timed: the refused `sendMessage` is not.
    let count = "wirechan_handler_duration_seconds_count";
    assert_eq!(m.chat(count, &[("action", "authenticate")]), 2.0);
    assert_eq!(m.chat(count, &[("action", "sendMessage")]), 2.0);
    let inf = [("action", "authenticate"), ("le", "+Inf")];
    assert_eq!(m.chat("wirechan_handler_duration_seconds_bucket", &inf), 2.0, "a histogram, with buckets");
    assert_eq!(m.get("wirechan_hub_published_total", &[]), 1.0);
    assert_eq!(m.get("wirechan_hub_delivered_total", &[]), 1.0, "to Bob, not to the sender");

    // A subscriber that stops reading: publish until its full queue drops one, then a few more.
    let _slow = join_without_reading(addr, "slow").await;
    while hub.subscriber_count("room:slow") == 0 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let pad = "x".repeat(16 * 1024);
    let (mut published, mut delivered, mut dropped) = (0u64, 0u64, 0u64);
    let mut after_first_drop = 0;
    while after_first_drop < 3 {
        assert!(published < 10_000, "a subscriber that never reads must overflow its queue");
        let report = hub.publish_untyped("room:slow", None, &json!({ "pad": pad })).await.expect("publish");
        published += 1;
        delivered += report.delivered as u64;
        dropped += report.dropped as u64;
        if dropped > 0 {
            after_first_drop += 1;
        }
    }

    let m = scrape(addr).await;
    assert_eq!(m.chat("wirechan_connections_total", &[]), 3.0);
    assert_eq!(m.chat("wirechan_connections_open", &[]), 3.0);
    assert_eq!(m.chat("wirechan_queue_dropped_total", &[("policy", "drop_newest")]), dropped as f64);
    assert_eq!(m.get("wirechan_hub_published_total", &[]), (1 + published) as f64);
    assert_eq!(m.get("wirechan_hub_delivered_total", &[]), (1 + delivered) as f64);

    // A connection that ends leaves the gauge, after its `on_disconnect` announced it to Bob.
    ann.close(1000, "bye").await.unwrap();
    let left = bob.recv_json().await.unwrap();
    assert_eq!(left["data"]["left"], json!("Ann"), "{left}");
    let mut m = scrape(addr).await;
    for _ in 0..1000 {
        if m.chat("wirechan_connections_open", &[]) == 2.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        m = scrape(addr).await;
    }
    assert_eq!(m.chat("wirechan_connections_open", &[]), 2.0);
    assert_eq!(m.chat("wirechan_connections_total", &[]), 3.0);
    assert_eq!(m.get("wirechan_hub_published_total", &[]), (2 + published) as f64, "the departure");
}

//! The example binary as a user runs it: it serves on `PORT`, prints a demo token that
//! authenticates, and on SIGTERM closes every connection with 1001 and exits cleanly.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use example_chat::{Authenticate, chat};
use wirechan::testing::TestClient;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

#[tokio::test]
async fn binary_serves_then_shuts_down_gracefully_on_sigterm() {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_example-chat"))
        .env("PORT", port.to_string())
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("the example starts");
    let stdout = child.stdout.take().expect("stdout is piped");
    let mut lines = BufReader::new(stdout).lines();
    let token = loop {
        let line = lines.next().expect("the server prints its banner").expect("utf-8 output");
        if let Some(token) = line.strip_prefix("demo token: ") {
            break token.to_owned();
        }
    };

    let url = format!("ws://127.0.0.1:{port}/chat?room=general");
    let mut client = None;
    for _ in 0..100 {
        if let Ok(c) = TestClient::connect_envelope(&url).await {
            client = Some(c);
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut client = client.expect("the server accepts connections");
    let welcome = client.recv_json().await.expect("a welcome frame");
    assert_eq!(welcome["data"]["welcome"], "Welcome to general!");
    let reply =
        client.call::<chat::actions::Authenticate>(&Authenticate { token }).await.expect("the demo token works");
    assert!(reply.authenticated);

    let status = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(status.success());
    let (code, _reason) = client.recv_close().await.expect("a close frame");
    assert_eq!(code, Some(1001));
    let exit = tokio::task::spawn_blocking(move || child.wait()).await.expect("join").expect("wait");
    assert!(exit.success(), "the server exits cleanly after SIGTERM: {exit:?}");
}

//! What the scale-out tests share: a `redis-server` of their own, chat server processes, chat
//! members, raw HTTP for the health check, and waiting for an eventual state.

#![allow(dead_code)]

mod chat_node;
pub mod feed;
mod feed_node;
mod http;
mod member;
mod proxy;
mod redis_server;

use std::future::Future;
use std::time::{Duration, Instant};

pub use chat_node::ChatNode;
pub use feed_node::FeedNode;
pub use http::{http_get_json, http_get_text};
pub use member::Member;
pub use proxy::Proxy;
pub use redis_server::RedisServer;

/// How long a test waits for an eventual state (a subscription, a reconnection) before failing.
pub const PATIENCE: Duration = Duration::from_secs(20);

/// How long a member must stay silent to show that nothing more is coming.
pub const QUIET: Duration = Duration::from_millis(300);

/// Polls `probe` until it returns `Some`, or fails the test after [`PATIENCE`] with `what` and
/// the last observation.
pub async fn eventually<T, O, F, Fut>(what: &str, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, O>>,
    O: std::fmt::Debug,
{
    let deadline = Instant::now() + PATIENCE;
    loop {
        match probe().await {
            Ok(value) => return value,
            Err(last) if Instant::now() >= deadline => panic!("timed out waiting for {what}; last seen: {last:?}"),
            Err(_) => tokio::time::sleep(Duration::from_millis(25)).await,
        }
    }
}

/// A free loopback port (bound, then released for the process that will listen on it).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// Builds a binary of the workspace with `cargo build <args>` (a no-op when it is fresh) and
/// returns the path of the executable named `name`.
pub fn cargo_executable(args: &[&str], name: &str) -> std::path::PathBuf {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| env!("CARGO").to_owned());
    let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace root");
    let output = std::process::Command::new(cargo)
        .arg("build")
        .args(args)
        .args(["--quiet", "--message-format=json-render-diagnostics"])
        .current_dir(workspace)
        .stderr(std::process::Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(output.status.success(), "building {name} failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .find(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == name)
        .and_then(|m| m["executable"].as_str().map(std::path::PathBuf::from))
        .unwrap_or_else(|| panic!("Cargo reports the {name} executable"))
}

//! What the scale-out tests share: a `redis-server` of their own, chat server processes, chat
//! members, raw HTTP for the health check, and waiting for an eventual state.

#![allow(dead_code)]

mod chat_node;
mod http;
mod member;
mod redis_server;

use std::future::Future;
use std::time::{Duration, Instant};

pub use chat_node::ChatNode;
pub use http::{http_get_json, http_get_text};
pub use member::Member;
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

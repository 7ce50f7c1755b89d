//! The chat example's binary, run as a separate server process sharing Redis with others.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::Duration;

use serde_json::Value;

use super::{cargo_executable, eventually, free_port, http_get_json, http_get_text};

/// The JWT secret every node of a test shares, so a token works on any of them.
pub const SECRET: &str = "scale-out-secret";

pub struct ChatNode {
    pub name: &'static str,
    addr: SocketAddr,
    child: Child,
    output: Arc<Mutex<Vec<String>>>,
}

impl ChatNode {
    /// Starts `example-chat` on a free port with `WIRECHAN_HUB=<hub>` and the extra environment,
    /// and waits until its health check reports a connected Redis hub.
    pub async fn start(name: &'static str, hub: &str, env: &[(&str, &str)]) -> Self {
        let port = free_port();
        let mut child = Command::new(chat_binary())
            .env("PORT", port.to_string())
            .env("CHAT_JWT_SECRET", SECRET)
            .env("WIRECHAN_HUB", hub)
            .env("RUST_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the chat example starts");
        // The banner, then the logs: drained for as long as the process lives, kept to explain
        // a failure.
        let stdout = child.stdout.take().expect("stdout is piped");
        let output = Arc::new(Mutex::new(Vec::new()));
        let (started, banner) = mpsc::channel();
        let kept = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if line.starts_with("demo token: ") {
                    let _ = started.send(());
                }
                kept.lock().unwrap().push(line);
            }
        });
        banner.recv_timeout(Duration::from_secs(30)).expect("the chat example prints its banner");
        let node = Self { name, addr: SocketAddr::from(([127, 0, 0, 1], port)), child, output };
        node.wait_health("ok").await;
        node
    }

    /// `ws://.../chat?room=<room>` on this node.
    pub fn url(&self, room: &str) -> String {
        format!("ws://{}/chat?room={room}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The health check's status code and body.
    pub async fn health(&self) -> Result<(u16, Value), String> {
        http_get_json(self.addr, "/health-check").await
    }

    /// The value of the unlabelled metric `name` at the node's `/metrics`.
    pub async fn metric(&self, name: &str) -> Result<f64, String> {
        let (status, body) = http_get_text(self.addr, "/metrics").await?;
        if status != 200 {
            return Err(format!("/metrics answered {status}"));
        }
        let value = body.lines().find_map(|line| line.strip_prefix(name)?.strip_prefix(' '));
        value.ok_or_else(|| format!("no `{name}` in:\n{body}"))?.parse().map_err(|e| format!("`{name}`: {e}"))
    }

    /// Waits until the health check answers 200 with `"status":<status>`; returns the body.
    pub async fn wait_health(&self, status: &str) -> Value {
        eventually(&format!("node {} to report `{status}`", self.name), || async {
            match self.health().await {
                Ok((200, body)) if body["status"] == status => Ok(body),
                other => Err(other),
            }
        })
        .await
    }

    /// Fails the test if the process has exited.
    pub fn assert_running(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!("node {} exited ({status}); its output:\n{}", self.name, self.output.lock().unwrap().join("\n"));
        }
    }

    /// Sends a signal (`STOP`, `CONT`, ...) to the process.
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill").args([&format!("-{signal}"), &self.pid().to_string()]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill -{signal} {}", self.pid());
    }
}

impl Drop for ChatNode {
    fn drop(&mut self) {
        // A node left stopped by a failed test would not die of SIGKILL until continued.
        let _ = Command::new("kill").args(["-CONT", &self.pid().to_string()]).status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The `example-chat` binary, built (or found fresh) by Cargo: after `cargo test --workspace`
/// this build is a no-op.
fn chat_binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| cargo_executable(&["-p", "example-chat", "--bin", "example-chat"], "example-chat"))
}

//! A server process of the `feed` channel (`tests/examples/feed_node.rs`), which the history
//! chaos tests kill and start again on the same port.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{OnceLock, mpsc};
use std::time::Duration;

use super::{cargo_executable, free_port};

pub struct FeedNode {
    pub addr: SocketAddr,
    hub: String,
    child: Option<Child>,
}

impl FeedNode {
    /// Starts a node on a free port with `WIRECHAN_HUB=<hub>`.
    pub fn start(hub: &str) -> Self {
        let mut node = Self { addr: SocketAddr::from(([127, 0, 0, 1], free_port())), hub: hub.to_owned(), child: None };
        node.restart();
        node
    }

    /// Kills the process (SIGKILL: its connections and its memory are gone at once).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the process (again) on its port and waits until it listens.
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "the node is running");
        let mut child = Command::new(binary())
            .env("PORT", self.addr.port().to_string())
            .env("WIRECHAN_HUB", &self.hub)
            // Small, so that bursts overflow subscribers' queues: they fill the gaps from history.
            .env("FEED_OUTBOUND_QUEUE", "32")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("the feed node starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (started, listening) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line == "listening" {
                    let _ = started.send(());
                }
            }
        });
        listening.recv_timeout(Duration::from_secs(30)).expect("the feed node listens");
        self.child = Some(child);
    }
}

impl Drop for FeedNode {
    fn drop(&mut self) {
        self.kill();
    }
}

fn binary() -> &'static Path {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| cargo_executable(&["-p", "wirechan-tests", "--example", "feed_node"], "feed_node"))
}

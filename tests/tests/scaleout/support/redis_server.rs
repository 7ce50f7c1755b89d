//! A `redis-server` of the test's own, on a free port, without persistence unless asked, that
//! the test can kill and start again on the same port.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use super::{eventually, free_port};

pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
    /// Every write is in the append-only file before Redis answers it, so a kill loses nothing.
    persistent: bool,
}

impl RedisServer {
    pub async fn start() -> Self {
        Self::start_with(false).await
    }

    /// A server that keeps what it is told across a kill (`appendfsync always`).
    pub async fn start_persistent() -> Self {
        Self::start_with(true).await
    }

    async fn start_with(persistent: bool) -> Self {
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("wirechan-scaleout-redis-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a scratch directory for redis-server");
        let mut server = Self { port, dir, child: None, persistent };
        server.restart().await;
        server
    }

    /// `FLUSHALL`: every key is gone.
    pub async fn flushall(&self) {
        let mut conn = self.connection().await;
        redis::cmd("FLUSHALL").query_async::<()>(&mut conn).await.expect("FLUSHALL");
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server (SIGKILL: no goodbye to its clients) and waits until it is gone.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts the server (again) on its port and waits until it answers PING.
    pub async fn restart(&mut self) {
        assert!(self.child.is_none(), "redis-server is already running");
        let appendonly = if self.persistent {
            ["--appendonly", "yes", "--appendfsync", "always"]
        } else {
            ["--appendonly", "no", "--appendfsync", "no"]
        };
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(appendonly)
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("cannot start redis-server ({e}); install it with scripts/ensure/redis (Debian: redis-server)")
            });
        self.child = Some(child);
        let url = self.url();
        eventually("redis-server to answer PING", || async {
            let client = redis::Client::open(url.as_str()).map_err(|e| e.to_string())?;
            let mut conn = client.get_multiplexed_async_connection().await.map_err(|e| e.to_string())?;
            redis::cmd("PING").query_async::<String>(&mut conn).await.map_err(|e| e.to_string())
        })
        .await;
    }

    async fn connection(&self) -> redis::aio::MultiplexedConnection {
        let client = redis::Client::open(self.url().as_str()).expect("a valid URL");
        client.get_multiplexed_async_connection().await.expect("the test's own Redis answers")
    }

    /// `PUBSUB NUMSUB <channel>`: how many connections (one per node) subscribe to `channel`.
    pub async fn numsub(&self, channel: &str) -> usize {
        let mut conn = self.connection().await;
        let (_, count): (String, usize) = redis::cmd("PUBSUB")
            .arg("NUMSUB")
            .arg(channel)
            .query_async(&mut conn)
            .await
            .expect("PUBSUB NUMSUB answers");
        count
    }

    /// `PUBSUB CHANNELS <pattern>`, sorted.
    pub async fn channels(&self, pattern: &str) -> Vec<String> {
        let mut conn = self.connection().await;
        let mut channels: Vec<String> =
            redis::cmd("PUBSUB").arg("CHANNELS").arg(pattern).query_async(&mut conn).await.expect("PUBSUB CHANNELS");
        channels.sort();
        channels
    }

    /// Connections to the server, this query's own excluded.
    pub async fn client_count(&self) -> usize {
        let mut conn = self.connection().await;
        let list: String = redis::cmd("CLIENT").arg("LIST").query_async(&mut conn).await.expect("CLIENT LIST");
        list.lines().filter(|l| !l.trim().is_empty()).count() - 1
    }

    /// Waits until `channel` has exactly `nodes` subscribers.
    pub async fn wait_numsub(&self, channel: &str, nodes: usize) {
        eventually(&format!("{nodes} subscribers of `{channel}` in Redis"), || async {
            let n = self.numsub(channel).await;
            if n == nodes { Ok(()) } else { Err(n) }
        })
        .await;
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

//! The nodes under test (an app with a one-topic channel, served on loopback) and the
//! `redis-server` the Redis set-up shares.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use wirechan::prelude::*;
use wirechan::testing::TestServer;
use wirechan::{Hub, HubHealth, ServerConfig};

use crate::stats::Shared;
use crate::subscriber::Subscriber;

/// The topic every subscriber is in, without history.
pub const TOPIC: &str = "room:bench";

/// The topic with history every subscriber is in too: its publications carry positions.
#[derive(Debug, Clone, Topic)]
#[topic("log:bench", payload = serde_json::Value)]
pub struct BenchLog;

/// Subscribes the connection to the benchmark's topics; sends nothing.
#[channel_func]
async fn join(ctx: Ctx<()>) -> Result<(), ChannelError> {
    ctx.hub().subscribe(&BenchLog)?;
    ctx.hub().subscribe_untyped(TOPIC)
}

/// Answers; the benchmark's clients only listen.
#[channel_func]
async fn ping(_ctx: Ctx<()>) {}

wire_channel! {
    name: "bench",
    route: "/bench",
    auth: false,
    on_connect: join,
    on_message_wiring: { action: { ping: ping } },
    topics: { log: { topic: BenchLog, history: { size: 1000, ttl: "1m" } } },
}

pub struct BenchNode {
    pub hub: Hub,
    server: TestServer,
}

impl BenchNode {
    pub async fn memory() -> anyhow::Result<Self> {
        Self::serve(Hub::memory()).await
    }

    pub async fn redis(url: &str) -> anyhow::Result<Self> {
        let hub = Hub::redis(url)?;
        let node = Self::serve(hub).await?;
        wait_for("the hub to connect to Redis", || !node.hub.health().is_degraded()).await?;
        Ok(node)
    }

    async fn serve(hub: Hub) -> anyhow::Result<Self> {
        // Queues deep enough that the saturated phase measures the hub, not dropped frames.
        let app = App::new(())
            .channel(bench::channel())
            .with_hub(hub.clone())
            .config(ServerConfig::default().outbound_queue(1 << 14));
        let server = TestServer::start(app).await?;
        Ok(Self { hub, server })
    }

    /// Opens `count` subscribers on this node (`node` is its index, for the report).
    pub async fn subscribe(&self, node: usize, count: usize, shared: &Arc<Shared>) -> anyhow::Result<Vec<Subscriber>> {
        let url = self.server.url("/bench");
        let mut subscribers = Vec::with_capacity(count);
        for _ in 0..count {
            subscribers.push(Subscriber::connect(&url, node, shared.clone()).await?);
        }
        wait_for("every subscriber to join", || self.hub.subscriber_count(TOPIC) == count).await?;
        Ok(subscribers)
    }

    /// Waits until Redis confirmed this node's subscriptions (the two topics and the channel's
    /// own).
    pub async fn wait_subscribed(&self) -> anyhow::Result<()> {
        wait_for(
            "Redis to confirm the subscriptions",
            || matches!(self.hub.health(), HubHealth::Redis(h) if h.connected && h.subscriptions == 3),
        )
        .await
    }
}

async fn wait_for(what: &str, mut ready: impl FnMut() -> bool) -> anyhow::Result<()> {
    for _ in 0..1000 {
        if ready() {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    bail!("timed out waiting for {what}")
}

/// A `redis-server` on a free port, without persistence, killed on drop.
pub struct RedisProcess {
    port: u16,
    child: Child,
}

impl RedisProcess {
    pub async fn start() -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .context("starting redis-server (Debian: apt-get install redis-server, or pass --redis URL)")?;
        let redis = Self { port, child };
        for _ in 0..500 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                return Ok(redis);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        bail!("redis-server did not start listening on port {port}")
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

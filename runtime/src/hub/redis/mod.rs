//! The Redis side of the hub: every node publishes to `PUBLISH <prefix><topic>` and subscribes
//! only to the topics it has local subscribers for, so Redis forwards a publication once to each
//! node that needs it and each node fans it out to its own connections.

mod envelope;
mod link;
mod outbox;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use tokio_util::sync::{CancellationToken, DropGuard};

use super::broker::{Broker, Publishing};
use super::error::HubError;
use super::health::{HubHealth, RedisHealth};
use super::interest::InterestLog;
use super::local::LocalHub;
use crate::connection_id::ConnectionId;
use crate::outbound::OutboundMemory;
use outbox::{Outbox, Outgoing};

/// Settings of the Redis hub. Only the URL is required:
///
/// ```no_run
/// # async fn run() -> Result<(), wirechan::HubError> {
/// use wirechan::{Hub, RedisHubConfig};
/// let hub = Hub::redis_with(RedisHubConfig::new("redis://127.0.0.1:6379").outage_buffer(4096))?;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct RedisHubConfig {
    pub(crate) url: String,
    pub(crate) channel_prefix: String,
    pub(crate) outage_buffer: usize,
    pub(crate) outage_buffer_bytes: usize,
    pub(crate) reconnect_min: Duration,
    pub(crate) reconnect_max: Duration,
    pub(crate) response_timeout: Duration,
    pub(crate) ping_interval: Duration,
}

impl RedisHubConfig {
    /// Settings for the Redis server at `url` (`redis://[user:password@]host:port[/db]`).
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            channel_prefix: "wirechan:".to_owned(),
            outage_buffer: 1024,
            outage_buffer_bytes: 16 << 20,
            reconnect_min: Duration::from_millis(100),
            reconnect_max: Duration::from_secs(5),
            response_timeout: Duration::from_secs(2),
            ping_interval: Duration::from_secs(5),
        }
    }

    /// Prefix of the Redis channel of each topic (default `wirechan:`, so topic `room:general`
    /// travels on `wirechan:room:general`). Apps sharing one Redis keep apart with different
    /// prefixes.
    pub fn channel_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.channel_prefix = prefix.into();
        self
    }

    /// Publications kept while Redis is unreachable, sent in order once it is back (default
    /// 1024). When the buffer is full the oldest is dropped (counted in the health check's
    /// `dropped`); 0 sends nothing published during an outage to other nodes.
    pub fn outage_buffer(mut self, publications: usize) -> Self {
        self.outage_buffer = publications;
        self
    }

    /// Byte budget of the outage buffer (default 16 MiB), on top of its count.
    pub fn outage_buffer_bytes(mut self, bytes: usize) -> Self {
        self.outage_buffer_bytes = bytes;
        self
    }

    /// Delays between reconnection attempts: exponential with jitter from `min` up to `max`
    /// (default 100 ms to 5 s).
    pub fn reconnect_backoff(mut self, min: Duration, max: Duration) -> Self {
        self.reconnect_min = min;
        self.reconnect_max = max.max(min);
        self
    }

    /// How long to wait for Redis to connect or answer before taking the link as broken
    /// (default 2 s).
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// How often an idle link is checked with `PING` (default 5 s), so a broker that vanished
    /// without closing its sockets is noticed.
    pub fn ping_interval(mut self, interval: Duration) -> Self {
        self.ping_interval = interval.max(Duration::from_millis(10));
        self
    }
}

impl std::fmt::Debug for RedisHubConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisHubConfig")
            .field("url", &redacted(&self.url))
            .field("channel_prefix", &self.channel_prefix)
            .field("outage_buffer", &self.outage_buffer)
            .field("outage_buffer_bytes", &self.outage_buffer_bytes)
            .field("reconnect_min", &self.reconnect_min)
            .field("reconnect_max", &self.reconnect_max)
            .field("response_timeout", &self.response_timeout)
            .field("ping_interval", &self.ping_interval)
            .finish()
    }
}

/// `url` with its credentials (`user:password@`) masked, for errors and logs.
pub(super) fn redacted(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// What the link task and the publishers share.
pub(super) struct BrokerShared {
    config: RedisHubConfig,
    client: redis::Client,
    /// Identifies this hub on the Redis channels, so it can skip its own publications.
    node: String,
    local: Arc<LocalHub>,
    interest: Arc<InterestLog>,
    outbox: Outbox,
    subscriptions: AtomicUsize,
    /// Where the frames delivered to this node's connections are counted.
    memory: Arc<OutboundMemory>,
}

impl BrokerShared {
    fn channel_name(&self, topic: &str) -> String {
        let mut name = String::with_capacity(self.config.channel_prefix.len() + topic.len());
        name.push_str(&self.config.channel_prefix);
        name.push_str(topic);
        name
    }

    /// Fans a publication that came from Redis out to this node's subscribers.
    fn deliver(&self, channel: &str, payload: &[u8]) {
        let Some(topic) = channel.strip_prefix(self.config.channel_prefix.as_str()) else {
            tracing::debug!(channel, "message on a channel without the hub's prefix: ignored");
            return;
        };
        let envelope = match envelope::decode(payload) {
            Ok(envelope) => envelope,
            Err(e) => {
                tracing::warn!(channel, error = %e, "a message on a wirechan Redis channel is not a wirechan envelope: ignored");
                return;
            }
        };
        if envelope.origin == self.node {
            // Already delivered locally when it was published.
            return;
        }
        let exclude = envelope.exclude.as_deref().map(ConnectionId::from);
        let frame = self.memory.frame(envelope.frame.to_owned());
        let report = self.local.fan_out(topic, exclude.as_ref(), &frame);
        crate::metrics::hub_received(&report);
        tracing::trace!(topic, delivered = report.delivered, dropped = report.dropped, "publication from another node");
    }
}

/// The hub's link to Redis: the publishing side here, the connection in a background task that
/// stops when the last clone of the hub is dropped.
pub(crate) struct RedisBroker {
    shared: Arc<BrokerShared>,
    _stop: DropGuard,
}

impl RedisBroker {
    pub(crate) fn start(
        config: RedisHubConfig,
        local: Arc<LocalHub>,
        interest: Arc<InterestLog>,
        memory: Arc<OutboundMemory>,
    ) -> Result<Self, HubError> {
        let client = redis::Client::open(config.url.as_str())
            .map_err(|e| HubError::InvalidUrl { url: redacted(&config.url), reason: e.to_string() })?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| HubError::NoRuntime)?;
        let outbox = Outbox::new(config.outage_buffer, config.outage_buffer_bytes);
        let shared = Arc::new(BrokerShared {
            config,
            client,
            node: node_id(),
            local,
            interest,
            outbox,
            subscriptions: AtomicUsize::new(0),
            memory,
        });
        let stop = CancellationToken::new();
        runtime.spawn(link::run(shared.clone(), stop.clone()));
        Ok(Self { shared, _stop: stop.drop_guard() })
    }
}

impl Broker for RedisBroker {
    /// Queues a publication for the other nodes (see [`Outbox`] for what happens when Redis is
    /// slow or down).
    fn publish<'a>(&'a self, topic: &'a str, exclude: Option<&'a ConnectionId>, frame: &'a str) -> Publishing<'a> {
        let s = &self.shared;
        let envelope = envelope::encode(&s.node, exclude.map(ConnectionId::as_str), frame);
        Box::pin(s.outbox.push(Outgoing { channel: s.channel_name(topic), envelope }))
    }

    fn health(&self) -> HubHealth {
        let s = &self.shared;
        let (buffered, dropped) = s.outbox.counts();
        HubHealth::Redis(RedisHealth {
            connected: s.outbox.connected(),
            subscriptions: s.subscriptions.load(Ordering::Relaxed),
            buffered,
            dropped,
        })
    }
}

/// A random id per hub: unique across processes and across hubs of one process.
fn node_id() -> String {
    use std::hash::BuildHasher;
    use std::sync::atomic::AtomicU64;
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let seed = (nanos, std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    format!("{:016x}", std::collections::hash_map::RandomState::new().hash_one(seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_never_reach_logs_or_errors() {
        assert_eq!(redacted("redis://user:secret@h:6379/0"), "redis://***@h:6379/0");
        assert_eq!(redacted("redis://:secret@h"), "redis://***@h");
        assert_eq!(redacted("redis://h:6379"), "redis://h:6379");
        let config = RedisHubConfig::new("redis://u:p4ss@h:1");
        assert!(!format!("{config:?}").contains("p4ss"));
    }
}

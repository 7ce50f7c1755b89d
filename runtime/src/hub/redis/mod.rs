//! The Redis side of the hub: every node publishes to `PUBLISH <prefix><topic>` and subscribes
//! only to the topics it has local subscribers for, so Redis forwards a publication once to each
//! node that needs it and each node fans it out to its own connections.

mod envelope;
mod history;
mod link;
mod outbox;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio_util::sync::{CancellationToken, DropGuard};

use super::broker::{Broker, Publishing, Recovering};
use super::error::HubError;
use super::health::{HubHealth, RedisHealth};
use super::interest::InterestLog;
use super::local::LocalHub;
use super::mirror::Missing;
use super::{History, Replay, Resume};
use crate::connection_id::ConnectionId;
use crate::error::{ChannelError, codes};
use crate::outbound::{Outbound, OutboundMemory};
use outbox::{Outbox, Outgoing, Recorded};

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
    pub(crate) history_meta_ttl: Duration,
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
            history_meta_ttl: Duration::from_secs(24 * 3600),
        }
    }

    /// How long Redis keeps the epoch and last offset of a topic with history after its last
    /// publication (default 1 day, never less than the topic's `ttl`): a client that comes back
    /// within it to a topic published nothing since is told it missed nothing; after it, the
    /// topic starts a new epoch and the client is told it may have.
    pub fn history_meta_ttl(mut self, ttl: Duration) -> Self {
        self.history_meta_ttl = ttl;
        self
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
            .field("history_meta_ttl", &self.history_meta_ttl)
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
    /// The topics the pub/sub connection is subscribed to now, and a wake-up when they change.
    confirmed: Mutex<HashSet<Arc<str>>>,
    confirmed_changed: Notify,
    /// The SHA1 of the publication script, as the link loaded it.
    publish_script: Mutex<Option<String>>,
    /// The link's command connection while it is up, for subscriptions that read histories.
    conn: Mutex<Option<redis::aio::MultiplexedConnection>>,
}

impl BrokerShared {
    fn channel_name(&self, topic: &str) -> String {
        let mut name = String::with_capacity(self.config.channel_prefix.len() + topic.len());
        name.push_str(&self.config.channel_prefix);
        name.push_str(topic);
        name
    }

    fn meta_key(&self, topic: &str) -> String {
        format!("{}meta:{topic}", self.config.channel_prefix)
    }

    fn stream_key(&self, topic: &str) -> String {
        format!("{}history:{topic}", self.config.channel_prefix)
    }

    fn meta_ttl(&self, history: History) -> u64 {
        self.config.history_meta_ttl.max(history.ttl()).as_millis() as u64
    }

    /// Reads a topic's history from Redis: everything kept from offset `from` on, or the last
    /// `size` publications when `from` is 0.
    async fn read_history(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
        topic: &str,
        history: History,
        from: u64,
    ) -> Result<history::Read, String> {
        let mut cmd = redis::cmd("EVAL");
        cmd.arg(history::READ).arg(2).arg(self.meta_key(topic)).arg(self.stream_key(topic));
        cmd.arg(super::history::random_hex()).arg(self.meta_ttl(history)).arg(history.size()).arg(from);
        let value = tokio::time::timeout(self.config.response_timeout, cmd.query_async::<redis::Value>(conn))
            .await
            .map_err(|_| "Redis did not answer in time".to_owned())?
            .map_err(|e| e.to_string())?;
        history::parse_read(value)
    }

    /// Brings this node's mirror of `topic` up to what Redis has after `missing`.
    async fn fill(
        &self,
        conn: &mut redis::aio::MultiplexedConnection,
        topic: &Arc<str>,
        history: History,
        missing: Missing,
    ) {
        let mut from = if missing.epoch_changed { 0 } else { missing.after + 1 };
        let mut read = self.read_history(conn, topic, history, from).await;
        if from > 0 && read.as_ref().is_ok_and(|read| read.epoch != missing.epoch) {
            // Redis started a new epoch meanwhile (it lost the topic's keys): all of it is new.
            from = 0;
            read = self.read_history(conn, topic, history, from).await;
        }
        match read {
            Ok(read) => {
                let full = from == 0;
                self.local.backfill(topic, history, &read.epoch, read.top, read.entries, full);
            }
            Err(e) => {
                tracing::warn!(topic = &**topic, error = %e, "cannot read a topic's history from Redis: its subscribers see a gap");
            }
        }
    }

    /// After the link was down: what every mirrored topic missed meanwhile, read from Redis
    /// before the live publications that follow.
    async fn catch_up(&self, conn: &mut redis::aio::MultiplexedConnection) {
        for (topic, history, epoch, top) in self.local.mirrors() {
            self.fill(conn, &topic, history, Missing { epoch_changed: false, epoch, after: top }).await;
        }
    }

    /// Fans a publication that came from Redis out to this node's subscribers; one with a
    /// position goes through the topic's mirror, and what the mirror lacks before it is read
    /// from Redis first.
    async fn receive(&self, conn: &mut redis::aio::MultiplexedConnection, channel: &str, payload: &[u8]) {
        let Some(topic) = channel.strip_prefix(self.config.channel_prefix.as_str()) else {
            tracing::debug!(channel, "message on a channel without the hub's prefix: ignored");
            return;
        };
        let Some(positioned) = history::split_position(payload) else { return self.deliver(topic, payload) };
        let history::Header { offset, epoch, history, envelope } = match positioned {
            Ok(header) => header,
            Err(e) => {
                tracing::warn!(
                    channel,
                    error = e,
                    "a positioned message on a wirechan Redis channel is malformed: ignored"
                );
                return;
            }
        };
        let history::Positioned { frame, exclude, origin } = match history::positioned_frame(envelope, offset, epoch) {
            Ok(parts) => parts,
            Err(e) => {
                tracing::warn!(channel, error = %e, "a message on a wirechan Redis channel is not a wirechan envelope: ignored");
                return;
            }
        };
        let frame = self.memory.frame(frame);
        let at = std::time::Instant::now();
        let position = (offset, epoch);
        let delivered = match self.local.deliver_positioned(topic, position, history, exclude.as_ref(), &frame, at) {
            Ok(report) => report,
            Err(missing) => {
                let topic: Arc<str> = topic.into();
                self.fill(conn, &topic, history, missing).await;
                // Read with what was missing if Redis still had it; else the mirror jumped to it.
                let retry = self.local.deliver_positioned(&topic, position, history, exclude.as_ref(), &frame, at);
                retry.unwrap_or_default()
            }
        };
        if origin == self.node {
            crate::metrics::hub_delivered(&delivered);
        } else {
            crate::metrics::hub_received(&delivered);
        }
    }

    /// Fans a publication without history out to this node's subscribers.
    fn deliver(&self, topic: &str, payload: &[u8]) {
        let envelope = match envelope::decode(payload) {
            Ok(envelope) => envelope,
            Err(e) => {
                tracing::warn!(topic, error = %e, "a message on a wirechan Redis channel is not a wirechan envelope: ignored");
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

impl BrokerShared {
    /// A subscription of a topic with history: answered from this node's mirror when it can be
    /// (the node follows the topic in Redis, and the mirror holds what is asked for), else from
    /// what Redis keeps, read once the node follows the topic, so that nothing published between
    /// the read and the live publications is missed.
    async fn subscribe_recovering(
        &self,
        topic: &Arc<str>,
        history: History,
        resume: &Resume,
        id: &ConnectionId,
        out: &Outbound,
    ) -> Result<Replay, ChannelError> {
        if self.is_confirmed(topic)
            && let Some(replay) = self.local.subscribe_from_mirror(topic, resume, false, id, out)
        {
            return Ok(replay);
        }
        self.local.want(topic);
        let _unwant = Unwant(&self.local, topic);
        let read = match self.wait_confirmed(topic).await {
            Ok(()) => {
                let conn = self.conn.lock().clone();
                match conn {
                    Some(mut conn) => self.read_history(&mut conn, topic, history, 0).await,
                    None => Err("not connected to Redis".to_owned()),
                }
            }
            Err(e) => Err(e),
        };
        match read {
            Ok(read) => {
                self.local.backfill(topic, history, &read.epoch, read.top, read.entries, true);
                self.local.subscribe_from_mirror(topic, resume, true, id, out).ok_or_else(ChannelError::internal)
            }
            Err(e) => {
                // What this node keeps of the topic still answers what it holds.
                if let Some(replay) = self.local.subscribe_from_mirror(topic, resume, false, id, out) {
                    return Ok(replay);
                }
                tracing::debug!(topic = &**topic, error = %e, "a subscription needs the topic's history from Redis, which is unreachable");
                Err(ChannelError::new(
                    codes::UNAVAILABLE,
                    "the event hub cannot reach its broker: subscribe again shortly",
                ))
            }
        }
    }

    fn is_confirmed(&self, topic: &str) -> bool {
        self.confirmed.lock().contains(topic)
    }

    /// Waits until the pub/sub connection follows `topic` (at most the response timeout).
    async fn wait_confirmed(&self, topic: &str) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + self.config.response_timeout;
        loop {
            let changed = self.confirmed_changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            if self.is_confirmed(topic) {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                return Err("Redis did not confirm the subscription in time".to_owned());
            }
        }
    }

    /// Sets what the pub/sub connection follows, and wakes the subscriptions waiting on it.
    fn set_confirmed(&self, change: impl FnOnce(&mut HashSet<Arc<str>>)) {
        change(&mut self.confirmed.lock());
        self.confirmed_changed.notify_waiters();
    }
}

/// Gives back what [`LocalHub::want`] took, however the subscription ends.
struct Unwant<'a>(&'a LocalHub, &'a Arc<str>);

impl Drop for Unwant<'_> {
    fn drop(&mut self) {
        self.0.unwant(self.1);
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
            node: super::history::random_hex(),
            local,
            interest,
            outbox,
            subscriptions: AtomicUsize::new(0),
            memory,
            confirmed: Mutex::default(),
            confirmed_changed: Notify::new(),
            publish_script: Mutex::default(),
            conn: Mutex::default(),
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
        Box::pin(s.outbox.push(Outgoing { channel: s.channel_name(topic), envelope, recorded: None }))
    }

    fn publish_recorded<'a>(
        &'a self,
        topic: &'a str,
        history: History,
        exclude: Option<&'a ConnectionId>,
        frame: &'a str,
    ) -> Publishing<'a> {
        let s = &self.shared;
        let envelope = envelope::encode(&s.node, exclude.map(ConnectionId::as_str), frame);
        let recorded = Recorded {
            meta: s.meta_key(topic),
            stream: s.stream_key(topic),
            size: history.size(),
            ttl_ms: history.ttl().as_millis() as u64,
            meta_ttl_ms: s.meta_ttl(history),
        };
        Box::pin(s.outbox.push(Outgoing { channel: s.channel_name(topic), envelope, recorded: Some(recorded) }))
    }

    fn subscribe_recovering<'a>(
        &'a self,
        topic: &'a Arc<str>,
        history: History,
        resume: &'a Resume,
        id: &'a ConnectionId,
        out: &'a Outbound,
    ) -> Recovering<'a> {
        Box::pin(self.shared.subscribe_recovering(topic, history, resume, id, out))
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

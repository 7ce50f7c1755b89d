//! Transport settings: heartbeat, slow-consumer policy and message rate limit. The server sets
//! them for every channel ([`crate::ServerConfig`]); a channel may override them for itself
//! (`my_channel::channel().slow_consumer(SlowConsumer::Close)`).

use std::time::Duration;

use crate::channel::Channel;

/// What happens to a publication offered to a connection whose outbound queue is full (the
/// client reads more slowly than it is sent to). A publisher never waits in any case: the
/// policy only decides what this one connection loses. PROTOCOL.md section 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SlowConsumer {
    /// The new publication is dropped for this connection; what is queued stays (the default).
    /// [`crate::Delivery::dropped`] counts the connection.
    #[default]
    DropNewest,
    /// The oldest queued publication is dropped to make room for the new one, so a client that
    /// catches up sees the latest ones. Frames the connection's own calls queued (progress,
    /// pushes) are never dropped; when only those fill the queue, the new publication is.
    DropOldest,
    /// The connection is closed with 1008 (policy violation): the client must reconnect and
    /// resynchronize. What was queued is discarded at once, which frees its memory.
    Close,
}

/// Server pings: how long a peer may stay silent before it is pinged, and before it is closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Heartbeat {
    pub(crate) interval: Duration,
    pub(crate) timeout: Duration,
}

impl Heartbeat {
    /// A timeout not longer than the interval would close a peer before it is ever pinged: it
    /// becomes twice the interval.
    pub(crate) fn new(interval: Duration, timeout: Duration) -> Self {
        let interval = interval.max(Duration::from_millis(1));
        let timeout = if timeout > interval { timeout } else { interval * 2 };
        Self { interval, timeout }
    }
}

/// A per-connection message rate limit: a token bucket refilled at `per_second` tokens a
/// second, holding at most `burst`. Each text or binary message takes a token; a message that
/// finds the bucket empty is not run and is answered with a `rate_limited` error. After
/// `close_after` such refusals without the bucket refilling completely in between, the
/// connection is closed with 1008. Control frames (ping, pong, close) are not counted.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub(crate) per_second: f64,
    pub(crate) burst: f64,
    pub(crate) close_after: u32,
}

impl RateLimit {
    /// `messages` per second on average, a burst of as many, closing after 20 refusals.
    pub fn per_second(messages: u32) -> Self {
        let rate = f64::from(messages.max(1));
        Self { per_second: rate, burst: rate, close_after: 20 }
    }

    /// How many messages may arrive at once after a quiet period (default: the per-second rate).
    pub fn burst(mut self, messages: u32) -> Self {
        self.burst = f64::from(messages.max(1));
        self
    }

    /// Refused messages after which the connection is closed with 1008 (default 20). The count
    /// starts again whenever the bucket has refilled completely.
    pub fn close_after(mut self, refusals: u32) -> Self {
        self.close_after = refusals.max(1);
        self
    }
}

/// A setting a channel may give itself instead of taking the server's.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) enum Override<T> {
    /// The server's setting ([`crate::ServerConfig`]).
    #[default]
    Server,
    /// The channel's own (for an optional setting, `None` turns it off for the channel).
    Channel(T),
}

impl<T> Override<T> {
    /// The channel's value, or else the server's.
    pub(crate) fn or(self, server: T) -> T {
        match self {
            Override::Server => server,
            Override::Channel(value) => value,
        }
    }
}

/// Transport settings a channel overrides.
#[derive(Debug, Clone, Default)]
pub(crate) struct ChannelTransport {
    pub(crate) heartbeat: Override<Option<Heartbeat>>,
    pub(crate) slow_consumer: Override<SlowConsumer>,
    pub(crate) rate_limit: Override<Option<RateLimit>>,
    pub(crate) raw_echo: bool,
}

impl<S> Channel<S> {
    /// Sets this channel's policy for a full outbound queue (default: the server's,
    /// [`crate::ServerConfig::slow_consumer`]).
    pub fn slow_consumer(mut self, policy: SlowConsumer) -> Self {
        self.transport.slow_consumer = Override::Channel(policy);
        self
    }

    /// Sets this channel's heartbeat: a peer silent for `interval` is pinged, one silent for
    /// `timeout` is closed with 1001 (default: the server's, [`crate::ServerConfig::heartbeat`]).
    pub fn heartbeat(mut self, interval: Duration, timeout: Duration) -> Self {
        self.transport.heartbeat = Override::Channel(Some(Heartbeat::new(interval, timeout)));
        self
    }

    /// Turns the heartbeat off for this channel.
    pub fn without_heartbeat(mut self) -> Self {
        self.transport.heartbeat = Override::Channel(None);
        self
    }

    /// Sets this channel's message rate limit (default: the server's,
    /// [`crate::ServerConfig::rate_limit`]).
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.transport.rate_limit = Override::Channel(Some(limit));
        self
    }

    /// Turns the message rate limit off for this channel.
    pub fn without_rate_limit(mut self) -> Self {
        self.transport.rate_limit = Override::Channel(None);
        self
    }
}

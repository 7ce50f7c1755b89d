//! Server settings, with defaults sized for many mostly idle connections on the public internet.

use std::time::Duration;

#[cfg(feature = "compression")]
use super::compression::Compression;
use super::transport::{Heartbeat, RateLimit, SlowConsumer};

/// Settings of the server. `ServerConfig::default()` is what `App` uses unless told otherwise.
/// PROTOCOL.md sections 6 to 8 describe what a client sees of each limit.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub(crate) health_path: String,
    pub(crate) max_message_size: usize,
    pub(crate) outbound_queue: usize,
    pub(crate) outbound_queue_bytes: usize,
    pub(crate) max_outbound_memory: usize,
    pub(crate) max_topics_per_connection: usize,
    pub(crate) listen_backlog: u32,
    pub(crate) slow_consumer: SlowConsumer,
    pub(crate) max_in_flight: usize,
    pub(crate) shutdown_timeout: Duration,
    pub(crate) drain_timeout: Duration,
    pub(crate) close_timeout: Duration,
    pub(crate) read_buffer_size: usize,
    pub(crate) write_buffer_size: usize,
    pub(crate) heartbeat: Option<Heartbeat>,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) handshake_timeout: Duration,
    pub(crate) max_request_header_bytes: usize,
    pub(crate) max_opening_data_bytes: usize,
    pub(crate) max_connections: Option<usize>,
    pub(crate) max_connections_per_ip: Option<usize>,
    pub(crate) allowed_origins: Option<Vec<String>>,
    pub(crate) require_origin: bool,
    #[cfg(feature = "compression")]
    pub(crate) compression: Option<Compression>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            health_path: "/health-check".to_owned(),
            max_message_size: 1 << 20,
            outbound_queue: 256,
            outbound_queue_bytes: 1 << 20,
            max_outbound_memory: crate::outbound::DEFAULT_MAX_OUTBOUND_MEMORY,
            max_topics_per_connection: 1024,
            listen_backlog: 4096,
            slow_consumer: SlowConsumer::DropNewest,
            max_in_flight: 64,
            shutdown_timeout: Duration::from_secs(10),
            drain_timeout: Duration::from_secs(3),
            close_timeout: Duration::from_secs(5),
            // A read buffer exists only while a connection has bytes to parse: 4 KiB takes a
            // burst of small messages in one read without large allocations per wake-up.
            read_buffer_size: 4 * 1024,
            write_buffer_size: 16 * 1024,
            heartbeat: Some(Heartbeat::new(Duration::from_secs(30), Duration::from_secs(60))),
            rate_limit: None,
            handshake_timeout: Duration::from_secs(10),
            max_request_header_bytes: 16 * 1024,
            max_opening_data_bytes: 8 * 1024,
            max_connections: None,
            max_connections_per_ip: None,
            allowed_origins: None,
            require_origin: false,
            #[cfg(feature = "compression")]
            compression: None,
        }
    }
}

impl ServerConfig {
    /// Path of the health check (default `/health-check`).
    pub fn health_path(mut self, path: impl Into<String>) -> Self {
        self.health_path = path.into();
        self
    }

    /// Largest message (and frame) accepted, in bytes (default 1 MiB); larger closes with 1009.
    pub fn max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Frames a connection may have queued for writing (default 256). Replies and pushes wait
    /// for room; what happens to a publication offered to a full queue is the
    /// [`slow_consumer`](Self::slow_consumer) policy.
    pub fn outbound_queue(mut self, frames: usize) -> Self {
        self.outbound_queue = frames.max(1);
        self
    }

    /// Bytes a connection may have queued for writing (default 1 MiB), counted over the frames
    /// in its queue; a frame longer than that is still taken into an empty queue. Replies and
    /// pushes wait for room; a publication that does not fit meets the
    /// [`slow_consumer`](Self::slow_consumer) policy, as with the frame bound. Besides its queue, a
    /// connection whose client does not read holds at most the message being written.
    pub fn outbound_queue_bytes(mut self, bytes: usize) -> Self {
        self.outbound_queue_bytes = bytes.max(1);
        self
    }

    /// Ceiling of the server's outbound memory: the bytes of every frame built for connections
    /// and not yet written (a publication counts once however many queues hold it; default
    /// 256 MiB). At the ceiling, a connection with frames still queued (one that lags behind)
    /// takes no more publications: its [`slow_consumer`](Self::slow_consumer) policy decides,
    /// as with a full queue (`DropOldest` replaces its oldest publication). Connections that keep
    /// up are not affected.
    pub fn max_outbound_memory(mut self, bytes: usize) -> Self {
        self.max_outbound_memory = bytes;
        self
    }

    /// Topics a connection may be subscribed to at once, besides its channel's implicit one
    /// (default 1024). A subscription past it fails with `too_many_topics`.
    pub fn max_topics_per_connection(mut self, topics: usize) -> Self {
        self.max_topics_per_connection = topics;
        self
    }

    /// What a full outbound queue does with a new publication (default
    /// [`SlowConsumer::DropNewest`]); a channel may set its own.
    pub fn slow_consumer(mut self, policy: SlowConsumer) -> Self {
        self.slow_consumer = policy;
        self
    }

    /// Concurrent calls per envelope-mode connection (default 64); reading pauses at the limit.
    pub fn max_in_flight(mut self, calls: usize) -> Self {
        self.max_in_flight = calls.max(1);
        self
    }

    /// How long a graceful shutdown waits, after the drain, for connections to close
    /// (default 10 s).
    pub fn shutdown_timeout(mut self, timeout: Duration) -> Self {
        self.shutdown_timeout = timeout;
        self
    }

    /// How long calls in flight at a graceful shutdown may run before their connection is
    /// closed with 1001 (default 3 s). A connection with nothing in flight closes at once;
    /// frames not yet read when the shutdown begins are not run.
    pub fn drain_timeout(mut self, timeout: Duration) -> Self {
        self.drain_timeout = timeout;
        self
    }

    /// How long a closing connection waits for the peer's close frame (default 5 s).
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Connections the kernel completes and keeps waiting for the server to accept them (the
    /// `listen` backlog, default 4096; Linux caps it at `net.core.somaxconn`, 4096 by default).
    /// Past it, a connecting client waits a second or more for its SYN to be retransmitted: a
    /// burst of reconnects after a deploy needs room. Applies to [`crate::App::serve`].
    pub fn listen_backlog(mut self, connections: u32) -> Self {
        self.listen_backlog = connections.max(1);
        self
    }

    /// The most bytes one read takes from a connection's socket (default 4 KiB; a frame larger
    /// than this is read whole). On a plain connection the buffer is allocated when bytes arrive
    /// and freed when the socket is empty again, so idle connections hold none; a compressed
    /// connection keeps a buffer of this size.
    pub fn read_buffer_size(mut self, bytes: usize) -> Self {
        self.read_buffer_size = bytes;
        self
    }

    /// Buffered outgoing bytes beyond which a connection writes before buffering more (default
    /// 16 KiB). On a plain connection the buffer is freed when a flush has written it all.
    pub fn write_buffer_size(mut self, bytes: usize) -> Self {
        self.write_buffer_size = bytes;
        self
    }

    /// Server pings (default: 30 s interval, 60 s timeout). A peer from which nothing (no
    /// frame, no pong) has arrived for `interval` is pinged; one silent for `timeout` is closed
    /// with 1001 and cleaned up. The same timeout bounds a write the peer does not take: a
    /// client that stops reading is dropped once a write has waited that long. A timeout not
    /// longer than the interval becomes twice the interval. A channel may set its own.
    pub fn heartbeat(mut self, interval: Duration, timeout: Duration) -> Self {
        self.heartbeat = Some(Heartbeat::new(interval, timeout));
        self
    }

    /// No server pings, and no bound on a write the peer does not take.
    pub fn without_heartbeat(mut self) -> Self {
        self.heartbeat = None;
        self
    }

    /// Limits the messages a connection may send (default: no limit); a channel may set its own.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = Some(limit);
        self
    }

    /// How long a client may take to send its whole HTTP request head (default 10 s), from the
    /// moment its TCP connection is accepted (and again between keep-alive requests). A client
    /// that sends nothing, or dribbles its headers, is disconnected when it runs out.
    pub fn handshake_timeout(mut self, timeout: Duration) -> Self {
        self.handshake_timeout = timeout;
        self
    }

    /// Largest HTTP request head (request line and headers) accepted, in bytes (default
    /// 16 KiB); a larger one is answered 431 and the connection is closed.
    pub fn max_request_header_bytes(mut self, bytes: usize) -> Self {
        self.max_request_header_bytes = bytes.max(1024);
        self
    }

    /// Largest path plus query of an upgrade request (the opening data), in bytes (default
    /// 8 KiB); a longer one is answered 414 `opening_data_too_large`.
    pub fn max_opening_data_bytes(mut self, bytes: usize) -> Self {
        self.max_opening_data_bytes = bytes;
        self
    }

    /// Open TCP connections the server keeps (WebSocket connections and HTTP connections not
    /// yet upgraded); past it, an upgrade is answered 503 `server_full` (default: no limit).
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = Some(connections);
        self
    }

    /// Open TCP connections per client address (IPv6: per /64 prefix); past it, an upgrade is
    /// answered 429 `too_many_connections` (default: no limit). Behind a reverse proxy every
    /// client has the proxy's address: limit at the proxy instead.
    pub fn max_connections_per_ip(mut self, connections: usize) -> Self {
        self.max_connections_per_ip = Some(connections);
        self
    }

    /// Origins allowed to open a channel, e.g. `["https://app.example.com"]` (scheme, host and
    /// port, compared without regard to case). An upgrade whose `Origin` header is another is
    /// answered 403 `forbidden_origin`: this stops cross-site WebSocket hijacking by pages of
    /// other sites in a browser that holds the user's cookies. A request without `Origin` (not
    /// a browser) is allowed unless [`require_origin`](Self::require_origin) is set. Default:
    /// every origin is allowed.
    pub fn allowed_origins<I, O>(mut self, origins: I) -> Self
    where
        I: IntoIterator<Item = O>,
        O: Into<String>,
    {
        let origins = origins.into_iter().map(|o| o.into().trim_end_matches('/').to_ascii_lowercase()).collect();
        self.allowed_origins = Some(origins);
        self
    }

    /// Refuses (403 `forbidden_origin`) upgrades without an `Origin` header when an allow-list
    /// is set (default `false`: non-browser clients send none).
    pub fn require_origin(mut self, required: bool) -> Self {
        self.require_origin = required;
        self
    }

    /// Per-message compression (permessage-deflate, RFC 7692) for the clients that offer it
    /// (default: off). Off by default because it costs CPU per message and, with context
    /// takeover, about 340 KiB more per connection that has exchanged a compressed message (see
    /// [`Compression`] and docs/BENCHMARKS.md); turn it on where bandwidth costs more, e.g.
    /// `ServerConfig::default().compression(Compression::new())`.
    #[cfg(feature = "compression")]
    pub fn compression(mut self, compression: Compression) -> Self {
        self.compression = Some(compression);
        self
    }
}

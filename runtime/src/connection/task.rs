//! The connection task. One task per connection: it reads frames (`reader.rs`), polls the calls
//! in flight (`dispatch.rs`), drains the outbound queue and flushes once per batch (`writer.rs`),
//! so a burst of pipelined messages costs one write syscall rather than one per reply. One timer
//! serves the heartbeat (`heartbeat.rs`), the drain of a graceful shutdown and the wait for the
//! peer's close; `lifecycle.rs` runs `on_connect` and `on_disconnect`.

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use tokio_util::sync::CancellationToken;

use super::dispatch::{Finished, RunningCall};
use super::heartbeat::{Beat, Liveness};
use super::rate::TokenBucket;
use super::socket::Socket;
use crate::channel::{Base, Channel};
use crate::context::close_code;
use crate::outbound::OutboundReceiver;
use crate::server::{Heartbeat, RateLimit};

/// Frames read ahead of one flush at most, so a fast client cannot keep its task busy forever.
const READ_AHEAD_BUDGET: usize = 64;
/// The transport settings of one connection: the server's, overridden by its channel's.
pub(crate) struct ConnectionSettings {
    pub(crate) max_in_flight: usize,
    pub(crate) close_timeout: Duration,
    pub(crate) drain_timeout: Duration,
    pub(crate) heartbeat: Option<Heartbeat>,
    pub(crate) rate_limit: Option<RateLimit>,
}

/// Everything a connection needs besides its socket.
pub(crate) struct ConnectionSetup<S> {
    pub(crate) channel: Arc<Channel<S>>,
    pub(crate) base: Base<S>,
    pub(crate) rx: OutboundReceiver,
    pub(crate) shutdown: CancellationToken,
    pub(crate) settings: ConnectionSettings,
    /// A connect-time refusal: close at once with this code and reason.
    pub(crate) refused: Option<(u16, String)>,
}

pub(super) type Calls = FuturesUnordered<RunningCall>;

/// A connection's task state: its socket, its channel, and what it is waiting for.
pub(super) struct Conn<T, S> {
    pub(super) ws: Socket<T>,
    pub(super) channel: Arc<Channel<S>>,
    pub(super) base: Base<S>,
    /// Bytes fed since the last flush.
    pub(super) dirty: bool,
    /// Set once a close frame was sent: only the peer's close (or this deadline) is awaited.
    pub(super) closing: Option<Instant>,
    /// The socket failed mid-message: the peer may still be sending bytes nobody will parse.
    pub(super) unread_input: bool,
    /// Set when a shutdown found calls in flight: they may finish until this deadline.
    pub(super) draining: Option<Instant>,
    pub(super) close_timeout: Duration,
    pub(super) drain_timeout: Duration,
    pub(super) shutdown: CancellationToken,
    /// How long a write may wait for the peer to take bytes (the heartbeat timeout).
    pub(super) stall: Option<Duration>,
    pub(super) liveness: Option<Liveness>,
    pub(super) bucket: Option<TokenBucket>,
    /// A call that finished on its first poll, to answer before anything else.
    pub(super) ready: Option<Finished>,
}

impl<T: AsyncRead + AsyncWrite + Unpin, S: Send + Sync + 'static> Conn<T, S> {
    /// When the timer must fire next: the closing or drain deadline, or the heartbeat check.
    pub(super) fn next_wake(&self) -> Option<Instant> {
        if self.closing.is_some() {
            return self.closing;
        }
        let check = self.liveness.as_ref().map(|l| l.next_check);
        match (self.draining, check) {
            (Some(drain), Some(check)) => Some(drain.min(check)),
            (drain, check) => drain.or(check),
        }
    }

    /// The timer fired. `false` ends the connection.
    pub(super) async fn on_timer(&mut self) -> bool {
        let now = Instant::now();
        if let Some(deadline) = self.closing {
            // The peer did not answer the close in time.
            return now < deadline;
        }
        if self.draining.is_some_and(|deadline| now >= deadline) {
            tracing::debug!("drain deadline: calls still in flight are dropped");
            let _ = self.flush().await;
            self.start_close(close_code::GOING_AWAY, "server shutting down").await;
            return true;
        }
        match self.liveness.as_mut().map_or(Beat::Nothing, |l| l.tick(now)) {
            Beat::Nothing => true,
            Beat::Ping => self.feed(Message::Ping(Bytes::new())).await,
            Beat::Timeout => {
                tracing::debug!("heartbeat timeout: the peer stopped answering");
                let _ = self.flush().await;
                self.start_close(close_code::GOING_AWAY, "heartbeat timeout").await;
                true
            }
        }
    }

    /// The shutdown began: close now, or drain the calls in flight first.
    pub(super) async fn on_shutdown(&mut self, calls_in_flight: bool) {
        if self.closing.is_some() {
            return;
        }
        if calls_in_flight {
            self.draining = Some(Instant::now() + self.drain_timeout);
        } else {
            let _ = self.flush().await;
            self.start_close(close_code::GOING_AWAY, "server shutting down").await;
        }
    }
}

/// Runs a connection until it closes, then leaves its topics and runs `on_disconnect`.
pub(crate) async fn run<T, S>(ws: Socket<T>, setup: ConnectionSetup<S>)
where
    T: AsyncRead + AsyncWrite + Unpin + Send,
    S: Send + Sync + 'static,
{
    let ConnectionSetup { channel, base, mut rx, shutdown, settings, refused } = setup;
    let _open = crate::metrics::connection_opened(&channel, refused.is_none());
    let now = Instant::now();
    let liveness = settings.heartbeat.map(|heartbeat| Liveness {
        heartbeat,
        heard: false,
        alive_at: now,
        next_check: now + heartbeat.interval,
    });
    let mut c = Conn {
        ws,
        channel,
        base,
        dirty: false,
        closing: None,
        unread_input: false,
        draining: None,
        close_timeout: settings.close_timeout,
        drain_timeout: settings.drain_timeout,
        shutdown: shutdown.clone(),
        stall: settings.heartbeat.map(|h| h.timeout),
        liveness,
        bucket: settings.rate_limit.map(|limit| TokenBucket::new(limit, std::time::Instant::now())),
        ready: None,
    };
    let mut in_flight = Calls::new();
    // Flat mode has no ids: one call at a time keeps replies in request order.
    let max_in_flight = if c.base.conn.envelope { settings.max_in_flight.max(1) } else { 1 };

    // What runs once or rarely (open, timer, shutdown, close) is boxed: an awaited future is part
    // of the task's own, so inline it would make every connection's task larger, idle or not.
    Box::pin(c.open(refused)).await;

    // Both futures live across iterations, so that each registers its waker once rather than
    // once per event.
    let mut shutdown_begun = pin!(shutdown.cancelled_owned());
    let mut shutdown_seen = false;
    let mut timer = pin!(tokio::time::sleep_until(now + Duration::from_secs(86_400)));
    let mut alive = c.flush().await;
    while alive {
        let wake = c.next_wake();
        if let Some(at) = wake
            && timer.deadline() != at
        {
            timer.as_mut().reset(at);
        }
        let reading = c.closing.is_some() || (c.draining.is_none() && in_flight.len() < max_in_flight);
        tokio::select! {
            biased;
            () = shutdown_begun.as_mut(), if !shutdown_seen => {
                shutdown_seen = true;
                // What is already queued goes out before the close.
                while alive && let Some(frame) = rx.try_recv() {
                    alive = c.write_outbound(frame).await;
                }
                Box::pin(c.on_shutdown(!in_flight.is_empty())).await;
            }
            () = timer.as_mut(), if wake.is_some() => {
                alive = Box::pin(c.on_timer()).await;
            }
            Some(done) = in_flight.next(), if !in_flight.is_empty() => {
                alive = c.answer(done, &mut rx).await;
            }
            frame = rx.recv() => {
                alive = c.write_outbound(frame).await;
            }
            read = c.ws.next(), if reading => {
                alive = c.on_read(read, &mut in_flight).await;
                if alive && let Some(done) = c.ready.take() {
                    alive = c.answer(done, &mut rx).await;
                }
            }
        }
        // Before flushing, answer the calls that are already done and read on while frames are
        // already buffered: the replies of a pipelined burst then share one write instead of a
        // syscall each (flat mode runs one call at a time, so without this every reply would be
        // flushed on its own). The budget bounds how long one connection keeps the task busy.
        // Polling without a waker here is fine: the `select!` above polls everything again, with
        // the task's waker, before the task sleeps.
        let mut budget = READ_AHEAD_BUDGET;
        while alive {
            while alive
                && !in_flight.is_empty()
                && let Some(Some(done)) = in_flight.next().now_or_never()
            {
                alive = c.answer(done, &mut rx).await;
            }
            let may_read = c.closing.is_none() && c.draining.is_none() && in_flight.len() < max_in_flight;
            if !alive || !may_read || budget == 0 {
                break;
            }
            let Some(read) = c.ws.next().now_or_never() else { break };
            budget -= 1;
            alive = c.on_read(read, &mut in_flight).await;
            if alive && let Some(done) = c.ready.take() {
                alive = c.answer(done, &mut rx).await;
            }
        }
        // Drain what is already queued, then one flush for the whole batch.
        while alive && let Some(frame) = rx.try_recv() {
            alive = c.write_outbound(frame).await;
        }
        if alive && c.draining.is_some() && c.closing.is_none() && in_flight.is_empty() {
            let _ = c.flush().await;
            Box::pin(c.start_close(close_code::GOING_AWAY, "server shutting down")).await;
        }
        if alive {
            alive = c.flush().await;
        }
    }

    drop(in_flight);
    Box::pin(c.close_down()).await;
    tracing::debug!("connection closed");
}

/// After the server sent its close frame and the socket failed mid-message: closes the write side (the server closes TCP first,
/// RFC 6455 section 7.1.1) and discards what the peer still sends until it closes too or the
/// close deadline passes. Dropping a socket with unread bytes makes the kernel answer with a
/// reset, which can destroy the close frame before the peer reads it (e.g. the 1009 sent while
/// a client is still writing an oversized message).
pub(super) async fn linger<T: AsyncRead + AsyncWrite + Unpin + ?Sized>(io: &mut T, deadline: Instant) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tokio::time::timeout_at(deadline, io.shutdown()).await;
    // Allocated only here, so that idle connections do not carry the buffer.
    let mut sink = vec![0u8; 4096];
    let _ =
        tokio::time::timeout_at(deadline, async { while matches!(io.read(&mut sink).await, Ok(n) if n > 0) {} }).await;
}

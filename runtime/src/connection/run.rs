//! The connection task. One task per connection: it reads frames, polls the calls in flight,
//! drains the outbound queue and flushes once per batch, so a burst of pipelined messages costs
//! one write syscall rather than one per reply. One timer serves the heartbeat, the drain of a
//! graceful shutdown and the wait for the peer's close.

use std::future::Future;
use std::pin::Pin;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::FuturesUnordered;
use futures_util::{FutureExt, Sink, SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

use super::dispatch::{Dispatch, Finished, Rejected, RunningCall, dispatch, panic_message, refuse};
use super::rate::{TokenBucket, Verdict};
use super::socket::{Socket, SocketError};
use crate::channel::{Base, Channel};
use crate::codec;
use crate::context::close_code;
use crate::error::{ChannelError, codes};
use crate::error_event::{ErrorEvent, ErrorKind};
use crate::outbound::{OutFrame, OutboundReceiver};
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

type Calls = FuturesUnordered<RunningCall>;

/// Whether the peer is alive. Reading a frame only sets `heard` (no clock read per message);
/// the timer turns that into pings and the timeout once per interval.
struct Liveness {
    heartbeat: Heartbeat,
    heard: bool,
    /// When the peer was last known to be alive (a timer tick that found `heard` set).
    alive_at: Instant,
    next_check: Instant,
}

/// What the heartbeat decides at a tick.
enum Beat {
    Nothing,
    Ping,
    Timeout,
}

impl Liveness {
    fn tick(&mut self, now: Instant) -> Beat {
        if now < self.next_check {
            return Beat::Nothing;
        }
        let Heartbeat { interval, timeout } = self.heartbeat;
        if std::mem::take(&mut self.heard) {
            self.alive_at = now;
            self.next_check = now + interval;
            Beat::Nothing
        } else if now.duration_since(self.alive_at) >= timeout {
            Beat::Timeout
        } else {
            self.next_check = (now + interval).min(self.alive_at + timeout);
            Beat::Ping
        }
    }
}

/// A text or binary message.
enum Data {
    Text(Utf8Bytes),
    Binary(Bytes),
}

struct Conn<T, S> {
    ws: Socket<T>,
    channel: Arc<Channel<S>>,
    base: Base<S>,
    /// Bytes fed since the last flush.
    dirty: bool,
    /// Set once a close frame was sent: only the peer's close (or this deadline) is awaited.
    closing: Option<Instant>,
    /// The socket failed mid-message: the peer may still be sending bytes nobody will parse.
    unread_input: bool,
    /// Set when a shutdown found calls in flight: they may finish until this deadline.
    draining: Option<Instant>,
    close_timeout: Duration,
    drain_timeout: Duration,
    shutdown: CancellationToken,
    /// How long a write may wait for the peer to take bytes (the heartbeat timeout).
    stall: Option<Duration>,
    liveness: Option<Liveness>,
    bucket: Option<TokenBucket>,
    /// A call that finished on its first poll, to answer before anything else.
    ready: Option<Finished>,
}

/// Runs a write, giving up when the peer takes nothing for `stall`, or for the close timeout
/// once the server shuts down. The common case, a socket that takes the bytes at once, arms no
/// timer, and the wait for one is boxed: its timers would otherwise make this future, every
/// future that awaits it and so every connection's task several hundred bytes larger, and
/// larger futures are copied on every call.
async fn bounded<F, E>(stall: Option<Duration>, shutdown: &CancellationToken, close_timeout: Duration, write: F) -> bool
where
    F: Future<Output = Result<(), E>>,
{
    let mut write = pin!(write);
    if let Poll::Ready(result) = std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await {
        return result.is_ok();
    }
    Box::pin(wait_bounded(stall, shutdown, close_timeout, write)).await
}

/// The slow path of [`bounded`]: the write did not finish on its first poll.
async fn wait_bounded<F, E>(
    stall: Option<Duration>,
    shutdown: &CancellationToken,
    close_timeout: Duration,
    mut write: Pin<&mut F>,
) -> bool
where
    F: Future<Output = Result<(), E>>,
{
    let stalled = async {
        match stall {
            Some(stall) => tokio::time::sleep(stall).await,
            None => std::future::pending().await,
        }
    };
    let abandoned = async {
        shutdown.cancelled().await;
        tokio::time::sleep(close_timeout).await;
    };
    tokio::select! {
        biased;
        result = write.as_mut() => result.is_ok(),
        () = stalled => {
            tracing::debug!("the peer takes no data: dropping the connection");
            false
        }
        () = abandoned => false,
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin, S: Send + Sync + 'static> Conn<T, S> {
    fn report(&self, action: Option<&str>, kind: ErrorKind<'_>) {
        crate::metrics::error_reported(&self.channel, &kind);
        if let Some(hook) = &self.channel.on_error {
            let event = ErrorEvent { channel: self.channel.name, connection_id: self.base.conn.id(), action, kind };
            hook(&event);
        }
    }

    async fn feed(&mut self, message: Message) -> bool {
        self.dirty = true;
        bounded(self.stall, &self.shutdown, self.close_timeout, self.ws.feed(message)).await
    }

    async fn feed_text(&mut self, text: Utf8Bytes) -> bool {
        self.feed(Message::Text(text)).await
    }

    async fn flush(&mut self) -> bool {
        if !self.dirty {
            return true;
        }
        self.dirty = false;
        bounded(self.stall, &self.shutdown, self.close_timeout, self.ws.flush()).await
    }

    async fn start_close(&mut self, code: u16, reason: &str) {
        if self.closing.is_some() {
            return;
        }
        tracing::debug!(code, reason, "closing");
        self.closing = Some(Instant::now() + self.close_timeout);
        let frame = CloseFrame { code: CloseCode::from(code), reason: Utf8Bytes::from(reason) };
        let sent = self.ws.send(Message::Close(Some(frame)));
        // A peer that takes nothing gets no close frame: the closing deadline ends it.
        let _ = bounded(self.stall, &self.shutdown, self.close_timeout, sent).await;
        self.dirty = false;
    }

    async fn write_outbound(&mut self, frame: OutFrame) -> bool {
        crate::metrics::queued_out(&self.channel, &frame, self.closing.is_none());
        match frame {
            OutFrame::Text(text) => self.closing.is_some() || self.feed_text(text).await,
            OutFrame::Close(code, reason) => {
                let _ = self.flush().await;
                self.start_close(code, &reason).await;
                true
            }
        }
    }

    /// Counts and reports a finished call; its frame, if it is to be written.
    fn settle(&self, done: Finished) -> Option<String> {
        crate::metrics::call_answered(
            &self.channel,
            done.reply.is_some() && self.closing.is_none(),
            done.error.is_some(),
        );
        if let Some(failed) = &done.error {
            let (action, error) = &**failed;
            self.report(*action, ErrorKind::Sent(error));
        }
        if self.closing.is_some() {
            return None;
        }
        done.reply.into_frame(&self.channel.routing_keys)
    }

    /// Answers a finished call: what it queued (progress, a close) goes out before its reply.
    async fn answer(&mut self, done: Finished, rx: &mut OutboundReceiver) -> bool {
        // The common case, decided without waiting: the call queued nothing and the socket takes
        // the reply at once. Done in place, it spares each reply the futures of the general way
        // (and the copies of their state).
        let mut pending = Some(done);
        let answered = std::future::poll_fn(|cx| Poll::Ready(self.answer_now(cx, &mut pending, rx))).await;
        if let Some(alive) = answered {
            return alive;
        }
        let Some(done) = pending else { return true };
        let mut alive = true;
        while alive && let Some(frame) = rx.try_recv() {
            alive = self.write_outbound(frame).await;
        }
        match self.settle(done) {
            Some(frame) if alive => self.feed_text(Utf8Bytes::from(frame)).await,
            _ => alive,
        }
    }

    /// [`Conn::answer`] when nothing has to wait: `Some(alive)` once answered, `None` (with
    /// `done` left in place) when the call queued frames or the socket cannot take one now.
    fn answer_now(&mut self, cx: &mut Context<'_>, done: &mut Option<Finished>, rx: &OutboundReceiver) -> Option<bool> {
        if !rx.is_empty_hint() {
            return None;
        }
        if self.closing.is_some() {
            // Only the peer's close is awaited now: the reply is counted, not sent.
            let _ = self.settle(done.take()?);
            return Some(true);
        }
        match Pin::new(&mut self.ws).poll_ready(cx) {
            Poll::Pending => return None,
            Poll::Ready(Err(_)) => return Some(false),
            Poll::Ready(Ok(())) => {}
        }
        let Some(frame) = self.settle(done.take()?) else { return Some(true) };
        self.dirty = true;
        Some(Pin::new(&mut self.ws).start_send(Message::Text(Utf8Bytes::from(frame))).is_ok())
    }

    /// Handles a transport error: reports it and closes with the code PROTOCOL.md gives it.
    async fn transport_error(&mut self, err: SocketError) {
        let close = err.close();
        tracing::debug!(error = %err, "transport error");
        self.report(None, ErrorKind::Transport(&err));
        if let Some((code, reason)) = close {
            self.start_close(code, reason).await;
        }
    }

    /// When the timer must fire next: the closing or drain deadline, or the heartbeat check.
    fn next_wake(&self) -> Option<Instant> {
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
    async fn on_timer(&mut self) -> bool {
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
    async fn on_shutdown(&mut self, calls_in_flight: bool) {
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

    /// Handles what the socket gave. `false` ends the connection.
    async fn on_read(&mut self, read: Option<Result<Message, SocketError>>, in_flight: &mut Calls) -> bool {
        let message = match read {
            None => return false,
            Some(Err(e)) => {
                let fatal = e.is_fatal();
                self.transport_error(e).await;
                self.unread_input |= fatal;
                return !fatal;
            }
            Some(Ok(message)) => message,
        };
        if let Some(liveness) = &mut self.liveness {
            liveness.heard = true;
        }
        let data = match message {
            Message::Text(text) => Data::Text(text),
            Message::Binary(bytes) => Data::Binary(bytes),
            // tungstenite answers pings, and queues the reply to a close: the next read flushes
            // it and ends the stream.
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_) => return true,
        };
        if self.closing.is_some() {
            return true;
        }
        if let Some(bucket) = &mut self.bucket {
            match bucket.take(std::time::Instant::now()) {
                Verdict::Allow => {}
                Verdict::Refuse => return self.refuse_rate_limited(&data).await,
                Verdict::Close => {
                    self.refuse_rate_limited(&data).await;
                    self.start_close(close_code::POLICY, "rate limit exceeded").await;
                    return true;
                }
            }
        }
        if self.channel.transport.raw_echo {
            let echo = match data {
                Data::Text(text) => Message::Text(text),
                Data::Binary(bytes) => Message::Binary(bytes),
            };
            return self.feed(echo).await;
        }
        let text = match data {
            Data::Text(text) => text,
            Data::Binary(bytes) if self.channel.binary => match Utf8Bytes::try_from(bytes) {
                Ok(text) => text,
                Err(_) => {
                    self.start_close(1007, "binary frame is not UTF-8 JSON").await;
                    return true;
                }
            },
            Data::Binary(_) => {
                self.start_close(close_code::POLICY, "this channel accepts text frames only").await;
                return true;
            }
        };
        match dispatch(&self.channel, &self.base, &text) {
            Dispatch::Reject(rejected) => {
                let Rejected { frame, action, error } = *rejected;
                self.report(action.as_deref(), ErrorKind::Sent(&error));
                crate::metrics::message_out(&self.channel, crate::metrics::Sent::Error);
                self.feed_text(Utf8Bytes::from(frame)).await
            }
            Dispatch::Run(mut fut) => {
                // Most calls finish on their first poll: answering at once spares the per-call
                // task of `FuturesUnordered` and a trip through the event loop. Flat mode reads
                // only while nothing is in flight, so its replies keep request order. A call that
                // is not ready has registered this task's waker and joins the others.
                // The answer is left to the loop (`ready`): awaiting it here would make this
                // future, and so every idle connection's task, larger.
                match futures_util::poll!(&mut fut) {
                    Poll::Ready(done) => self.ready = Some(done),
                    Poll::Pending => in_flight.push(fut),
                }
                true
            }
        }
    }

    /// Answers a message the rate limit refused, without running it.
    async fn refuse_rate_limited(&mut self, data: &Data) -> bool {
        let text = match data {
            Data::Text(text) => text.as_str(),
            Data::Binary(bytes) => std::str::from_utf8(bytes).unwrap_or_default(),
        };
        let per_second = self.bucket.as_ref().map_or(0.0, TokenBucket::per_second);
        let error = ChannelError::new(codes::RATE_LIMITED, format!("too many messages: at most {per_second} a second"));
        match refuse(&self.channel, self.base.conn.envelope, text, error) {
            Dispatch::Reject(rejected) => {
                let Rejected { frame, action, error } = *rejected;
                self.report(action.as_deref(), ErrorKind::Sent(&error));
                crate::metrics::message_out(&self.channel, crate::metrics::Sent::Error);
                self.feed_text(Utf8Bytes::from(frame)).await
            }
            Dispatch::Run(_) => true,
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

    if let Some((code, reason)) = refused {
        c.start_close(code, &reason).await;
    } else if let Some(on_connect) = c.channel.on_connect {
        let first = run_lifecycle(&c.channel, &c.base, on_connect, "on_connect").await;
        match first {
            Ok(out) if out.is_unit() => {}
            Ok(out) => {
                crate::metrics::message_out(&c.channel, crate::metrics::Sent::Connect);
                let frame = if c.base.conn.envelope { codec::connect_event(&out) } else { out.as_json().to_owned() };
                c.feed_text(Utf8Bytes::from(frame)).await;
            }
            Err(e) => {
                c.report(None, ErrorKind::Sent(&e));
                crate::metrics::message_out(&c.channel, crate::metrics::Sent::Error);
                c.feed_text(Utf8Bytes::from(codec::error_frame(None, None, &e))).await;
            }
        }
    }

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
                c.on_shutdown(!in_flight.is_empty()).await;
            }
            () = timer.as_mut(), if wake.is_some() => {
                alive = c.on_timer().await;
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
            c.start_close(close_code::GOING_AWAY, "server shutting down").await;
        }
        if alive {
            alive = c.flush().await;
        }
    }

    drop(in_flight);
    if let Some(deadline) = c.closing
        && c.unread_input
    {
        linger(c.ws.io_mut(), deadline).await;
    }
    c.base.conn.leave_all_topics();
    if let Some(on_disconnect) = c.channel.on_disconnect
        && let Err(e) = run_lifecycle(&c.channel, &c.base, on_disconnect, "on_disconnect").await
    {
        c.report(None, ErrorKind::Sent(&e));
    }
    tracing::debug!("connection closed");
}

/// Runs `on_connect` or `on_disconnect` inside the channel's middleware, catching panics.
/// Takes the parts it needs, not the whole connection: the socket is not `Sync`.
async fn run_lifecycle<S: Send + Sync + 'static>(
    channel: &Channel<S>,
    base: &Base<S>,
    f: crate::channel::LifecycleFn<S>,
    what: &'static str,
) -> Result<codec::Encoded, ChannelError> {
    use futures_util::FutureExt;
    use std::panic::AssertUnwindSafe;
    let fut = match std::panic::catch_unwind(AssertUnwindSafe(|| f(base))) {
        Ok(fut) => fut,
        Err(panic) => {
            tracing::error!(panic = panic_message(&*panic), "{what} panicked");
            return Err(ChannelError::internal());
        }
    };
    let fut = if channel.middleware.is_empty() {
        fut
    } else {
        let conn = &base.conn;
        let make_inv = || crate::middleware::Invocation {
            channel: channel.name,
            action: None,
            connection_id: conn.id().clone(),
            session: conn.active_session(),
            services: base.services.clone(),
        };
        crate::middleware::wrap(&[&channel.middleware], make_inv, fut)
    };
    match AssertUnwindSafe(fut).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            tracing::error!(panic = panic_message(&*panic), "{what} panicked");
            Err(ChannelError::internal())
        }
    }
}

/// After the server sent its close frame and the socket failed mid-message: closes the write side (the server closes TCP first,
/// RFC 6455 section 7.1.1) and discards what the peer still sends until it closes too or the
/// close deadline passes. Dropping a socket with unread bytes makes the kernel answer with a
/// reset, which can destroy the close frame before the peer reads it (e.g. the 1009 sent while
/// a client is still writing an oversized message).
async fn linger<T: AsyncRead + AsyncWrite + Unpin + ?Sized>(io: &mut T, deadline: Instant) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let _ = tokio::time::timeout_at(deadline, io.shutdown()).await;
    // Allocated only here, so that idle connections do not carry the buffer.
    let mut sink = vec![0u8; 4096];
    let _ =
        tokio::time::timeout_at(deadline, async { while matches!(io.read(&mut sink).await, Ok(n) if n > 0) {} }).await;
}

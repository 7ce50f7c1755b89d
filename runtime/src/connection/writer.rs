//! The connection's writes: frames fed to the socket and flushed once per batch, every write
//! bounded by how long the peer may take nothing (the heartbeat timeout), the close handshake's
//! first half, the outbound queue's frames, and the answers to finished calls.

use std::future::Future;
use std::pin::{Pin, pin};
use std::task::{Context, Poll, ready};
use std::time::Duration;

use futures_util::{Sink, SinkExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};
use tokio_util::sync::CancellationToken;

use super::dispatch::Finished;
use super::task::Conn;
use crate::error_event::ErrorKind;
use crate::outbound::{OutFrame, OutboundReceiver, Publication};

/// Runs a write, giving up when the peer takes nothing for `stall`, or for the close timeout
/// once the server shuts down. The common case, a socket that takes the bytes at once, arms no
/// timer, and the wait for one is boxed: its timers would otherwise make this future, every
/// future that awaits it and so every connection's task several hundred bytes larger, and
/// larger futures are copied on every call.
pub(super) async fn bounded<F, E>(
    stall: Option<Duration>,
    shutdown: &CancellationToken,
    close_timeout: Duration,
    write: F,
) -> bool
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
    pub(super) async fn feed(&mut self, message: Message) -> bool {
        self.dirty = true;
        bounded(self.stall, &self.shutdown, self.close_timeout, self.ws.feed(message)).await
    }

    pub(super) async fn feed_text(&mut self, text: Utf8Bytes) -> bool {
        self.feed(Message::Text(text)).await
    }

    /// Feeds a publication, deflated once for all its subscribers where it can be.
    async fn feed_publication(&mut self, publication: &Publication) -> bool {
        self.dirty = true;
        let ws = &mut self.ws;
        let sent = std::future::poll_fn(|cx| {
            ready!(ws.poll_ready(cx))?;
            Poll::Ready(ws.start_send_publication(publication))
        });
        bounded(self.stall, &self.shutdown, self.close_timeout, sent).await
    }

    pub(super) async fn flush(&mut self) -> bool {
        if !self.dirty {
            return true;
        }
        self.dirty = false;
        bounded(self.stall, &self.shutdown, self.close_timeout, self.ws.flush()).await
    }

    pub(super) async fn start_close(&mut self, code: u16, reason: &str) {
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

    pub(super) async fn write_outbound(&mut self, frame: OutFrame) -> bool {
        crate::metrics::queued_out(&self.channel, &frame, self.closing.is_none());
        match frame {
            OutFrame::Text(text) => self.closing.is_some() || self.feed_text(text).await,
            OutFrame::Publication(publication) => self.closing.is_some() || self.feed_publication(&publication).await,
            OutFrame::Close(code, reason) => {
                let _ = self.flush().await;
                Box::pin(self.start_close(code, &reason)).await;
                true
            }
        }
    }

    /// Counts and reports a finished call; its frame, if it is to be written.
    pub(super) fn settle(&self, done: Finished) -> Option<String> {
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
    pub(super) async fn answer(&mut self, done: Finished, rx: &mut OutboundReceiver) -> bool {
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
    pub(super) fn answer_now(
        &mut self,
        cx: &mut Context<'_>,
        done: &mut Option<Finished>,
        rx: &OutboundReceiver,
    ) -> Option<bool> {
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
}

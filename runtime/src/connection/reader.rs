//! The connection's reads: a frame from the socket, through the rate limit, to a running call
//! (`dispatch.rs`) or an immediate answer; and what a transport error closes with.

use std::task::Poll;

use bytes::Bytes;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

use super::dispatch::{Dispatch, Rejected, dispatch, refuse};
use super::rate::{TokenBucket, Verdict};
use super::socket::SocketError;
use super::task::{Calls, Conn};
use crate::context::close_code;
use crate::error::{ChannelError, codes};
use crate::error_event::{ErrorEvent, ErrorKind};

/// A text or binary message.
enum Data {
    Text(Utf8Bytes),
    Binary(Bytes),
}

impl<T: AsyncRead + AsyncWrite + Unpin, S: Send + Sync + 'static> Conn<T, S> {
    pub(super) fn report(&self, action: Option<&str>, kind: ErrorKind<'_>) {
        crate::metrics::error_reported(&self.channel, &kind);
        if let Some(hook) = &self.channel.on_error {
            let event = ErrorEvent { channel: self.channel.name, connection_id: self.base.conn.id(), action, kind };
            hook(&event);
        }
    }

    /// Handles a transport error: reports it and closes with the code PROTOCOL.md gives it.
    pub(super) async fn transport_error(&mut self, err: SocketError) {
        let close = err.close();
        tracing::debug!(error = %err, "transport error");
        self.report(None, ErrorKind::Transport(&err));
        if let Some((code, reason)) = close {
            self.start_close(code, reason).await;
        }
    }

    /// Handles what the socket gave. `false` ends the connection.
    pub(super) async fn on_read(&mut self, read: Option<Result<Message, SocketError>>, in_flight: &mut Calls) -> bool {
        let message = match read {
            None => return false,
            Some(Err(e)) => {
                let fatal = e.is_fatal();
                // Rare paths are boxed, so that their futures do not enlarge every task (`task.rs`).
                Box::pin(self.transport_error(e)).await;
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
            // The socket answers pings, and queues the reply to a close: the next read writes it
            // and ends the stream.
            Message::Ping(_) | Message::Pong(_) | Message::Close(_) | Message::Frame(_) => return true,
        };
        if self.closing.is_some() {
            return true;
        }
        if let Some(bucket) = &mut self.bucket {
            match bucket.take(std::time::Instant::now()) {
                Verdict::Allow => {}
                Verdict::Refuse => return Box::pin(self.refuse_rate_limited(&data)).await,
                Verdict::Close => {
                    Box::pin(self.refuse_rate_limited(&data)).await;
                    Box::pin(self.start_close(close_code::POLICY, "rate limit exceeded")).await;
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
                    Box::pin(self.start_close(1007, "binary frame is not UTF-8 JSON")).await;
                    return true;
                }
            },
            Data::Binary(_) => {
                Box::pin(self.start_close(close_code::POLICY, "this channel accepts text frames only")).await;
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

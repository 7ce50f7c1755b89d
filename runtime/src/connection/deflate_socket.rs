//! A compressed connection's socket: yawc, which implements permessage-deflate (RFC 7692), on
//! the upgraded stream hyper handed over, with the close-handshake state and the RSV1 check
//! (`rsv1_check.rs`) that yawc lacks. Behind the `compression` feature.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_util::Sink;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};
use yawc::frame::{Frame, OpCode};

use super::rsv1_check::{Rsv1Check, Rsv1Violation};
use super::socket::{Socket, SocketError, Transport};
use crate::context::close_code;

/// Why a compressed connection failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum DeflateError {
    /// yawc's error. yawc queued a close frame of its own, which is never sent (see [`Deflate`]).
    #[error(transparent)]
    Ws(#[from] yawc::WebSocketError),
    /// A text message is not UTF-8.
    #[error("text message is not valid UTF-8")]
    Utf8,
    /// Writing the close frame failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl DeflateError {
    /// The close code and reason PROTOCOL.md gives this error; `None` for I/O errors.
    pub(crate) fn close(&self) -> Option<(u16, &'static str)> {
        use yawc::WebSocketError as Y;
        match self {
            Self::Ws(Y::FrameTooLarge) => Some((close_code::TOO_BIG, "message too big")),
            Self::Ws(e) if e.is_protocol_error() => Some((1002, "protocol error")),
            Self::Ws(Y::InvalidUTF8) | Self::Utf8 => Some((1007, "invalid UTF-8")),
            Self::Ws(Y::IoError(e))
                if e.get_ref().is_some_and(
                    <dyn std::error::Error + std::marker::Send + std::marker::Sync + 'static>::is::<Rsv1Violation>,
                ) =>
            {
                Some((1002, "protocol error"))
            }
            // The inflater's errors (a transport's I/O errors are of other kinds).
            Self::Ws(Y::IoError(e)) if e.kind() == std::io::ErrorKind::InvalidInput => {
                Some((close_code::INTERNAL, "compressed message does not inflate"))
            }
            _ => None,
        }
    }

    /// yawc ends the connection on every error it reports; a text message that is not UTF-8 is
    /// checked here, and reading may go on after it.
    pub(crate) fn is_fatal(&self) -> bool {
        !matches!(self, Self::Utf8)
    }
}

fn deflate_error(e: impl Into<DeflateError>) -> SocketError {
    SocketError::Deflate(e.into())
}

/// A yawc socket, with the close handshake state tungstenite keeps itself: yawc answers a
/// peer's close on its own, so the connection's own close must not follow it, and nothing is
/// read after the handshake ends. After a read error, yawc is neither read nor readied again:
/// it has queued a close frame of its own (with codes PROTOCOL.md does not give, or none at
/// all for some errors), and those two calls are what would send it. The connection's close,
/// with the code of [`SocketError::close`], is written straight to the transport instead.
pub(crate) struct Deflate<T> {
    ws: yawc::WebSocket<SharedIo<T>>,
    /// The transport under `ws`, to discard what the peer still sends after a fatal error and to
    /// write the close frame after a read error.
    io: SharedIo<T>,
    /// A close frame was sent or queued (ours, or yawc's answer to the peer's).
    close_sent: bool,
    /// The peer's close frame arrived.
    close_received: bool,
    /// Nothing more is read.
    ended: bool,
    /// Reading failed: yawc is only flushed from now on.
    failed: bool,
    /// After a read error: the close frame, encoded, and how much of it is written.
    close_frame: Option<(Vec<u8>, usize)>,
}

impl<T: AsyncRead + AsyncWrite + Unpin> Socket<T> {
    /// A compressed socket on an upgraded connection; `extensions` is the
    /// `Sec-WebSocket-Extensions` value the server answered.
    pub(crate) fn deflate(io: T, extensions: &str, options: yawc::Options) -> Result<Self, yawc::WebSocketError> {
        let io = SharedIo(Arc::new(parking_lot::Mutex::new(Checked {
            io,
            rsv1: Some(Rsv1Check::default()),
            pending: false,
        })));
        let ws =
            yawc::WebSocket::from_stream_with_extensions(io.clone(), yawc::Role::Server, Some(extensions), options)?;
        Ok(Self::Deflate(Box::new(Deflate {
            ws,
            io,
            close_sent: false,
            close_received: false,
            ended: false,
            failed: false,
            close_frame: None,
        })))
    }
}

/// yawc does not give its transport back, so a compressed socket shares it. Only the connection's
/// task uses it, and only for one poll at a time: the lock is never contended. What yawc reads
/// through it is checked for RSV1 where RFC 7692 forbids it ([`Rsv1Check`]).
struct SharedIo<T>(Arc<parking_lot::Mutex<Checked<T>>>);

/// The transport and the check of what is read from it.
struct Checked<T> {
    io: T,
    /// `None` once a violation was reported: what is read afterwards (the linger) is not checked.
    rsv1: Option<Rsv1Check>,
    /// A violation found after bytes that were handed over first: the next read reports it.
    pending: bool,
}

fn rsv1_error() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, Rsv1Violation { at: 0 })
}

impl<T> Clone for SharedIo<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for SharedIo<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        let mut checked = self.0.lock();
        let checked = &mut *checked;
        if std::mem::take(&mut checked.pending) {
            return Poll::Ready(Err(rsv1_error()));
        }
        let before = buf.filled().len();
        ready!(Pin::new(&mut checked.io).poll_read(cx, buf))?;
        let Some(check) = &mut checked.rsv1 else { return Poll::Ready(Ok(())) };
        if let Err(violation) = check.read(&buf.filled()[before..]) {
            checked.rsv1 = None;
            // The frames before the bad one are handed over; the error comes with the next read.
            buf.set_filled(before + violation.at);
            if violation.at == 0 {
                return Poll::Ready(Err(rsv1_error()));
            }
            checked.pending = true;
        }
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for SharedIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0.lock().io).poll_write(cx, data)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.0.lock().io).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.lock().io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0.lock().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.0.lock().io).poll_shutdown(cx)
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Deflate<T> {
    /// The transport, to discard what the peer still sends after a fatal error.
    pub(crate) fn io_mut(&mut self) -> &mut dyn Transport
    where
        T: Transport,
    {
        &mut self.io
    }

    pub(crate) fn poll_close(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        Pin::new(&mut self.ws).poll_close(cx).map_err(deflate_error)
    }

    pub(crate) fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, SocketError>>> {
        loop {
            if self.ended {
                return Poll::Ready(None);
            }
            let frame = match ready!(self.ws.poll_next_frame(cx)) {
                Ok(frame) => frame,
                Err(yawc::WebSocketError::ConnectionClosed) => {
                    self.ended = true;
                    return Poll::Ready(None);
                }
                Err(e) => {
                    self.ended = true;
                    self.failed = true;
                    return Poll::Ready(Some(Err(deflate_error(e))));
                }
            };
            let (opcode, _, payload) = frame.into_parts();
            let message = match opcode {
                OpCode::Text => match Utf8Bytes::try_from(payload) {
                    Ok(text) => Message::Text(text),
                    Err(_) => return Poll::Ready(Some(Err(deflate_error(DeflateError::Utf8)))),
                },
                OpCode::Binary => Message::Binary(payload),
                OpCode::Ping => Message::Ping(payload),
                OpCode::Pong => Message::Pong(payload),
                OpCode::Close => {
                    self.close_received = true;
                    // yawc queued its answer. When our close went first, that answer must not
                    // go out: reading no further keeps it unsent.
                    self.ended = std::mem::replace(&mut self.close_sent, true);
                    Message::Close(None)
                }
                // yawc assembles fragments: a continuation never arrives alone.
                OpCode::Continuation => continue,
            };
            return Poll::Ready(Some(Ok(message)));
        }
    }

    pub(crate) fn start_send(&mut self, message: Message) -> Result<(), SocketError> {
        if self.close_sent || self.close_received {
            // Nothing may follow a close frame (RFC 6455 section 5.5.1).
            return Ok(());
        }
        if self.failed {
            // Only the close is sent after a read error, past yawc (see `Deflate`).
            if let Message::Close(close) = message {
                self.close_sent = true;
                let mut frame = Vec::new();
                tungstenite::protocol::frame::Frame::close(close).format(&mut frame)?;
                self.close_frame = Some((frame, 0));
            }
            return Ok(());
        }
        let frame = match message {
            Message::Text(text) => Frame::text(Bytes::from(text)),
            Message::Binary(bytes) => Frame::binary(bytes),
            Message::Ping(bytes) => Frame::ping(bytes),
            Message::Pong(bytes) => Frame::pong(bytes),
            Message::Close(close) => {
                self.close_sent = true;
                match close {
                    Some(close) => Frame::close(yawc::close::CloseCode::from(u16::from(close.code)), close.reason),
                    None => Frame::close(yawc::close::CloseCode::Normal, []),
                }
            }
            Message::Frame(_) => return Ok(()),
        };
        Pin::new(&mut self.ws).start_send(frame).map_err(deflate_error)?;
        Ok(())
    }

    pub(crate) fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        if self.failed {
            return self.poll_flush(cx);
        }
        Pin::new(&mut self.ws).poll_ready(cx).map_err(deflate_error)
    }

    /// Flushes yawc (which does not send its own queued close), then, after a read error, the
    /// connection's close frame.
    pub(crate) fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        ready!(Pin::new(&mut self.ws).poll_flush(cx)).map_err(deflate_error)?;
        let Some((frame, written)) = &mut self.close_frame else { return Poll::Ready(Ok(())) };
        while *written < frame.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &frame[*written..])).map_err(deflate_error)?;
            if n == 0 {
                return Poll::Ready(Err(deflate_error(std::io::Error::from(std::io::ErrorKind::WriteZero))));
            }
            *written += n;
        }
        ready!(Pin::new(&mut self.io).poll_flush(cx)).map_err(deflate_error)?;
        self.close_frame = None;
        Poll::Ready(Ok(()))
    }
}

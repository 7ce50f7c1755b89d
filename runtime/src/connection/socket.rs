//! The WebSocket under a connection. Plain connections run on tungstenite, the measured fast
//! path; connections that negotiated permessage-deflate (RFC 7692), which tungstenite does not
//! implement, run on yawc. Both speak tungstenite's `Message`, so the connection task does not
//! care which one it drives.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};
use yawc::frame::{Frame, OpCode};

use super::rsv1_check::{Rsv1Check, Rsv1Violation};
use crate::context::close_code;

/// A WebSocket connection's socket: a `Stream` of messages and a `Sink` for them.
#[allow(clippy::large_enum_variant, reason = "the plain socket is the hot path: no indirection for it")]
pub(crate) enum Socket<T> {
    /// No extension negotiated.
    Plain(WebSocketStream<T>),
    /// permessage-deflate negotiated.
    Deflate(Box<Deflate<T>>),
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

/// Why reading or writing failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SocketError {
    /// tungstenite's error (plain connections).
    #[error(transparent)]
    Plain(#[from] tungstenite::Error),
    /// yawc's error (compressed connections). yawc has already queued its close frame.
    #[error(transparent)]
    Deflate(#[from] yawc::WebSocketError),
    /// A text message of a compressed connection is not UTF-8.
    #[error("text message is not valid UTF-8")]
    Utf8,
    /// Writing a compressed connection's close frame failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

impl SocketError {
    /// The close code and reason PROTOCOL.md gives this error; `None` for I/O errors.
    pub(crate) fn close(&self) -> Option<(u16, &'static str)> {
        use yawc::WebSocketError as Y;
        match self {
            Self::Plain(tungstenite::Error::Capacity(_)) | Self::Deflate(Y::FrameTooLarge) => {
                Some((close_code::TOO_BIG, "message too big"))
            }
            Self::Plain(tungstenite::Error::Protocol(_)) => Some((1002, "protocol error")),
            Self::Deflate(e) if e.is_protocol_error() => Some((1002, "protocol error")),
            Self::Plain(tungstenite::Error::Utf8(_)) | Self::Deflate(Y::InvalidUTF8) | Self::Utf8 => {
                Some((1007, "invalid UTF-8"))
            }
            Self::Deflate(Y::IoError(e)) if e.get_ref().is_some_and(|e| e.is::<Rsv1Violation>()) => {
                Some((1002, "protocol error"))
            }
            // The inflater's errors (a transport's I/O errors are of other kinds).
            Self::Deflate(Y::IoError(e)) if e.kind() == std::io::ErrorKind::InvalidInput => {
                Some((close_code::INTERNAL, "compressed message does not inflate"))
            }
            _ => None,
        }
    }

    /// Whether reading cannot go on. After an oversized or non-UTF-8 message tungstenite can
    /// still read the peer's close; yawc ends the connection on every error it reports.
    pub(crate) fn is_fatal(&self) -> bool {
        !matches!(self, Self::Plain(tungstenite::Error::Capacity(_) | tungstenite::Error::Utf8(_)) | Self::Utf8)
    }
}

/// A byte stream a socket runs on.
pub(crate) trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}

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

impl<T: Transport> Socket<T> {
    /// The transport under the socket, to discard what the peer still sends after a fatal error.
    pub(crate) fn io_mut(&mut self) -> &mut dyn Transport {
        match self {
            Self::Plain(ws) => ws.get_mut(),
            Self::Deflate(d) => &mut d.io,
        }
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
    fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message, SocketError>>> {
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
                    return Poll::Ready(Some(Err(e.into())));
                }
            };
            let (opcode, _, payload) = frame.into_parts();
            let message = match opcode {
                OpCode::Text => match Utf8Bytes::try_from(payload) {
                    Ok(text) => Message::Text(text),
                    Err(_) => return Poll::Ready(Some(Err(SocketError::Utf8))),
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

    fn start_send(&mut self, message: Message) -> Result<(), SocketError> {
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
        Pin::new(&mut self.ws).start_send(frame)?;
        Ok(())
    }

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        if self.failed {
            return self.poll_flush(cx);
        }
        Pin::new(&mut self.ws).poll_ready(cx).map_err(SocketError::from)
    }

    /// Flushes yawc (which does not send its own queued close), then, after a read error, the
    /// connection's close frame.
    fn poll_flush(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        ready!(Pin::new(&mut self.ws).poll_flush(cx))?;
        let Some((frame, written)) = &mut self.close_frame else { return Poll::Ready(Ok(())) };
        while *written < frame.len() {
            let n = ready!(Pin::new(&mut self.io).poll_write(cx, &frame[*written..]))?;
            if n == 0 {
                return Poll::Ready(Err(SocketError::Io(std::io::ErrorKind::WriteZero.into())));
            }
            *written += n;
        }
        ready!(Pin::new(&mut self.io).poll_flush(cx))?;
        self.close_frame = None;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Stream for Socket<T> {
    type Item = Result<Message, SocketError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.get_mut() {
            Self::Plain(ws) => Pin::new(ws).poll_next(cx).map(|read| read.map(|r| r.map_err(SocketError::from))),
            Self::Deflate(d) => d.poll_message(cx),
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Sink<Message> for Socket<T> {
    type Error = SocketError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        match self.get_mut() {
            Self::Plain(ws) => Pin::new(ws).poll_ready(cx).map_err(SocketError::from),
            Self::Deflate(d) => d.poll_ready(cx),
        }
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), SocketError> {
        match self.get_mut() {
            Self::Plain(ws) => Pin::new(ws).start_send(message).map_err(SocketError::from),
            Self::Deflate(d) => d.start_send(message),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        match self.get_mut() {
            Self::Plain(ws) => Pin::new(ws).poll_flush(cx).map_err(SocketError::from),
            Self::Deflate(d) => d.poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        match self.get_mut() {
            Self::Plain(ws) => Pin::new(ws).poll_close(cx).map_err(SocketError::from),
            Self::Deflate(d) => Pin::new(&mut d.ws).poll_close(cx).map_err(SocketError::from),
        }
    }
}

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
/// close (and a read error) on its own, so the connection's own close must not follow it, and
/// nothing is read after the handshake ends.
pub(crate) struct Deflate<T> {
    ws: yawc::WebSocket<SharedIo<T>>,
    /// The transport under `ws`, to discard what the peer still sends after a fatal error.
    io: SharedIo<T>,
    /// A close frame was sent or queued (ours, or yawc's answer to the peer or to an error).
    close_sent: bool,
    /// The peer's close frame arrived.
    close_received: bool,
    /// Nothing more is read.
    ended: bool,
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
        let io = SharedIo(Arc::new(parking_lot::Mutex::new(io)));
        let ws =
            yawc::WebSocket::from_stream_with_extensions(io.clone(), yawc::Role::Server, Some(extensions), options)?;
        Ok(Self::Deflate(Box::new(Deflate { ws, io, close_sent: false, close_received: false, ended: false })))
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
/// task uses it, and only for one poll at a time: the lock is never contended.
struct SharedIo<T>(Arc<parking_lot::Mutex<T>>);

impl<T> Clone for SharedIo<T> {
    fn clone(&self) -> Self {
        Self(self.0.clone())
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for SharedIo<T> {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0.lock()).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for SharedIo<T> {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, data: &[u8]) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0.lock()).poll_write(cx, data)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut *self.0.lock()).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.0.lock().is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0.lock()).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut *self.0.lock()).poll_shutdown(cx)
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
                    self.close_sent = true;
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
            Self::Deflate(d) => Pin::new(&mut d.ws).poll_ready(cx).map_err(SocketError::from),
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
            Self::Deflate(d) => Pin::new(&mut d.ws).poll_flush(cx).map_err(SocketError::from),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        match self.get_mut() {
            Self::Plain(ws) => Pin::new(ws).poll_close(cx).map_err(SocketError::from),
            Self::Deflate(d) => Pin::new(&mut d.ws).poll_close(cx).map_err(SocketError::from),
        }
    }
}

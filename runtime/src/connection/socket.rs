//! The WebSocket under a connection. Plain connections run on tungstenite's frame types
//! (`plain_socket.rs`), the measured fast path; with the `compression` feature, connections that
//! negotiated permessage-deflate (RFC 7692), which tungstenite does not implement, run on yawc
//! (`deflate_socket.rs`). Both speak tungstenite's `Message`, so the connection task does not
//! care which one it drives.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::{self, Message};

#[cfg(feature = "compression")]
pub(crate) use super::deflate_socket::{Deflate, DeflateError};
pub(crate) use super::plain_socket::{PlainLimits, PlainSocket};
use crate::context::close_code;

/// A WebSocket connection's socket: a `Stream` of messages and a `Sink` for them.
#[allow(clippy::large_enum_variant, reason = "the plain socket is the hot path: no indirection for it")]
pub(crate) enum Socket<T> {
    /// No extension negotiated.
    Plain(PlainSocket<T>),
    /// permessage-deflate negotiated.
    #[cfg(feature = "compression")]
    Deflate(Box<Deflate<T>>),
}

/// Why reading or writing failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SocketError {
    /// A plain connection's error, in tungstenite's terms.
    #[error(transparent)]
    Plain(#[from] tungstenite::Error),
    /// A compressed connection's error.
    #[cfg(feature = "compression")]
    #[error(transparent)]
    Deflate(#[from] DeflateError),
}

impl SocketError {
    /// The close code and reason PROTOCOL.md gives this error; `None` for I/O errors.
    pub(crate) fn close(&self) -> Option<(u16, &'static str)> {
        match self {
            Self::Plain(tungstenite::Error::Capacity(_)) => Some((close_code::TOO_BIG, "message too big")),
            Self::Plain(tungstenite::Error::Protocol(_)) => Some((1002, "protocol error")),
            Self::Plain(tungstenite::Error::Utf8(_)) => Some((1007, "invalid UTF-8")),
            Self::Plain(_) => None,
            #[cfg(feature = "compression")]
            Self::Deflate(e) => e.close(),
        }
    }

    /// Whether reading cannot go on. After an oversized or non-UTF-8 message the plain socket
    /// can still read the peer's close.
    pub(crate) fn is_fatal(&self) -> bool {
        match self {
            Self::Plain(e) => !matches!(e, tungstenite::Error::Capacity(_) | tungstenite::Error::Utf8(_)),
            #[cfg(feature = "compression")]
            Self::Deflate(e) => e.is_fatal(),
        }
    }
}

/// A byte stream a socket runs on.
pub(crate) trait Transport: AsyncRead + AsyncWrite + Unpin + Send {}

impl<T: AsyncRead + AsyncWrite + Unpin + Send> Transport for T {}

impl<T: Transport> Socket<T> {
    /// The transport under the socket, to discard what the peer still sends after a fatal error.
    pub(crate) fn io_mut(&mut self) -> &mut dyn Transport {
        match self {
            Self::Plain(ws) => ws.io_mut(),
            #[cfg(feature = "compression")]
            Self::Deflate(d) => d.io_mut(),
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Stream for Socket<T> {
    type Item = Result<Message, SocketError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        match self.get_mut() {
            Self::Plain(ws) => ws.poll_message(cx).map(|read| read.map(|r| r.map_err(SocketError::from))),
            #[cfg(feature = "compression")]
            Self::Deflate(d) => d.poll_message(cx),
        }
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Sink<Message> for Socket<T> {
    type Error = SocketError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        match self.get_mut() {
            Self::Plain(ws) => ws.poll_ready(cx).map_err(SocketError::from),
            #[cfg(feature = "compression")]
            Self::Deflate(d) => d.poll_ready(cx),
        }
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), SocketError> {
        match self.get_mut() {
            Self::Plain(ws) => ws.start_send(message).map_err(SocketError::from),
            #[cfg(feature = "compression")]
            Self::Deflate(d) => d.start_send(message),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        match self.get_mut() {
            Self::Plain(ws) => ws.poll_flush(cx).map_err(SocketError::from),
            #[cfg(feature = "compression")]
            Self::Deflate(d) => d.poll_flush(cx),
        }
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        match self.get_mut() {
            Self::Plain(ws) => ws.poll_close(cx).map_err(SocketError::from),
            #[cfg(feature = "compression")]
            Self::Deflate(d) => d.poll_close(cx),
        }
    }
}

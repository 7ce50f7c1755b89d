//! The WebSocket under a connection (`ws_socket.rs`) as the connection task drives it: a
//! `Stream` of tungstenite's `Message`s and a `Sink` for them, and what its errors close with.

use std::pin::Pin;
use std::task::{Context, Poll};

use futures_util::{Sink, Stream};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::{self, Message};

pub(crate) use super::ws_socket::{SocketLimits, WsSocket as Socket};
use crate::context::close_code;

/// Why reading or writing failed, in tungstenite's terms.
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub(crate) struct SocketError(#[from] tungstenite::Error);

impl SocketError {
    /// The close code and reason PROTOCOL.md gives this error; `None` for I/O errors.
    pub(crate) fn close(&self) -> Option<(u16, &'static str)> {
        match &self.0 {
            tungstenite::Error::Capacity(_) => Some((close_code::TOO_BIG, "message too big")),
            tungstenite::Error::Protocol(_) => Some((1002, "protocol error")),
            tungstenite::Error::Utf8(_) => Some((1007, "invalid UTF-8")),
            tungstenite::Error::Io(e) if inflate_failed(e) => {
                Some((close_code::INTERNAL, "compressed message does not inflate"))
            }
            _ => None,
        }
    }

    /// Whether reading cannot go on. After an oversized or non-UTF-8 message the socket can
    /// still read the peer's close.
    pub(crate) fn is_fatal(&self) -> bool {
        !matches!(self.0, tungstenite::Error::Capacity(_) | tungstenite::Error::Utf8(_))
    }
}

#[cfg(feature = "compression")]
fn inflate_failed(e: &std::io::Error) -> bool {
    e.get_ref().is_some_and(<dyn std::error::Error + Send + Sync>::is::<super::permessage_deflate::InflateError>)
}

#[cfg(not(feature = "compression"))]
fn inflate_failed(_: &std::io::Error) -> bool {
    false
}

impl<T: AsyncRead + AsyncWrite + Unpin> Stream for Socket<T> {
    type Item = Result<Message, SocketError>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_message(cx).map(|read| read.map(|r| r.map_err(SocketError)))
    }
}

impl<T: AsyncRead + AsyncWrite + Unpin> Sink<Message> for Socket<T> {
    type Error = SocketError;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        self.get_mut().poll_ready(cx).map_err(SocketError)
    }

    fn start_send(self: Pin<&mut Self>, message: Message) -> Result<(), SocketError> {
        self.get_mut().start_send(message).map_err(SocketError)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        self.get_mut().poll_flush(cx).map_err(SocketError)
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<(), SocketError>> {
        self.get_mut().poll_close(cx).map_err(SocketError)
    }
}

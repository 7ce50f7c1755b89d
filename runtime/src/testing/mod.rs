//! Test support for applications, in the spirit of Phoenix's `ChannelTest`: serve an [`App`](crate::App)
//! on a loopback port with [`TestServer`], connect with [`TestClient`], call actions with the
//! generated `actions::*` types and await typed replies, pushes and publications.
//!
//! ```no_run
//! # async fn demo(app: wirechan::App<()>) -> Result<(), wirechan::testing::TestError> {
//! use wirechan::testing::{TestClient, TestServer};
//! let server = TestServer::start(app).await?;
//! let mut client = TestClient::connect_envelope(&server.url("/chat?room=general")).await?;
//! let welcome = client.recv_json().await?;
//! # Ok(()) }
//! ```

mod client;
mod server;

pub use client::{Event, TestClient};
pub use server::TestServer;

use crate::channel::Channel;
use crate::error::ChannelError;

/// Makes `channel` a raw echo: every text and binary message is sent back unchanged, as a
/// message of the same kind, instead of being routed (no JSON, no actions; `on_connect` and
/// `on_disconnect` still run). Everything below the routing is the same as for any channel:
/// handshake, limits, heartbeat, close handshake, compression. It exists so that a WebSocket
/// conformance suite (the Autobahn testsuite, `scripts/autobahn/`) tests the transport every
/// channel runs on.
pub fn raw_echo<S>(mut channel: Channel<S>) -> Channel<S> {
    channel.transport.raw_echo = true;
    channel
}

/// What can go wrong in a test client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestError {
    /// The server refused the upgrade with an HTTP error.
    #[error("upgrade refused with HTTP {status}: {body}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The response body.
        body: String,
    },
    /// The WebSocket failed (what tungstenite reported).
    #[error("websocket error: {0}")]
    WebSocket(String),
    /// Nothing arrived in time.
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    /// The connection closed.
    #[error("the connection closed (code {code:?}, reason {reason:?})")]
    Closed {
        /// The close code, if the server sent one.
        code: Option<u16>,
        /// The close reason.
        reason: String,
    },
    /// A frame did not have the expected shape.
    #[error("unexpected frame: {0}")]
    Unexpected(String),
    /// A call failed with an error frame.
    #[error("call failed: {0}")]
    Call(ChannelError),
    /// Binding or serving failed.
    #[error("server error: {0}")]
    Serve(#[from] crate::error::ServeError),
    /// A value did not (de)serialize.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<tokio_tungstenite::tungstenite::Error> for TestError {
    fn from(e: tokio_tungstenite::tungstenite::Error) -> Self {
        TestError::WebSocket(e.to_string())
    }
}

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

use crate::error::ChannelError;

/// What can go wrong in a test client.
#[derive(Debug, thiserror::Error)]
pub enum TestError {
    /// The server refused the upgrade with an HTTP error.
    #[error("upgrade refused with HTTP {status}: {body}")]
    Refused {
        /// The HTTP status.
        status: u16,
        /// The response body.
        body: String,
    },
    /// The WebSocket failed.
    #[error("websocket error: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
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

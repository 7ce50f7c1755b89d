//! What a client call can fail with.

use std::time::Duration;

use crate::error::ChannelError;

/// Why a client call or subscription failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The server refused it: its code, message and details (docs/PROTOCOL.md section 5).
    #[error("the server refused `{action}`: {error}")]
    Server {
        /// The action or topic.
        action: String,
        /// The server's error.
        error: ChannelError,
    },
    /// No reply within the call timeout.
    #[error("no reply within {0:?}")]
    Timeout(Duration),
    /// The connection dropped while the call was in flight: it may or may not have run.
    #[error("the connection dropped before the reply")]
    Disconnected,
    /// The client is closed.
    #[error("the client is closed")]
    Closed,
    /// The first connection could not be made.
    #[error("cannot connect to {url}: {reason}")]
    Connect {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// The input could not be encoded (or, in flat mode, is not a JSON object).
    #[error("cannot encode the input: {0}")]
    Encode(String),
    /// The reply does not decode into the action's output type.
    #[error("the reply to `{action}` does not decode: {reason}")]
    Decode {
        /// The action.
        action: String,
        /// Why.
        reason: String,
    },
}

impl ClientError {
    /// The server's error code, when the server refused.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Server { error, .. } => Some(error.code()),
            _ => None,
        }
    }
}

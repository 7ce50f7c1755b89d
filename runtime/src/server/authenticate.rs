//! The connect-time authenticate hook: it sees the upgrade request and may set the session or
//! refuse the connection with a close code.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;

use crate::session::SessionValue;

/// The HTTP upgrade request, as the authenticate hook sees it.
#[derive(Debug)]
pub struct UpgradeRequest {
    /// The channel the request opens.
    pub channel: &'static str,
    /// The request's head: method, URI, headers, and the extensions that layers in front of
    /// the server inserted (e.g. an axum auth layer's user, with the `axum` feature).
    pub head: http::request::Parts,
    /// The peer's address.
    pub remote_addr: SocketAddr,
}

/// A refused connection: closed right after the upgrade with `code` (4000-4999) and `reason`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("connection refused ({code}): {reason}")]
pub struct ConnectRefusal {
    code: u16,
    reason: String,
}

impl ConnectRefusal {
    /// Refuses with close code 4001.
    pub fn unauthorized(reason: impl Into<String>) -> Self {
        Self { code: crate::close_code::UNAUTHORIZED, reason: reason.into() }
    }

    /// Refuses with an application close code; codes outside 4000-4999 become 4001.
    pub fn with_code(code: u16, reason: impl Into<String>) -> Self {
        let code = if (4000..=4999).contains(&code) { code } else { crate::close_code::UNAUTHORIZED };
        Self { code, reason: reason.into() }
    }

    pub(crate) fn into_parts(self) -> (u16, String) {
        (self.code, self.reason)
    }
}

pub(crate) type AuthFuture = Pin<Box<dyn Future<Output = Result<Option<SessionValue>, ConnectRefusal>> + Send>>;
pub(crate) type AuthHook = Arc<dyn Fn(UpgradeRequest) -> AuthFuture + Send + Sync>;

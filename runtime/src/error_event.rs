//! What a channel's `on_error` hook sees.

use crate::connection_id::ConnectionId;
use crate::error::ChannelError;

/// One error on a connection: an error sent to the client, or a transport error.
#[derive(Debug)]
pub struct ErrorEvent<'a> {
    /// The channel's name.
    pub channel: &'static str,
    /// The connection.
    pub connection_id: &'a ConnectionId,
    /// The action, when the error belongs to a call.
    pub action: Option<&'a str>,
    /// What went wrong.
    pub kind: ErrorKind<'a>,
}

/// The two kinds of errors `on_error` sees.
#[derive(Debug)]
pub enum ErrorKind<'a> {
    /// An error frame sent to the client.
    Sent(&'a ChannelError),
    /// The socket failed (protocol violation, I/O error, oversized message).
    Transport(&'a (dyn std::error::Error + Send + Sync)),
}

/// A channel's error hook.
pub(crate) type ErrorHook = std::sync::Arc<dyn Fn(&ErrorEvent<'_>) + Send + Sync>;

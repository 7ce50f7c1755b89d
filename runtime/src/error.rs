//! Errors sent to clients ([`ChannelError`]) and errors of the server itself ([`ServeError`]).

use std::borrow::Cow;

use serde::Serialize;
use serde_json::Value;

/// Error codes that the protocol defines (PROTOCOL.md, section 5). Applications may use their own.
pub mod codes {
    /// The frame is not a JSON object.
    pub const INVALID_JSON: &str = "invalid_json";
    /// No routing key, or a value that is not wired, and no `on_message` fallback.
    pub const UNKNOWN_ACTION: &str = "unknown_action";
    /// The input does not deserialize or validate.
    pub const INVALID_INPUT: &str = "invalid_input";
    /// The action needs a session and the connection has none.
    pub const UNAUTHORIZED: &str = "unauthorized";
    /// A permission check refused.
    pub const FORBIDDEN: &str = "forbidden";
    /// The connection exceeded its message rate.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// The handler failed unexpectedly; the message leaks nothing.
    pub const INTERNAL: &str = "internal";
    /// A subscription would take the connection over its topic limit
    /// ([`crate::ServerConfig::max_topics_per_connection`]).
    pub const TOO_MANY_TOPICS: &str = "too_many_topics";
    /// A subscribe or unsubscribe frame names no topic the channel declares.
    pub const UNKNOWN_TOPIC: &str = "unknown_topic";
    /// A subscription to a topic with history needs the broker (Redis), which is unreachable:
    /// subscribe again shortly.
    pub const UNAVAILABLE: &str = "unavailable";
    /// The action needs a session and the connection's session has expired: authenticate again.
    pub const SESSION_EXPIRED: &str = "session_expired";
    /// The path matches no channel (HTTP 404 body).
    pub const NOT_FOUND: &str = "not_found";
    /// The opening data does not deserialize (HTTP 400 body).
    pub const INVALID_OPENING_DATA: &str = "invalid_opening_data";
}

/// An error sent to a client: a code, a human-readable message and optional details.
///
/// Handlers return it (or any error that converts into it) to refuse a call; the connection stays
/// open. Serialized as `{"code":...,"message":...,"details":...}`.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct ChannelError {
    code: Cow<'static, str>,
    message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    details: Option<Value>,
}

impl ChannelError {
    /// An error with an application-defined code.
    pub fn new(code: impl Into<Cow<'static, str>>, message: impl Into<String>) -> Self {
        Self { code: code.into(), message: message.into(), details: None }
    }

    /// Attaches machine-readable details.
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// `invalid_input` naming the offending field path and the reason.
    pub fn invalid_input(path: &str, reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Self::new(codes::INVALID_INPUT, format!("invalid input at `{path}`: {reason}"))
            .with_details(serde_json::json!({ "path": path, "reason": reason }))
    }

    /// `unauthorized`: the action needs a session.
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(codes::UNAUTHORIZED, message)
    }

    /// `session_expired`: the action needs a session and the connection's has expired; the
    /// client authenticates again on the same socket.
    pub fn session_expired() -> Self {
        Self::new(codes::SESSION_EXPIRED, "the session has expired: authenticate again")
    }

    /// `forbidden`: a permission check refused.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(codes::FORBIDDEN, message)
    }

    /// `internal`: an unexpected failure. The message sent to the client is fixed so that
    /// nothing about the server leaks; log the cause before returning it.
    pub fn internal() -> Self {
        Self::new(codes::INTERNAL, "internal error")
    }

    /// The error's code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// The error's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The error's details, if any.
    pub fn details(&self) -> Option<&Value> {
        self.details.as_ref()
    }
}

/// Errors that stop the server from serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Two channels claim the same route.
    #[error("channels `{first}` and `{second}` both serve route `{route}`")]
    DuplicateRoute {
        /// The route.
        route: String,
        /// The channel registered first.
        first: String,
        /// The channel registered second.
        second: String,
    },
    /// Two channels have the same name.
    #[error("two channels are named `{0}`; channel names must be unique")]
    DuplicateName(String),
    /// Accepting connections failed.
    #[error("accept failed: {0}")]
    Accept(#[source] std::io::Error),
}

//! Errors of the event hub's set-up ([`HubError`]).

use crate::error::ChannelError;

/// Why a hub could not be created from its configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HubError {
    /// `WIRECHAN_HUB` (or the URL given) names no hub this build knows.
    #[error("unsupported hub `{0}`: use `memory` or a `redis://host:port[/db]` URL")]
    UnsupportedHub(String),
    /// The broker's URL does not parse.
    #[error("invalid broker URL `{url}`: {reason}")]
    InvalidUrl {
        /// The URL as given, credentials masked.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The URL names a broker this build has no support for: turn on the cargo feature.
    #[error("`{url}` needs wirechan's `{feature}` feature")]
    FeatureDisabled {
        /// The URL as given, credentials masked.
        url: String,
        /// The cargo feature to turn on.
        feature: &'static str,
    },
    /// A setting read from the environment is not valid.
    #[error("invalid `{name}`: {reason}")]
    InvalidSetting {
        /// The variable's name.
        name: &'static str,
        /// What is wrong with its value.
        reason: String,
    },
    /// A broker's hub runs a background task and must be created inside a Tokio runtime.
    #[error("the Redis hub must be created inside a Tokio runtime")]
    NoRuntime,
}

impl From<HubError> for ChannelError {
    /// A hub failure inside a handler is an `internal` error for the client; the cause is logged.
    fn from(e: HubError) -> Self {
        tracing::error!(error = %e, "event hub error");
        ChannelError::internal()
    }
}

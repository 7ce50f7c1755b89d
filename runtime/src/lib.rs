//! wirechan: typed real-time WebSocket channels.
//!
//! Write plain async functions, mark them `#[channel_func]`, wire them into a channel with
//! `wire_channel!`, and serve the channels with [`App`]. See the repository's README and
//! `docs/PROTOCOL.md` for the wire protocol.
#![warn(missing_docs)]

mod action_spec;
mod channel;
mod codec;
mod connection;
mod connection_id;
mod context;
mod error;
mod error_event;
mod function;
mod hub;
mod manifest;
#[cfg(feature = "metrics")]
pub mod metrics;
#[cfg(not(feature = "metrics"))]
mod metrics;
mod middleware;
mod opening;
mod outbound;
mod route;
mod server;
mod session;
#[cfg(feature = "testing")]
pub mod testing;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

/// The fuzz target's entry point (`runtime/fuzz/`); not an API.
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod __fuzz {
    pub use crate::connection::fuzz::FuzzConnection;
}

pub use action_spec::ActionSpec;
pub use channel::Channel;
pub use connection_id::ConnectionId;
pub use context::{Ctx, close_code};
pub use error::{ChannelError, ServeError, codes};
pub use error_event::{ErrorEvent, ErrorKind};
pub use function::ChannelFuture;
pub use hub::{Delivery, Hub, HubError, HubHandle, HubHealth};
#[cfg(feature = "redis")]
pub use hub::{RedisHealth, RedisHubConfig};
pub use manifest::{ActionManifest, ChannelManifest, FunctionManifest, MANIFEST_VERSION, Manifest};
pub use middleware::{Invocation, Middleware, Next, Reply};
#[cfg(feature = "compression")]
pub use server::Compression;
pub use server::{App, ConnectRefusal, RateLimit, ServerConfig, SlowConsumer, UpgradeRequest};
#[cfg(feature = "axum")]
pub use server::{ChannelService, ShutdownHandle};
pub use session::{Session, SessionValue};
pub use wirechan_macros::{bootstrap, channel_func, wire_channel};

/// What a channel module needs: `use wirechan::prelude::*;`.
pub mod prelude {
    pub use crate::{App, ChannelError, ConnectionId, Ctx, bootstrap, channel_func, wire_channel};
    pub use schemars::JsonSchema;
    pub use serde::{Deserialize, Serialize};
}

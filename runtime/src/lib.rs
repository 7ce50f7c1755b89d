//! Typed real-time WebSocket channels: write plain async functions, wire them into a channel,
//! serve it, and generate a typed TypeScript client from the same code.
//!
//! # A channel
//!
//! A channel function is an `async fn` marked [`#[channel_func]`](channel_func). It takes its
//! input (any `Deserialize` type) and, if it needs one, a [`Ctx`] (the connection, its session,
//! the hub, the app's services), and returns its output (any `Serialize` type, or a `Result`
//! whose error converts into [`ChannelError`]). [`wire_channel!`] routes actions to functions and
//! checks the wiring at compile time:
//!
//! ```
//! use wirechan::prelude::*;
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct Add { a: i64, b: i64 }
//!
//! /// Adds two numbers.
//! #[channel_func]
//! async fn add(input: Add) -> i64 {
//!     input.a + input.b
//! }
//!
//! wire_channel! {
//!     name: "math",
//!     route: "/math",
//!     auth: false,
//!     on_message_wiring: { action: { add: add } },
//! }
//!
//! fn main() {
//!     // The generated module: the channel for an `App`, its manifest for the TypeScript generator.
//!     let channel: wirechan::Channel<()> = math::channel();
//!     assert_eq!(channel.route(), "/math");
//!     assert_eq!(math::manifest().actions[0].action, "add");
//! }
//! ```
//!
//! On the wire (docs/PROTOCOL.md), `{"action":"add","a":1,"b":2}` is answered
//! `{"action":"add","result":3}`; a client that offers the `wirechan.v1` subprotocol sends
//! `{"action":"add","id":1,"data":{"a":1,"b":2}}` and gets `{"action":"add","id":1,"data":3}`.
//!
//! # The app
//!
//! An [`App`] holds the channels, the services their functions share and the server settings
//! ([`ServerConfig`]), and serves them on one port until SIGINT or SIGTERM, then shuts down
//! gracefully: `App::new(services).channel(math::channel()).serve("127.0.0.1:3000").await`.
//!
//! # The hub
//!
//! Connections subscribe to topics; a publication reaches every subscriber, encoded once. From a
//! function, through [`Ctx::hub`]; from anywhere else (a background task), through [`App::hub`]:
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), wirechan::ChannelError> {
//! let app = wirechan::App::new(());
//! let hub = app.hub();
//! let delivery = hub.publish_untyped("news", None, &serde_json::json!({ "headline": "nobody listens yet" })).await?;
//! assert_eq!(delivery.delivered, 0);
//! # Ok(()) }
//! ```
//!
//! In one process the hub is in memory; with the `redis` feature, `Hub::redis` shares topics
//! between processes through Redis.
//!
//! # Testing
//!
//! With the `testing` feature, `wirechan::testing` serves an app on a loopback port and speaks
//! the protocol from a test, with the generated `actions::*` types.
//!
//! # Features
//!
//! | feature | what it adds |
//! |---|---|
//! | `redis` | `Hub::redis`: topics shared by several server processes through Redis |
//! | `compression` | `ServerConfig::compression`: permessage-deflate (RFC 7692) |
//! | `client` | `wirechan::client`: a typed Rust client (calls, topic subscriptions as streams, reconnects) |
//! | `testing` | `wirechan::testing`: a loopback server and a protocol client for tests (with `client`) |
//! | `metrics` | counters and histograms through the `metrics` facade |
//! | `axum` | `App::into_service`: the channels mounted in an axum `Router` |
//!
//! None is on by default: a server that uses none of them links none of their dependencies.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod action_spec;
mod channel;
#[cfg(feature = "client")]
pub mod client;
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
mod progress;
mod route;
mod server;
mod session;
#[cfg(feature = "testing")]
pub mod testing;
mod topic;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;
mod serde_facts;

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
pub use hub::{Delivery, History, Hub, HubError, HubHandle, HubHealth, Position, Publishing};
#[cfg(feature = "redis")]
pub use hub::{RedisHealth, RedisHubConfig};
pub use manifest::{
    ActionManifest, ChannelManifest, FunctionManifest, MANIFEST_VERSION, Manifest, TopicHistory, TopicManifest,
    TopicSubscribe,
};
pub use middleware::{Invocation, Middleware, Next, Reply};
pub use progress::Progress;
#[cfg(feature = "compression")]
pub use server::Compression;
pub use server::{App, ConnectRefusal, RateLimit, ServerConfig, SlowConsumer, UpgradeRequest};
#[cfg(feature = "axum")]
pub use server::{ChannelService, ShutdownHandle};
pub use session::{Session, SessionValue};
pub use topic::Topic;
pub use wirechan_macros::{Topic, bootstrap, channel_func, wire_channel};

/// What a channel module needs: `use wirechan::prelude::*;`.
pub mod prelude {
    pub use crate::{App, ChannelError, ConnectionId, Ctx, Progress, Topic, bootstrap, channel_func, wire_channel};
    pub use serde::{Deserialize, Serialize};
    /// The trait; the derive of the same name is wirechan's (below).
    pub use trait_only::*;
    /// schemars's derive, with what serde does that schemars's schemas leave out (`tag` on a
    /// struct, `alias`, `other`, `flatten` of an `Option`), so that generated clients are exact.
    pub use wirechan_macros::JsonSchema;

    mod trait_only {
        // A glob import: the explicit derive above shadows schemars's derive of the same name.
        pub use schemars::JsonSchema;
    }
    // `#[derive(JsonSchema)]` writes `schemars::...` paths: with this in scope a crate derives
    // without a `schemars` dependency of its own.
    #[doc(hidden)]
    pub use schemars;
}

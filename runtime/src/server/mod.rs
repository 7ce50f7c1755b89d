//! The server: [`App`] collects channels and services and serves them on one port.

mod app;
mod authenticate;
#[cfg(feature = "axum")]
mod axum;
#[cfg(feature = "compression")]
mod compression;
mod config;
mod http_service;
mod limits;
pub(crate) mod listener;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod memory_trim;
mod responses;
mod transport;

#[cfg(feature = "axum")]
pub use self::axum::{ChannelService, ShutdownHandle};
pub use app::App;
pub use authenticate::{ConnectRefusal, UpgradeRequest};
#[cfg(feature = "compression")]
pub use compression::Compression;
pub use config::ServerConfig;
pub(crate) use transport::{ChannelTransport, Heartbeat};
pub use transport::{RateLimit, SlowConsumer};

#[cfg(feature = "client")]
pub(crate) use http_service::ENVELOPE_PROTOCOL;

//! One WebSocket connection: a single task that reads frames, runs handlers, and writes replies
//! and queued frames with one flush per batch.

mod dispatch;
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzz;
mod guard;
mod heartbeat;
mod lifecycle;
#[cfg(feature = "compression")]
pub(crate) mod permessage_deflate;
mod rate;
mod reader;
mod shared;
mod socket;
mod spare_buffers;
mod task;
mod writer;
mod ws_socket;

pub(crate) use shared::ConnShared;
pub(crate) use socket::{Socket, SocketLimits};
pub(crate) use task::{ConnectionSettings, ConnectionSetup, run};

//! One WebSocket connection: a single task that reads frames, runs handlers, and writes replies
//! and queued frames with one flush per batch.

#[cfg(feature = "compression")]
mod deflate_socket;
mod dispatch;
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzz;
mod guard;
mod heartbeat;
mod lifecycle;
mod plain_socket;
mod rate;
mod reader;
#[cfg(feature = "compression")]
mod rsv1_check;
mod shared;
mod socket;
mod spare_buffers;
mod task;
mod writer;

pub(crate) use shared::ConnShared;
pub(crate) use socket::{PlainLimits, PlainSocket, Socket};
pub(crate) use task::{ConnectionSettings, ConnectionSetup, run};

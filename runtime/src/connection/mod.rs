//! One WebSocket connection: a single task that reads frames, runs handlers, and writes replies
//! and queued frames with one flush per batch.

#[cfg(feature = "compression")]
mod deflate_socket;
mod dispatch;
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzz;
mod rate;
#[cfg(feature = "compression")]
mod rsv1_check;
mod run;
mod shared;
mod socket;

pub(crate) use run::{ConnectionSettings, ConnectionSetup, run};
pub(crate) use shared::ConnShared;
pub(crate) use socket::Socket;

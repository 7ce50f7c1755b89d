//! What a connection is sent besides the replies to its calls: its bounded queue (`queue.rs`),
//! which the hub offers publications to and the connection's own pushes wait on, and the
//! server-wide count of the bytes such frames hold (`memory.rs`). A module of its own so that the
//! hub and the connection task both depend on it and not on each other.

mod memory;
mod publication;
mod queue;

pub(crate) use memory::{DEFAULT_MAX_OUTBOUND_MEMORY, OutboundMemory};
pub(crate) use publication::Publication;
pub(crate) use queue::{Missed, Offer, OutFrame, Outbound, OutboundReceiver, QueueLimits};

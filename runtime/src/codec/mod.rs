//! The wire format of PROTOCOL.md: parsing inbound frames and building outbound ones.

mod inbound;
mod outbound;

pub(crate) use inbound::{Inbound, RawInput};
pub(crate) use outbound::*;

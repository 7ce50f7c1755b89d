//! The wire format of PROTOCOL.md: parsing inbound frames and building outbound ones.

mod call_id;
mod envelope_frame;
mod finite;
mod flat_frame;
mod frames;
mod inbound;
mod routing_keys;

pub(crate) use call_id::canonical_id;
pub(crate) use envelope_frame::leading_envelope;
pub(crate) use flat_frame::leading_routing_key;
pub(crate) use frames::*;
pub(crate) use inbound::{Inbound, RawInput};
pub(crate) use routing_keys::RoutingKeys;

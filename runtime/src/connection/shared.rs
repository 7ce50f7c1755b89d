//! What a connection's handlers share: its id, queue, session, state and topics.

use std::any::{Any, TypeId};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use parking_lot::Mutex;

use super::outbound::Outbound;
use crate::channel_id::ChannelId;
use crate::hub::Hub;
use crate::session::SessionValue;

/// Per-connection state keyed by type, so each handler reads the type it wrote.
pub(crate) type StateMap = HashMap<TypeId, Box<dyn Any + Send>>;

pub(crate) struct ConnShared {
    pub(crate) id: ChannelId,
    pub(crate) channel: &'static str,
    pub(crate) envelope: bool,
    pub(crate) out: Outbound,
    pub(crate) hub: Hub,
    pub(crate) session: Mutex<Option<SessionValue>>,
    pub(crate) state: Mutex<Option<Box<StateMap>>>,
    /// The topics subscribed to besides the channel's implicit one: a set, so that each
    /// subscription costs the same however many are held.
    pub(crate) topics: Mutex<HashSet<Arc<str>>>,
    /// How many `topics` may hold ([`crate::ServerConfig::max_topics_per_connection`]).
    pub(crate) max_topics: usize,
}

impl ConnShared {
    /// Leaves every topic; called once when the connection ends, whatever the reason.
    pub(crate) fn leave_all_topics(&self) {
        let topics = std::mem::take(&mut *self.topics.lock());
        for topic in topics {
            self.hub.local().unsubscribe(&topic, &self.id);
        }
        self.hub.local().unsubscribe(&self.hub.channel_topic(self.channel), &self.id);
    }
}

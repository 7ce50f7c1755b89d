//! What a connection's handlers share: its membership in the hub (id, channel, queue, topics),
//! its session and its state.

use std::any::{Any, TypeId};
use std::collections::HashMap;

use parking_lot::Mutex;

use crate::connection_id::ConnectionId;
use crate::hub::{Hub, Subscriber};
use crate::session::SessionValue;

/// Per-connection state keyed by type, so each handler reads the type it wrote.
pub(crate) type StateMap = HashMap<TypeId, Box<dyn Any + Send>>;

pub(crate) struct ConnShared {
    pub(crate) subscriber: Subscriber,
    pub(crate) envelope: bool,
    pub(crate) hub: Hub,
    pub(crate) session: Mutex<Option<SessionValue>>,
    pub(crate) state: Mutex<Option<Box<StateMap>>>,
}

impl ConnShared {
    pub(crate) fn id(&self) -> &ConnectionId {
        &self.subscriber.id
    }

    pub(crate) fn channel(&self) -> &'static str {
        self.subscriber.channel
    }

    /// Leaves every topic; called once when the connection ends, whatever the reason.
    pub(crate) fn leave_all_topics(&self) {
        self.subscriber.leave_all(&self.hub);
    }
}

//! Topics whose local interest changed (first subscriber came, last one left), for the broker
//! to mirror as SUBSCRIBE/UNSUBSCRIBE. A set, not a log: its size is bounded by the number of
//! topics, however fast connections come and go, and the broker reads the current state of each
//! topic when it gets to it, so a join followed by a leave costs nothing.

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::Notify;

#[derive(Default)]
pub(crate) struct InterestLog {
    changed: Mutex<HashSet<Arc<str>>>,
    notify: Notify,
}

// Read by a broker (`hub/redis/`): without one, only marked.
#[cfg_attr(not(feature = "redis"), allow(dead_code))]
impl InterestLog {
    pub(crate) fn mark(&self, topic: &Arc<str>) {
        self.changed.lock().insert(topic.clone());
        self.notify.notify_one();
    }

    pub(crate) fn mark_str(&self, topic: &str) {
        self.changed.lock().insert(topic.into());
        self.notify.notify_one();
    }

    /// Everything marked since the last call.
    pub(crate) fn take(&self) -> HashSet<Arc<str>> {
        std::mem::take(&mut *self.changed.lock())
    }

    /// Waits until something is marked (returns at once if something was marked since the last
    /// wait, thanks to `Notify`'s stored permit).
    pub(crate) async fn changed(&self) {
        self.notify.notified().await;
    }
}

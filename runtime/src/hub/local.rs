//! The subscribers of this process, by topic. Sharded so that publishers on different topics
//! never contend; a publication holds a shard's read lock only while it offers the shared frame
//! to each queue, which never waits. With a broker, the first subscriber of a topic and the
//! departure of its last one are marked in an [`InterestLog`] for the broker to mirror.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::Arc;

use parking_lot::RwLock;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::interest::InterestLog;
use crate::connection_id::ConnectionId;
use crate::outbound::{Offer, OutFrame, Outbound};

const SHARDS: usize = 16;

type Subscribers = HashMap<ConnectionId, Outbound>;
type Shard = RwLock<HashMap<Arc<str>, Subscribers>>;

/// How one publication went on this node.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Subscribers whose queue took the frame.
    pub delivered: usize,
    /// Subscribers whose queue was full: the frame was dropped for them.
    pub dropped: usize,
}

pub(crate) struct LocalHub {
    shards: Box<[Shard]>,
    hasher: std::collections::hash_map::RandomState,
    interest: Option<Arc<InterestLog>>,
}

impl LocalHub {
    pub(crate) fn new(interest: Option<Arc<InterestLog>>) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            hasher: Default::default(),
            interest,
        }
    }

    fn shard(&self, topic: &str) -> &Shard {
        &self.shards[(self.hasher.hash_one(topic) as usize) % SHARDS]
    }

    /// Adds a subscriber; `false` if it was already subscribed.
    pub(crate) fn subscribe(&self, topic: &Arc<str>, id: &ConnectionId, out: &Outbound) -> bool {
        let mut shard = self.shard(topic).write();
        let subs = shard.entry(topic.clone()).or_default();
        let first = subs.is_empty();
        let added = subs.insert(id.clone(), out.clone()).is_none();
        drop(shard);
        if first && let Some(interest) = &self.interest {
            interest.mark(topic);
        }
        added
    }

    /// Removes a subscriber; drops the topic when it was the last one.
    pub(crate) fn unsubscribe(&self, topic: &str, id: &ConnectionId) -> bool {
        let mut shard = self.shard(topic).write();
        let Some(subs) = shard.get_mut(topic) else { return false };
        let removed = subs.remove(id).is_some();
        let last = subs.is_empty();
        if last {
            shard.remove(topic);
        }
        drop(shard);
        if last && let Some(interest) = &self.interest {
            interest.mark_str(topic);
        }
        removed
    }

    pub(crate) fn subscriber_count(&self, topic: &str) -> usize {
        self.shard(topic).read().get(topic).map_or(0, HashMap::len)
    }

    /// Every topic with at least one subscriber on this node (for a broker to subscribe to).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn topics(&self) -> Vec<Arc<str>> {
        self.shards.iter().flat_map(|shard| shard.read().keys().cloned().collect::<Vec<_>>()).collect()
    }

    /// Offers one encoded frame to every subscriber of `topic` but `exclude`.
    pub(crate) fn fan_out(&self, topic: &str, exclude: Option<&ConnectionId>, frame: &Utf8Bytes) -> Delivery {
        let mut report = Delivery::default();
        let shard = self.shard(topic).read();
        let Some(subs) = shard.get(topic) else { return report };
        for (id, out) in subs {
            if exclude == Some(id) {
                continue;
            }
            match out.offer(OutFrame::Text(frame.clone())) {
                Offer::Queued => report.delivered += 1,
                Offer::Dropped => {
                    report.dropped += 1;
                    tracing::debug!(connection_id = %id, topic, "outbound queue full: publication dropped");
                }
                Offer::Closed => {}
            }
        }
        report
    }
}

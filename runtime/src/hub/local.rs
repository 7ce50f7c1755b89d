//! The subscribers of this process, by topic, and the histories of topics declared with one.
//! Sharded so that publishers on different topics never contend; a publication holds a shard's
//! read lock only while it offers the shared frame to each queue, which never waits. With a
//! broker, the first subscriber of a topic and the departure of its last one are marked in an
//! [`InterestLog`] for the broker to mirror.
//!
//! A topic's history and its subscribers are changed under one lock, so that a subscription's
//! replay and the live publications after it meet with no gap and no duplicate: a publication is
//! recorded and offered to the subscribers in one step, and a subscription reads what it missed
//! and joins in one step.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::history::{History, Replay, Resume, TopicStream};
use super::interest::InterestLog;
use crate::connection_id::ConnectionId;
use crate::outbound::{Offer, OutFrame, Outbound, Publication};

const SHARDS: usize = 16;
/// Publications with history between two sweeps of a shard for idle histories.
const SWEEP_EVERY: u32 = 256;

pub(super) type Subscribers = HashMap<ConnectionId, Outbound>;
pub(super) type Shard = RwLock<HashMap<Arc<str>, TopicEntry>>;

/// A topic of this node: its subscribers, and its history when it was declared with one.
#[derive(Default)]
pub(super) struct TopicEntry {
    pub(super) subscribers: Subscribers,
    pub(super) stream: Option<Box<Mutex<TopicStream>>>,
    /// Subscriptions reading the topic's history from the broker before they join: the topic
    /// is wanted from the broker meanwhile.
    pub(super) pending: usize,
    /// The subscribers that subscribed themselves (a subscription frame) and so follow
    /// positions: a publication that excludes one gives it its position alone.
    pub(super) trackers: HashSet<ConnectionId>,
}

/// How one publication went on this node.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Delivery {
    /// Subscribers whose queue took the frame.
    pub delivered: usize,
    /// Subscribers whose queue was full: the frame was dropped for them.
    pub dropped: usize,
}

pub(crate) struct LocalHub {
    pub(super) shards: Box<[Shard]>,
    hasher: std::collections::hash_map::RandomState,
    pub(super) interest: Option<Arc<InterestLog>>,
    /// Publications with history since the start: which shard to sweep next, and when.
    recorded: std::sync::atomic::AtomicU32,
}

impl LocalHub {
    pub(crate) fn new(interest: Option<Arc<InterestLog>>) -> Self {
        Self {
            shards: (0..SHARDS).map(|_| RwLock::new(HashMap::new())).collect(),
            hasher: Default::default(),
            interest,
            recorded: Default::default(),
        }
    }

    pub(super) fn shard(&self, topic: &str) -> &Shard {
        &self.shards[(self.hasher.hash_one(topic) as usize) % SHARDS]
    }

    /// Adds a subscriber; `false` if it was already subscribed.
    pub(crate) fn subscribe(&self, topic: &Arc<str>, id: &ConnectionId, out: &Outbound) -> bool {
        let mut shard = self.shard(topic).write();
        let subs = &mut shard.entry(topic.clone()).or_default().subscribers;
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
        let Some(entry) = shard.get_mut(topic) else { return false };
        let removed = entry.subscribers.remove(id).is_some();
        entry.trackers.remove(id);
        let last = !entry.is_wanted();
        // A history outlives its subscribers until it is idle (`sweep`).
        if last && entry.stream.as_mut().is_none_or(|s| s.get_mut().is_idle(std::time::Instant::now())) {
            shard.remove(topic);
        } else if last
            && self.interest.is_some()
            && let Some(stream) = &mut entry.stream
        {
            // A mirror of Redis's history (the broker stops following the topic): what it misses
            // from now on is no news to whoever subscribes next.
            stream.get_mut().detach();
        }
        drop(shard);
        if last && let Some(interest) = &self.interest {
            interest.mark_str(topic);
        }
        removed
    }

    pub(crate) fn subscriber_count(&self, topic: &str) -> usize {
        self.shard(topic).read().get(topic).map_or(0, |e| e.subscribers.len())
    }

    /// Every topic with at least one subscriber on this node (for a broker to subscribe to).
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn topics(&self) -> Vec<Arc<str>> {
        let with_subscribers = |shard: &Shard| {
            shard.read().iter().filter(|(_, e)| e.is_wanted()).map(|(t, _)| t.clone()).collect::<Vec<_>>()
        };
        self.shards.iter().flat_map(with_subscribers).collect()
    }

    /// Offers one encoded frame to every subscriber of `topic` but `exclude`.
    pub(crate) fn fan_out(&self, topic: &str, exclude: Option<&ConnectionId>, frame: &Utf8Bytes) -> Delivery {
        let shard = self.shard(topic).read();
        let Some(entry) = shard.get(topic) else { return Delivery::default() };
        offer_all(topic, &entry.subscribers, exclude, frame)
    }

    /// Records a publication in `topic`'s history (made with `policy` if it has none yet) and
    /// offers it to the topic's subscribers, in one step: `frame` builds its text for its
    /// position, and `charge` makes the frame the subscribers share.
    pub(crate) fn publish_recorded(
        &self,
        topic: &str,
        policy: History,
        exclude: Option<&ConnectionId>,
        frame: impl FnOnce(u64, &str) -> String,
        charge: impl FnOnce(String) -> Utf8Bytes,
    ) -> Delivery {
        self.maybe_sweep();
        let shard = self.shard(topic).read();
        if let Some(entry) = shard.get(topic)
            && let Some(stream) = &entry.stream
        {
            let mut stream = stream.lock();
            let text = stream.append(exclude, frame);
            return offer_positioned(topic, entry, exclude, &charge(text), (stream.top(), stream.epoch()));
        }
        drop(shard);
        let mut shard = self.shard(topic).write();
        let entry = shard.entry(topic.into()).or_default();
        let stream = entry.stream.get_or_insert_with(|| Box::new(Mutex::new(new_stream(policy)))).get_mut();
        let text = stream.append(exclude, frame);
        let (top, epoch) = (stream.top(), stream.epoch().clone());
        offer_positioned(topic, entry, exclude, &charge(text), (top, &epoch))
    }

    /// Joins `topic` with recovery: what the subscriber missed (or its `recent` publications) is
    /// offered to its queue, then it joins, in one step with respect to publications. Also for a
    /// subscriber that holds the topic already, which is how a client fills a gap.
    pub(crate) fn subscribe_recovering(
        &self,
        topic: &Arc<str>,
        policy: History,
        resume: &Resume,
        id: &ConnectionId,
        out: &Outbound,
    ) -> Replay {
        let mut shard = self.shard(topic).write();
        let entry = shard.entry(topic.clone()).or_default();
        let stream = entry.stream.get_or_insert_with(|| Box::new(Mutex::new(new_stream(policy))));
        let replay = stream.get_mut().replay(resume, topic, id);
        let first = entry.join_replayed(topic, &replay, id, out);
        drop(shard);
        if first && let Some(interest) = &self.interest {
            interest.mark(topic);
        }
        replay
    }

    /// Every so many publications with history, drops the idle histories of one shard that
    /// nobody holds: their memory is bounded by the work of publishing them.
    fn maybe_sweep(&self) {
        let n = self.recorded.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if !n.is_multiple_of(SWEEP_EVERY) {
            return;
        }
        let now = std::time::Instant::now();
        let shard = &self.shards[(n / SWEEP_EVERY) as usize % SHARDS];
        shard.write().retain(|_, e| e.is_wanted() || e.stream.as_mut().is_some_and(|s| !s.get_mut().is_idle(now)));
    }
}

impl TopicEntry {
    pub(super) fn is_wanted(&self) -> bool {
        !self.subscribers.is_empty() || self.pending > 0
    }

    /// Queues a subscription's replay, then joins it as a subscriber that follows positions;
    /// `true` if it is the topic's first subscriber here.
    pub(super) fn join_replayed(&mut self, topic: &str, replay: &Replay, id: &ConnectionId, out: &Outbound) -> bool {
        offer_replay(topic, replay, id, out);
        let first = self.subscribers.is_empty();
        self.subscribers.insert(id.clone(), out.clone());
        self.trackers.insert(id.clone());
        first
    }
}

fn new_stream(policy: History) -> TopicStream {
    TopicStream::new(policy, super::history::random_hex().into(), 0)
}

/// A publication with history to every subscriber; the one it excludes gets its position alone
/// if it follows positions. To those that follow positions, a publication dropped for a full
/// queue is announced once the queue drains (`Outbound::offer_tracked`).
pub(super) fn offer_positioned(
    topic: &str,
    entry: &TopicEntry,
    exclude: Option<&ConnectionId>,
    frame: &Utf8Bytes,
    (offset, epoch): (u64, &str),
) -> Delivery {
    if entry.trackers.is_empty() {
        return offer_all(topic, &entry.subscribers, exclude, frame);
    }
    let missed = Missed::new(topic, offset, epoch);
    let mut report = Delivery::default();
    let publication = Publication::shared(frame);
    for (id, out) in &entry.subscribers {
        let tracked = entry.trackers.contains(id);
        let offer = match (exclude == Some(id), tracked) {
            (true, false) => continue,
            (true, true) => {
                let position = Utf8Bytes::from(crate::codec::position_only(topic, offset, epoch));
                out.offer_tracked(OutFrame::Text(position), Some(&|| missed.notice()));
                continue;
            }
            (false, true) => out.offer_tracked(OutFrame::Publication(publication.clone()), Some(&|| missed.notice())),
            (false, false) => out.offer(OutFrame::Publication(publication.clone())),
        };
        count(&mut report, offer, id, topic);
    }
    report
}

/// The notice of a missed publication, made once for all the subscribers that may need it.
struct Missed<'a> {
    topic: &'a str,
    offset: u64,
    epoch: &'a str,
    made: std::cell::OnceCell<(Arc<str>, Utf8Bytes)>,
}

impl<'a> Missed<'a> {
    fn new(topic: &'a str, offset: u64, epoch: &'a str) -> Self {
        Self { topic, offset, epoch, made: std::cell::OnceCell::new() }
    }

    fn notice(&self) -> crate::outbound::Missed {
        let (topic, frame) = self.made.get_or_init(|| {
            (self.topic.into(), Utf8Bytes::from(crate::codec::missed(self.topic, self.offset, self.epoch)))
        });
        Box::new((topic.clone(), frame.clone()))
    }
}

/// Queues a subscription's replay, before it joins. A replayed publication dropped for a full
/// queue is announced like a live one.
fn offer_replay(topic: &str, replay: &Replay, id: &ConnectionId, out: &Outbound) {
    let last = replay.start.offset + replay.frames.len() as u64;
    let missed = Missed::new(topic, last, &replay.start.epoch);
    for frame in &replay.frames {
        if let Offer::Dropped = out.offer_tracked(OutFrame::Text(frame.clone()), Some(&|| missed.notice())) {
            tracing::debug!(connection_id = %id, topic, "outbound queue full: replayed publication dropped");
        }
    }
}

/// Offers one encoded frame to every subscriber but `exclude`.
fn offer_all(topic: &str, subs: &Subscribers, exclude: Option<&ConnectionId>, frame: &Utf8Bytes) -> Delivery {
    let mut report = Delivery::default();
    let publication = Publication::shared(frame);
    for (id, out) in subs {
        if exclude == Some(id) {
            continue;
        }
        count(&mut report, out.offer(OutFrame::Publication(publication.clone())), id, topic);
    }
    report
}

fn count(report: &mut Delivery, offer: Offer, id: &ConnectionId, topic: &str) {
    match offer {
        Offer::Queued => report.delivered += 1,
        Offer::Dropped => {
            report.dropped += 1;
            tracing::debug!(connection_id = %id, topic, "outbound queue full: publication dropped");
        }
        Offer::Closed => {}
    }
}

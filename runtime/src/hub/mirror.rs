//! This node's mirror of the topic histories that Redis keeps (feature `redis`): for each topic
//! with history that it has subscribers to, the publications it received, in offset order, so
//! that a subscription is answered from here as in memory, and what is missing (a gap in the
//! offsets, a link that was down) is read from Redis before what follows it.

use std::sync::Arc;
use std::time::Instant;

use parking_lot::Mutex;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::Delivery;
use super::history::{History, Replay, Resume, TopicStream};
use super::local::{LocalHub, TopicEntry, offer_positioned};
use crate::connection_id::ConnectionId;
use crate::outbound::Outbound;

impl LocalHub {
    /// Whether this node needs the broker's publications of `topic`.
    pub(crate) fn is_wanted(&self, topic: &str) -> bool {
        self.shard(topic).read().get(topic).is_some_and(TopicEntry::is_wanted)
    }

    /// A publication with its position from Redis, for this node's mirror of the topic's history
    /// and its subscribers, in one step. `Err` when it does not follow what the mirror holds: the
    /// caller reads what is missing from Redis first (`Missing`).
    pub(crate) fn deliver_positioned(
        &self,
        topic: &str,
        position: (u64, &str),
        policy: History,
        exclude: Option<&ConnectionId>,
        frame: &Utf8Bytes,
        at: Instant,
    ) -> Result<Delivery, Missing> {
        let (offset, epoch) = position;
        let shard = self.shard(topic).read();
        let Some(entry) = shard.get(topic) else { return Ok(Delivery::default()) };
        let Some(stream) = &entry.stream else {
            drop(shard);
            // Mirrored from here on: what came before is read from Redis when a subscription needs it.
            let mut shard = self.shard(topic).write();
            let Some(entry) = shard.get_mut(topic) else { return Ok(Delivery::default()) };
            entry
                .stream
                .get_or_insert_with(|| Box::new(Mutex::new(TopicStream::new(policy, epoch.into(), offset - 1))));
            let entry = &*entry;
            let Some(stream) = &entry.stream else { return Ok(Delivery::default()) };
            return mirror(topic, entry, &mut stream.lock(), position, exclude, frame, at);
        };
        let mut stream = stream.lock();
        mirror(topic, entry, &mut stream, position, exclude, frame, at)
    }

    /// Every mirrored topic with subscribers here, with the position it is at: what a node reads
    /// from Redis after its link was down.
    pub(crate) fn mirrors(&self) -> Vec<(Arc<str>, History, String, u64)> {
        let mut out = Vec::new();
        for shard in &self.shards {
            for (topic, entry) in shard.read().iter() {
                if let (false, Some(stream)) = (entry.subscribers.is_empty(), &entry.stream) {
                    let stream = stream.lock();
                    if stream.is_detached() {
                        continue;
                    }
                    out.push((topic.clone(), stream.policy(), stream.epoch().to_string(), stream.top()));
                }
            }
        }
        out
    }

    /// Answers a subscription from the mirror if it can (`None` if what it asks for may be in
    /// Redis only): the replay is queued and the subscriber joins, in one step. `read_whole`:
    /// the mirror was just filled with all Redis keeps, so its answer is Redis's.
    pub(crate) fn subscribe_from_mirror(
        &self,
        topic: &Arc<str>,
        resume: &Resume,
        read_whole: bool,
        id: &ConnectionId,
        out: &Outbound,
    ) -> Option<Replay> {
        let mut shard = self.shard(topic).write();
        let entry = shard.get_mut(topic)?;
        let stream = entry.stream.as_mut()?.get_mut();
        if stream.is_detached() && !read_whole {
            return None;
        }
        let answers = match (&resume.since, resume.recent) {
            (Some(since), _) if stream.can_recover(since) => true,
            // Redis may have it even so: the mirror may be behind, or hold less.
            (Some(_), _) => read_whole,
            (None, Some(recent)) => read_whole || stream.is_complete() || stream.len() >= recent as usize,
            (None, None) => true,
        };
        if !answers {
            return None;
        }
        let replay = stream.replay(resume, topic, id);
        let first = entry.join_replayed(topic, &replay, id, out);
        drop(shard);
        if first && let Some(interest) = &self.interest {
            interest.mark(topic);
        }
        Some(replay)
    }

    /// Fills the mirror of `topic` with what Redis keeps of it (`top` in `epoch`, `entries` in
    /// order): what the mirror has already is kept, what it lacks is put before it.
    /// `full`: `entries` are all that Redis keeps, so the mirror holds all of it after this.
    pub(crate) fn backfill(
        &self,
        topic: &Arc<str>,
        policy: History,
        epoch: &str,
        top: u64,
        entries: Vec<Backfilled>,
        full: bool,
    ) {
        let mut shard = self.shard(topic).write();
        let entry = shard.entry(topic.clone()).or_default();
        let first = entries.first().map_or(top + 1, |e| e.offset);
        entry.stream.get_or_insert_with(|| Box::new(Mutex::new(TopicStream::new(policy, epoch.into(), first - 1))));
        let entry = &*entry;
        let Some(stream) = &entry.stream else { return };
        let mut stream = stream.lock();
        // A detached mirror was not followed: what Redis has is no news to its subscribers, who
        // joined since.
        let detached = stream.is_detached();
        if detached || **stream.epoch() != *epoch || stream.top() + 1 < first {
            // Redis no longer has what follows the mirror: it starts over at what Redis has.
            stream.restart(epoch, first - 1);
        }
        let (older, newer): (Vec<_>, Vec<_>) = entries.into_iter().partition(|e| e.offset < stream.oldest());
        stream.prepend(older.into_iter().map(|e| (e.offset, e.at, e.excluded, e.frame)));
        for e in newer {
            if detached {
                stream.record(e.offset, e.excluded.as_ref(), e.frame, e.at);
            } else {
                // Not yet delivered here (Redis is ahead of this node's link): delivered now, in order.
                let _ = mirror(topic, entry, &mut stream, (e.offset, epoch), e.excluded.as_ref(), &e.frame, e.at);
            }
        }
        if stream.top() < top {
            // Published and not readable (trimmed between the reads): a jump, seen as one.
            stream.restart(epoch, top);
        }
        if full {
            stream.set_complete();
        }
        stream.attach();
    }

    /// Keeps `topic` wanted from the broker while a subscription reads its history, before the
    /// subscriber joins (`unwant` after).
    pub(crate) fn want(&self, topic: &Arc<str>) {
        let mut shard = self.shard(topic).write();
        let entry = shard.entry(topic.clone()).or_default();
        entry.pending += 1;
        let first = entry.pending == 1 && entry.subscribers.is_empty();
        drop(shard);
        if first && let Some(interest) = &self.interest {
            interest.mark(topic);
        }
    }

    /// Gives back what [`LocalHub::want`] took; with nobody left, the broker stops following the
    /// topic and its mirror is detached (as when a last subscriber leaves).
    pub(crate) fn unwant(&self, topic: &Arc<str>) {
        let mut shard = self.shard(topic).write();
        let Some(entry) = shard.get_mut(&**topic) else { return };
        entry.pending = entry.pending.saturating_sub(1);
        let last = entry.pending == 0 && entry.subscribers.is_empty();
        if last && let Some(stream) = &mut entry.stream {
            stream.get_mut().detach();
        }
        drop(shard);
        if last && let Some(interest) = &self.interest {
            interest.mark(topic);
        }
    }
}

/// Records a publication from Redis in a mirror and delivers it, if it is the next one.
fn mirror(
    topic: &str,
    entry: &TopicEntry,
    stream: &mut TopicStream,
    (offset, epoch): (u64, &str),
    exclude: Option<&ConnectionId>,
    frame: &Utf8Bytes,
    at: Instant,
) -> Result<Delivery, Missing> {
    if stream.is_detached() {
        // Not followed until now: what came before is no news to subscribers that joined since.
        stream.restart(epoch, offset - 1);
    }
    if **stream.epoch() != *epoch {
        return Err(Missing { epoch_changed: true, epoch: stream.epoch().to_string(), after: 0 });
    }
    if offset <= stream.top() {
        // Read from Redis already, when a gap was filled.
        return Ok(Delivery::default());
    }
    if offset > stream.top() + 1 {
        return Err(Missing { epoch_changed: false, epoch: stream.epoch().to_string(), after: stream.top() });
    }
    stream.record(offset, exclude, frame.clone(), at);
    Ok(offer_positioned(topic, entry, exclude, frame, (offset, epoch)))
}

/// What a mirror lacks before a publication from Redis: the offsets after `after` of `epoch`
/// (the mirror's), or, when the epoch changed, the new epoch's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Missing {
    pub(crate) epoch_changed: bool,
    pub(crate) epoch: String,
    pub(crate) after: u64,
}

/// One publication read back from Redis.
pub(crate) struct Backfilled {
    pub(crate) offset: u64,
    pub(crate) at: Instant,
    pub(crate) excluded: Option<ConnectionId>,
    pub(crate) frame: Utf8Bytes,
}

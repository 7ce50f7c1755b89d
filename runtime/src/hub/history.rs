//! Topic histories: the last publications of a topic declared with `history`, each with its
//! [`Position`], and the decision a subscription with `since`/`recent` gets (docs/PROTOCOL.md,
//! "Topics with history"). With the in-memory hub a [`TopicStream`] is the history itself; with
//! Redis it mirrors the topic's stream in Redis for the topics this node has subscribers to.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::connection_id::ConnectionId;

/// What a topic keeps of its publications: at most `size`, none older than `ttl`. Declared in a
/// channel's `topics` (`history: { size: 100, ttl: "5m" }`), read from [`crate::Topic::HISTORY`].
///
/// ```
/// use std::time::Duration;
/// let history = wirechan::History::new(100, Duration::from_secs(300));
/// assert_eq!((history.size(), history.ttl()), (100, Duration::from_secs(300)));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct History {
    size: usize,
    ttl: Duration,
}

impl History {
    /// A history of at most `size` publications (at least 1), each kept at most `ttl`.
    pub const fn new(size: u64, ttl: Duration) -> Self {
        let size = if size == 0 { 1 } else { size as usize };
        Self { size, ttl }
    }

    /// The most publications kept.
    pub const fn size(&self) -> usize {
        self.size
    }

    /// How long a publication is kept.
    pub const fn ttl(&self) -> Duration {
        self.ttl
    }
}

/// Where a publication stands in its topic: its `offset` (1 for the first publication of an
/// epoch, then one more per publication) in its `epoch` (one unbroken history of the topic).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Position {
    /// The history this position belongs to; it changes whenever the topic's history is lost.
    pub epoch: String,
    /// The publication's number in its epoch.
    pub offset: u64,
}

/// The recovery members of a subscription frame, beside the topic's parameters.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Resume {
    /// The position of the last publication the client saw.
    #[serde(default)]
    pub(crate) since: Option<Position>,
    /// How many of the last publications to send when nothing is recovered.
    #[serde(default)]
    pub(crate) recent: Option<u32>,
}

/// What a subscription of a topic with history gets: the frames replayed before its answer and
/// the start position its answer carries.
#[derive(Debug)]
pub(crate) struct Replay {
    pub(crate) frames: Vec<Utf8Bytes>,
    pub(crate) start: Position,
    /// `Some` when the subscription gave `since`.
    pub(crate) recovered: Option<bool>,
}

/// A random 64-bit value in hex: an epoch, or a node's id.
pub(crate) fn random_hex() -> String {
    use std::hash::BuildHasher;
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    let seed = (nanos, std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    format!("{:016x}", std::collections::hash_map::RandomState::new().hash_one(seed))
}

struct Entry {
    offset: u64,
    at: Instant,
    /// The connection the publication excluded: a replay to it gives the position alone.
    excluded: Option<ConnectionId>,
    /// The publication frame, with its position, as subscribers get it. Not charged to the
    /// outbound memory: a history is bounded by its own declaration.
    frame: Utf8Bytes,
}

/// One topic's history.
pub(crate) struct TopicStream {
    policy: History,
    epoch: Arc<str>,
    /// The offset of the last publication (0 before the first).
    top: u64,
    entries: VecDeque<Entry>,
    /// When the last publication was recorded, or the stream made.
    touched: Instant,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    /// A mirror this node stopped following (its last subscriber left): the next publication
    /// from Redis starts it over, rather than filling, for subscribers that were not there.
    detached: bool,
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    /// Whether this holds everything its source keeps (a mirror read whole from Redis, and
    /// followed since; always for a history in memory).
    complete: bool,
}

impl TopicStream {
    pub(crate) fn new(policy: History, epoch: Arc<str>, top: u64) -> Self {
        Self { policy, epoch, top, entries: VecDeque::new(), touched: Instant::now(), detached: false, complete: false }
    }

    pub(crate) fn epoch(&self) -> &Arc<str> {
        &self.epoch
    }

    pub(crate) fn top(&self) -> u64 {
        self.top
    }

    /// Whether nothing was published for a `ttl`, so that everything kept has expired: the
    /// stream can go when nobody holds the topic.
    pub(crate) fn is_idle(&self, now: Instant) -> bool {
        now.duration_since(self.touched) >= self.policy.ttl
    }

    /// Marks a mirror of Redis's history that this node no longer follows (the in-memory hub
    /// never detaches its histories).
    pub(crate) fn detach(&mut self) {
        self.detached = true;
        self.complete = false;
    }

    /// Drops what is over the size or older than the ttl.
    pub(crate) fn prune(&mut self, now: Instant) {
        while self.entries.len() > self.policy.size {
            self.entries.pop_front();
        }
        while self.entries.front().is_some_and(|e| now.duration_since(e.at) >= self.policy.ttl) {
            self.entries.pop_front();
        }
    }

    /// Records the next publication: `frame` builds its text for its position.
    pub(crate) fn append(
        &mut self,
        excluded: Option<&ConnectionId>,
        frame: impl FnOnce(u64, &str) -> String,
    ) -> String {
        let offset = self.top + 1;
        let text = frame(offset, &self.epoch);
        self.record(offset, excluded, Utf8Bytes::from(text.clone()), Instant::now());
        text
    }

    /// Records a publication whose position was given elsewhere (Redis), made at `at`:
    /// `offset` must follow `top` in this epoch.
    pub(crate) fn record(&mut self, offset: u64, excluded: Option<&ConnectionId>, frame: Utf8Bytes, at: Instant) {
        self.top = offset;
        self.touched = Instant::now();
        self.entries.push_back(Entry { offset, at, excluded: excluded.cloned(), frame });
        self.prune(self.touched);
    }

    /// The oldest offset kept (`top + 1` when none is).
    pub(crate) fn oldest(&self) -> u64 {
        self.entries.front().map_or(self.top + 1, |e| e.offset)
    }

    /// What a subscription with `resume` gets (docs/PROTOCOL.md): everything after `since` when
    /// it is in this epoch and still kept, else the last `recent` publications.
    pub(crate) fn replay(&mut self, resume: &Resume, topic: &str, to: &ConnectionId) -> Replay {
        self.prune(Instant::now());
        let frame = |e: &Entry| match &e.excluded {
            Some(excluded) if excluded == to => {
                Utf8Bytes::from(crate::codec::position_only(topic, e.offset, &self.epoch))
            }
            _ => e.frame.clone(),
        };
        let mut recovered = None;
        if let Some(since) = &resume.since {
            if self.can_recover(since) {
                let frames = self.entries.iter().filter(|e| e.offset > since.offset).map(frame).collect();
                return Replay { frames, start: since.clone(), recovered: Some(true) };
            }
            recovered = Some(false);
        }
        let recent = resume.recent.map_or(0, |n| n as usize).min(self.entries.len());
        let frames: Vec<Utf8Bytes> = self.entries.iter().skip(self.entries.len() - recent).map(frame).collect();
        let start = Position { epoch: self.epoch.to_string(), offset: self.top - frames.len() as u64 };
        Replay { frames, start, recovered }
    }

    /// Whether every publication after `since` is kept here.
    pub(crate) fn can_recover(&self, since: &Position) -> bool {
        *since.epoch == *self.epoch && since.offset <= self.top && since.offset + 1 >= self.oldest()
    }
}

/// What a mirror of a Redis history does besides (feature `redis`).
#[cfg(feature = "redis")]
impl TopicStream {
    pub(crate) fn policy(&self) -> History {
        self.policy
    }

    pub(crate) fn is_complete(&self) -> bool {
        self.complete
    }

    pub(crate) fn set_complete(&mut self) {
        self.complete = true;
    }

    pub(crate) fn is_detached(&self) -> bool {
        self.detached
    }

    /// Filled from Redis: followed again.
    pub(crate) fn attach(&mut self) {
        self.detached = false;
    }

    /// Starts over at `epoch`, after `top`, with nothing kept: what a mirror does when Redis
    /// lost the history it mirrored, or trimmed what it had not seen.
    pub(crate) fn restart(&mut self, epoch: &str, top: u64) {
        if *self.epoch != *epoch {
            self.epoch = epoch.into();
        }
        self.top = top;
        self.entries.clear();
        self.complete = false;
        self.detached = false;
    }

    /// Puts publications older than the oldest kept before it, in order (read back from Redis).
    pub(crate) fn prepend(
        &mut self,
        older: impl DoubleEndedIterator<Item = (u64, Instant, Option<ConnectionId>, Utf8Bytes)>,
    ) {
        for (offset, at, excluded, frame) in older.rev() {
            // Only what joins up with what is kept: a hole would replay as a gap.
            if offset + 1 != self.oldest() {
                break;
            }
            self.entries.push_front(Entry { offset, at, excluded, frame });
        }
        self.prune(Instant::now());
    }

    /// How many publications are kept.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(size: u64) -> TopicStream {
        TopicStream::new(History::new(size, Duration::from_secs(60)), "e1".into(), 0)
    }

    fn publish(s: &mut TopicStream, n: usize) {
        for _ in 0..n {
            s.append(None, |offset, epoch| format!("{epoch}/{offset}"));
        }
    }

    impl TopicStream {
        fn replay_to(&mut self, resume: &Resume) -> Replay {
            self.replay(resume, "t", &ConnectionId::from("c1"))
        }
    }

    fn texts(r: &Replay) -> Vec<&str> {
        r.frames.iter().map(Utf8Bytes::as_str).collect()
    }

    fn since(epoch: &str, offset: u64) -> Resume {
        Resume { since: Some(Position { epoch: epoch.into(), offset }), recent: None }
    }

    #[test]
    fn recovers_everything_after_a_kept_position() {
        let mut s = stream(3);
        publish(&mut s, 5);
        let r = s.replay_to(&since("e1", 2));
        assert_eq!((texts(&r), r.recovered, r.start.offset), (vec!["e1/3", "e1/4", "e1/5"], Some(true), 2));
        let r = s.replay_to(&since("e1", 5));
        assert_eq!((r.frames.len(), r.recovered, r.start.offset), (0, Some(true), 5));
    }

    #[test]
    fn a_lost_position_is_not_recovered_and_recent_follows() {
        let mut s = stream(3);
        publish(&mut s, 5);
        for resume in [since("e1", 1), since("e0", 4), since("e1", 9)] {
            let r = s.replay_to(&resume);
            assert_eq!((r.frames.len(), r.recovered, r.start.offset), (0, Some(false), 5));
        }
        let r = s.replay_to(&Resume { recent: Some(2), ..since("e1", 1) });
        assert_eq!((texts(&r), r.recovered, r.start.offset), (vec!["e1/4", "e1/5"], Some(false), 3));
    }

    #[test]
    fn recent_is_bounded_by_what_is_kept() {
        let mut s = stream(3);
        publish(&mut s, 2);
        let r = s.replay_to(&Resume { since: None, recent: Some(10) });
        assert_eq!((texts(&r), r.recovered, r.start.offset), (vec!["e1/1", "e1/2"], None, 0));
        let r = s.replay_to(&Resume::default());
        assert_eq!((r.frames.len(), r.start.offset), (0, 2));
    }

    #[test]
    fn publications_expire_but_the_position_stays() {
        let mut s = TopicStream::new(History::new(10, Duration::from_millis(1)), "e1".into(), 0);
        publish(&mut s, 3);
        std::thread::sleep(Duration::from_millis(5));
        assert!(s.replay_to(&since("e1", 3)).recovered == Some(true), "nothing was missed");
        assert_eq!(s.replay_to(&since("e1", 2)).recovered, Some(false));
        assert!(s.is_idle(Instant::now()));
    }
}

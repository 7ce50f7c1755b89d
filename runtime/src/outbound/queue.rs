//! The bounded outbound queue of one connection, bounded in frames and in bytes. Pushes
//! (`ctx.send`, `ctx.close`) wait for room: that is backpressure on the client's own calls.
//! Publications never wait: when the queue is full (either bound), or when the server's outbound
//! memory is at its ceiling and this connection lags behind, the connection's [`SlowConsumer`]
//! policy decides what is lost, so a slow subscriber can neither stall a publisher nor grow the
//! server's memory.
//!
//! A hand-written queue rather than a channel crate: the drop-oldest policy must evict the
//! oldest *publication* (never a queued push or close), and the close policy must reach the
//! connection ahead of what is queued. Both need the queue's contents under one lock.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::context::close_code;
use crate::outbound::OutboundMemory;
use crate::server::SlowConsumer;

/// A drained queue keeps at most this many slots allocated, so that one burst does not keep
/// its peak allocation for the connection's lifetime.
const KEEP_SLOTS: usize = 64;

/// One frame on its way to the socket.
pub(crate) enum OutFrame {
    Text(Utf8Bytes),
    /// A publication, shared with its other subscribers' queues.
    Publication(Arc<super::Publication>),
    Close(u16, String),
}

impl OutFrame {
    /// The bytes the frame holds, as the queue's byte bound counts them.
    fn len(&self) -> usize {
        match self {
            OutFrame::Text(text) => text.len(),
            OutFrame::Publication(publication) => publication.text.len(),
            OutFrame::Close(_, reason) => reason.len(),
        }
    }
}

/// The bounds of one connection's queue.
#[derive(Debug, Clone, Copy)]
pub(crate) struct QueueLimits {
    /// Frames queued at most.
    pub(crate) frames: usize,
    /// Bytes queued at most; one frame is always taken into an empty queue, however long.
    pub(crate) bytes: usize,
}

/// What happened to a publication offered to a queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Offer {
    /// Queued (under [`SlowConsumer::DropOldest`], possibly in place of an older one).
    Queued,
    /// Not queued: the queue was full (or its connection is closing for being too slow).
    Dropped,
    /// The connection is gone.
    Closed,
}

struct Slot {
    frame: OutFrame,
    publication: bool,
    /// For a publication with a position to a connection that follows positions: what tells
    /// it that it missed the publication, if the publication is dropped.
    missed: Option<Missed>,
}

/// A topic's name and the frame that tells a client following its positions that it missed a
/// publication (docs/PROTOCOL.md, "Topics with history"): `{"topic":..,"offset":N,"epoch":..,
/// "missed":true}`.
pub(crate) type Missed = Box<(Arc<str>, Utf8Bytes)>;

struct State {
    slots: VecDeque<Slot>,
    /// The bytes of the frames in `slots`.
    bytes: usize,
    /// Nothing more is queued: the connection task is gone, or the close policy fired.
    shut: bool,
    /// The close policy fired and the connection task has not been told yet.
    overflowed: bool,
    /// The last publication dropped of each topic whose positions the client follows: sent,
    /// newest per topic, when the queue has drained, so that a client learns of a loss at the
    /// tail of a burst too. At most one per topic the connection holds.
    // Boxed: 8 bytes in every connection's queue instead of 48, and most never miss anything.
    #[allow(clippy::box_collection)]
    missed: Option<Box<std::collections::HashMap<Arc<str>, Utf8Bytes>>>,
}

struct Queue {
    state: Mutex<State>,
    /// Whether `try_recv` may find something (a frame, or the close policy's close): set under
    /// the lock whenever that becomes true, cleared under it when the last frame is taken. The
    /// connection task checks the queue after every call it answers, and most find it empty:
    /// this spares them the lock.
    ready: AtomicBool,
    limits: QueueLimits,
    policy: SlowConsumer,
    /// The server's outbound memory, whose ceiling a lagging connection's publications respect.
    memory: Arc<OutboundMemory>,
    /// Counts the publications the policy costs (`metrics.rs`).
    metrics: crate::metrics::ChannelMetrics,
    /// The connection task, when it waits for a frame.
    receiver: AtomicWaker,
    /// Pushes waiting for room.
    room: Notify,
    /// How many pushes wait for room; changed under the state's lock.
    pushes_waiting: AtomicUsize,
}

/// Counts one push waiting for room, until it is queued or given up.
struct Waiting<'q>(&'q AtomicUsize);

impl<'q> Waiting<'q> {
    fn new(count: &'q AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The sending side of a connection's queue.
#[derive(Clone)]
pub(crate) struct Outbound {
    queue: Arc<Queue>,
}

/// The connection task's side. Dropping it shuts the queue: pushes fail, publications are
/// refused as [`Offer::Closed`].
pub(crate) struct OutboundReceiver {
    queue: Arc<Queue>,
}

impl QueueLimits {
    /// Whether a frame of `len` bytes fits beside `slots` frames holding `bytes`: an empty queue
    /// takes any one frame, so that it can ever be delivered.
    fn fit(&self, slots: usize, bytes: usize, len: usize) -> bool {
        slots == 0 || (slots < self.frames && bytes + len <= self.bytes)
    }
}

impl State {
    /// Whether a frame of `len` bytes fits within the queue's own bounds.
    fn fits(&self, limits: &QueueLimits, len: usize) -> bool {
        limits.fit(self.slots.len(), self.bytes, len)
    }

    fn push(&mut self, frame: OutFrame, publication: bool, missed: Option<Missed>) {
        self.bytes += frame.len();
        self.slots.push_back(Slot { frame, publication, missed });
    }

    /// Keeps what tells the client it missed a publication.
    fn note_missed(&mut self, missed: Option<Missed>) {
        if let Some(missed) = missed {
            let (topic, frame) = *missed;
            self.missed.get_or_insert_default().insert(topic, frame);
        }
    }

    fn remove(&mut self, index: usize) -> Option<Slot> {
        let slot = self.slots.remove(index)?;
        self.bytes -= slot.frame.len();
        Some(slot)
    }
}

impl Outbound {
    pub(crate) fn channel(
        limits: QueueLimits,
        policy: SlowConsumer,
        metrics: crate::metrics::ChannelMetrics,
        memory: Arc<OutboundMemory>,
    ) -> (Self, OutboundReceiver) {
        let limits = QueueLimits { frames: limits.frames.max(1), bytes: limits.bytes };
        let queue = Arc::new(Queue {
            state: Mutex::new(State { slots: VecDeque::new(), bytes: 0, shut: false, overflowed: false, missed: None }),
            ready: AtomicBool::new(false),
            limits,
            policy,
            memory,
            metrics,
            receiver: AtomicWaker::new(),
            room: Notify::new(),
            pushes_waiting: AtomicUsize::new(0),
        });
        (Self { queue: queue.clone() }, OutboundReceiver { queue })
    }

    /// Queues a frame, waiting for room. `false` when the connection is gone or closing.
    pub(crate) async fn send(&self, frame: OutFrame) -> bool {
        let q = &*self.queue;
        let mut waiting = None;
        loop {
            // Registered before the check, so that room made in between is not missed.
            let room = q.room.notified();
            let mut room = std::pin::pin!(room);
            room.as_mut().enable();
            {
                let mut st = q.state.lock();
                if st.shut {
                    return false;
                }
                if st.fits(&q.limits, frame.len()) {
                    let was_empty = st.slots.is_empty();
                    st.push(frame, false, None);
                    q.ready.store(true, Ordering::Release);
                    drop(waiting.take());
                    let pass_on = q.pushes_waiting.load(Ordering::Relaxed) > 0
                        && st.slots.len() < q.limits.frames
                        && st.bytes < q.limits.bytes;
                    drop(st);
                    if was_empty {
                        q.receiver.wake();
                    }
                    // One pop wakes one waiting push; pass the turn on while there is room.
                    if pass_on {
                        q.room.notify_one();
                    }
                    return true;
                }
                // Counted under the lock, so that the pop that makes room sees this push.
                waiting.get_or_insert_with(|| Waiting::new(&q.pushes_waiting));
            }
            room.await;
        }
    }

    /// Queues a publication without waiting. A full queue (in frames or bytes), or one that is
    /// not empty while the server's outbound memory is at its ceiling, applies the slow-consumer
    /// policy.
    pub(crate) fn offer(&self, frame: OutFrame) -> Offer {
        self.offer_tracked(frame, None)
    }

    /// [`Outbound::offer`] for a publication whose position the client follows: if the policy
    /// drops it, what `missed` makes is sent once the queue has drained (newest per topic).
    /// Made only when it may be needed, so that a publication that fits costs nothing more.
    pub(crate) fn offer_tracked(&self, frame: OutFrame, missed: Option<&dyn Fn() -> Missed>) -> Offer {
        let q = &*self.queue;
        let len = frame.len();
        let mut st = q.state.lock();
        if st.shut {
            return if st.overflowed { Offer::Dropped } else { Offer::Closed };
        }
        // A connection that keeps up (empty queue) always takes the frame: the ceiling is for
        // those that lag behind.
        let memory_full = !st.slots.is_empty() && q.memory.is_over();
        if !memory_full && st.fits(&q.limits, len) {
            let was_empty = st.slots.is_empty();
            // Under drop-oldest, the publication may be evicted later: it keeps its notice.
            let keep = missed.filter(|_| q.policy == SlowConsumer::DropOldest).map(|make| make());
            st.push(frame, true, keep);
            q.ready.store(true, Ordering::Release);
            drop(st);
            if was_empty {
                q.receiver.wake();
            }
            return Offer::Queued;
        }
        match q.policy {
            SlowConsumer::DropNewest => {
                st.note_missed(missed.map(|make| make()));
                drop(st);
                crate::metrics::queue_drop(&q.metrics, q.policy);
                Offer::Dropped
            }
            SlowConsumer::DropOldest => {
                // The oldest publications to give up for the new one: as many as make it fit, or
                // one at the memory ceiling (so that this queue does not grow); none when even
                // all of them would not make room (the connection's own frames fill the queue).
                let (mut slots, mut bytes, mut evict) = (st.slots.len(), st.bytes, Vec::new());
                for (i, slot) in st.slots.iter().enumerate().filter(|(_, slot)| slot.publication) {
                    if if memory_full { !evict.is_empty() } else { q.limits.fit(slots, bytes, len) } {
                        break;
                    }
                    evict.push(i);
                    slots -= 1;
                    bytes -= slot.frame.len();
                }
                let room = if memory_full { !evict.is_empty() } else { q.limits.fit(slots, bytes, len) };
                let mut evicted = Vec::new();
                if room {
                    // Back to front, so that the indices stay valid.
                    evicted.extend(evict.iter().rev().filter_map(|&i| st.remove(i)));
                    // Oldest last, so that each topic keeps its newest loss.
                    for slot in evicted.iter_mut().rev() {
                        st.note_missed(slot.missed.take());
                    }
                    st.push(frame, true, missed.map(|make| make()));
                } else {
                    st.note_missed(missed.map(|make| make()));
                }
                drop(st);
                for _ in 0..evicted.len().max(usize::from(!room)) {
                    crate::metrics::queue_drop(&q.metrics, q.policy);
                }
                tracing::debug!(evicted = evicted.len(), "outbound queue full: oldest publications dropped");
                drop(evicted);
                if room { Offer::Queued } else { Offer::Dropped }
            }
            SlowConsumer::Close => {
                crate::metrics::queue_drop(&q.metrics, q.policy);
                st.shut = true;
                st.overflowed = true;
                q.ready.store(true, Ordering::Release);
                let discarded = std::mem::take(&mut st.slots);
                st.bytes = 0;
                drop(st);
                drop(discarded);
                tracing::debug!("outbound queue full: closing the connection (slow consumer)");
                q.receiver.wake();
                q.room.notify_waiters();
                Offer::Dropped
            }
        }
    }
}

impl OutboundReceiver {
    /// The next frame, if one is queued. The close policy's close comes first.
    pub(crate) fn try_recv(&mut self) -> Option<OutFrame> {
        let q = &*self.queue;
        if !q.ready.load(Ordering::Acquire) {
            return None;
        }
        let mut st = q.state.lock();
        if st.overflowed {
            st.overflowed = false;
            q.ready.store(!st.slots.is_empty(), Ordering::Release);
            return Some(OutFrame::Close(close_code::POLICY, "too slow: outbound queue full".to_owned()));
        }
        let Some(slot) = st.remove(0) else {
            // Drained: what was missed, one topic at a time.
            if let Some(missed) = st.missed.as_mut() {
                let topic = missed.keys().next().cloned();
                if let Some(frame) = topic.and_then(|t| missed.remove(&t)) {
                    if missed.is_empty() {
                        st.missed = None;
                        q.ready.store(false, Ordering::Release);
                    }
                    return Some(OutFrame::Text(frame));
                }
                st.missed = None;
            }
            q.ready.store(false, Ordering::Release);
            return None;
        };
        if st.slots.is_empty() && st.missed.is_none() {
            q.ready.store(false, Ordering::Release);
        }
        if st.slots.is_empty() && st.slots.capacity() > KEEP_SLOTS {
            st.slots.shrink_to(KEEP_SLOTS);
        }
        let push_waits = q.pushes_waiting.load(Ordering::Relaxed) > 0;
        drop(st);
        if push_waits {
            q.room.notify_one();
        }
        Some(slot.frame)
    }

    /// `true` when `try_recv` would find nothing, as far as this thread knows, without locking.
    pub(crate) fn is_empty_hint(&self) -> bool {
        !self.queue.ready.load(Ordering::Acquire)
    }

    /// Waits for the next frame.
    pub(crate) fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<OutFrame> {
        // Registered before the check, so that a frame queued right after it wakes this task.
        self.queue.receiver.register(cx.waker());
        match self.try_recv() {
            Some(frame) => Poll::Ready(frame),
            None => Poll::Pending,
        }
    }

    /// Waits for the next frame.
    pub(crate) async fn recv(&mut self) -> OutFrame {
        std::future::poll_fn(|cx| self.poll_recv(cx)).await
    }
}

impl Drop for OutboundReceiver {
    fn drop(&mut self) {
        let discarded = {
            let mut st = self.queue.state.lock();
            st.shut = true;
            st.bytes = 0;
            std::mem::take(&mut st.slots)
        };
        drop(discarded);
        self.queue.room.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A queue of `frames` frames and `bytes` bytes, on a server whose outbound memory is `memory`.
    fn bounded(
        frames: usize,
        bytes: usize,
        policy: SlowConsumer,
        memory: &Arc<OutboundMemory>,
    ) -> (Outbound, OutboundReceiver) {
        let metrics = crate::metrics::ChannelMetrics::new("test");
        Outbound::channel(QueueLimits { frames, bytes }, policy, metrics, memory.clone())
    }

    /// A queue bounded in frames only.
    fn queue(frames: usize, policy: SlowConsumer) -> (Outbound, OutboundReceiver) {
        bounded(frames, usize::MAX, policy, &Arc::default())
    }

    fn text(s: &str) -> OutFrame {
        OutFrame::Text(Utf8Bytes::from(s.to_owned()))
    }

    fn drain(rx: &mut OutboundReceiver) -> Vec<String> {
        std::iter::from_fn(|| rx.try_recv())
            .map(|f| match f {
                OutFrame::Text(t) => t.to_string(),
                OutFrame::Publication(p) => p.text.to_string(),
                OutFrame::Close(code, _) => format!("close {code}"),
            })
            .collect()
    }

    #[test]
    fn drop_newest_keeps_what_is_queued() {
        let (tx, mut rx) = queue(2, SlowConsumer::DropNewest);
        assert_eq!(tx.offer(text("1")), Offer::Queued);
        assert_eq!(tx.offer(text("2")), Offer::Queued);
        assert_eq!(tx.offer(text("3")), Offer::Dropped);
        assert_eq!(drain(&mut rx), ["1", "2"]);
    }

    #[tokio::test]
    async fn drop_oldest_evicts_publications_but_never_pushes() {
        let (tx, mut rx) = queue(3, SlowConsumer::DropOldest);
        assert!(tx.send(text("push")).await);
        assert_eq!(tx.offer(text("1")), Offer::Queued);
        assert_eq!(tx.offer(text("2")), Offer::Queued);
        assert_eq!(tx.offer(text("3")), Offer::Queued);
        assert_eq!(tx.offer(text("4")), Offer::Queued);
        assert_eq!(drain(&mut rx), ["push", "3", "4"]);

        let (tx, mut rx) = queue(1, SlowConsumer::DropOldest);
        assert!(tx.send(text("push")).await);
        assert_eq!(tx.offer(text("1")), Offer::Dropped);
        assert_eq!(drain(&mut rx), ["push"]);
    }

    #[tokio::test]
    async fn close_discards_the_queue_and_closes_with_1008() {
        let (tx, mut rx) = queue(2, SlowConsumer::Close);
        assert_eq!(tx.offer(text("1")), Offer::Queued);
        assert_eq!(tx.offer(text("2")), Offer::Queued);
        assert_eq!(tx.offer(text("3")), Offer::Dropped);
        assert_eq!(tx.offer(text("4")), Offer::Dropped);
        assert!(!tx.send(text("push")).await, "a closing connection takes no pushes");
        assert_eq!(drain(&mut rx), ["close 1008"]);
    }

    #[tokio::test]
    async fn a_push_waits_for_room_and_fails_when_the_connection_ends() {
        let (tx, mut rx) = queue(1, SlowConsumer::DropNewest);
        assert!(tx.send(text("1")).await);
        let waiting = tokio::spawn({
            let tx = tx.clone();
            async move { tx.send(text("2")).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished());
        assert_eq!(drain(&mut rx), ["1"]);
        assert!(waiting.await.unwrap());
        assert!(rx.recv().await.is_text("2"));

        let blocked = tokio::spawn({
            let tx = tx.clone();
            async move {
                tx.send(text("3")).await;
                tx.send(text("4")).await
            }
        });
        tokio::task::yield_now().await;
        drop(rx);
        assert!(!blocked.await.unwrap());
        assert_eq!(tx.offer(text("5")), Offer::Closed);
    }

    #[test]
    fn the_byte_bound_applies_the_policy_too() {
        let memory = Arc::default();
        let (tx, mut rx) = bounded(100, 10, SlowConsumer::DropNewest, &memory);
        assert_eq!(tx.offer(text("12345")), Offer::Queued);
        assert_eq!(tx.offer(text("12345")), Offer::Queued);
        assert_eq!(tx.offer(text("1")), Offer::Dropped, "10 bytes are queued");
        assert_eq!(drain(&mut rx), ["12345", "12345"]);
        // An empty queue takes one frame however long, so that it can ever be delivered.
        assert_eq!(tx.offer(text(&"x".repeat(50))), Offer::Queued);
        assert_eq!(tx.offer(text("1")), Offer::Dropped);

        let (tx, mut rx) = bounded(100, 10, SlowConsumer::DropOldest, &memory);
        for p in ["aaa", "bbb", "ccc"] {
            assert_eq!(tx.offer(text(p)), Offer::Queued);
        }
        assert_eq!(tx.offer(text("dddddd")), Offer::Queued, "the two oldest make room");
        assert_eq!(drain(&mut rx), ["ccc", "dddddd"]);

        // When the connection's own frames leave no room even without the publications, none is
        // given up for nothing.
        let (tx, mut rx) = bounded(100, 10, SlowConsumer::DropOldest, &memory);
        assert_eq!(tx.offer(text("aa")), Offer::Queued);
        assert_eq!(futures_util::FutureExt::now_or_never(tx.send(text("pushed78"))), Some(true));
        assert_eq!(tx.offer(text("bbbbb")), Offer::Dropped);
        assert_eq!(drain(&mut rx), ["aa", "pushed78"]);

        let (tx, mut rx) = bounded(100, 10, SlowConsumer::Close, &memory);
        assert_eq!(tx.offer(text("123456")), Offer::Queued);
        assert_eq!(tx.offer(text("123456")), Offer::Dropped);
        assert_eq!(drain(&mut rx), ["close 1008"]);
    }

    #[tokio::test]
    async fn a_push_waits_until_its_bytes_fit() {
        let (tx, mut rx) = bounded(100, 10, SlowConsumer::DropNewest, &Arc::default());
        assert!(tx.send(text("1234567")).await);
        let waiting = tokio::spawn({
            let tx = tx.clone();
            async move { tx.send(text("12345")).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "7 + 5 bytes do not fit in 10");
        assert_eq!(drain(&mut rx), ["1234567"]);
        assert!(waiting.await.unwrap());
        assert_eq!(drain(&mut rx), ["12345"]);
    }

    #[test]
    fn at_the_memory_ceiling_only_lagging_connections_lose_publications() {
        let memory: Arc<OutboundMemory> = Arc::default();
        memory.set_limit(8);
        let (lagging, mut lagging_rx) = bounded(100, 1 << 20, SlowConsumer::DropNewest, &memory);
        let (keeping_up, mut keeping_up_rx) = bounded(100, 1 << 20, SlowConsumer::DropNewest, &memory);
        let first = memory.frame("12345".to_owned());
        assert_eq!(lagging.offer(OutFrame::Text(first.clone())), Offer::Queued);
        assert_eq!(keeping_up.offer(OutFrame::Text(first)), Offer::Queued);
        assert_eq!(drain(&mut keeping_up_rx), ["12345"]);
        let second = memory.frame("6789".to_owned());
        assert!(memory.is_over(), "both frames are held: 9 bytes");
        assert_eq!(lagging.offer(OutFrame::Text(second.clone())), Offer::Dropped);
        assert_eq!(keeping_up.offer(OutFrame::Text(second)), Offer::Queued, "an empty queue takes it");
        assert_eq!(drain(&mut keeping_up_rx), ["6789"]);
        assert_eq!(drain(&mut lagging_rx), ["12345"]);
        assert_eq!(memory.used(), 0, "every frame was released");
    }

    impl OutFrame {
        fn is_text(&self, s: &str) -> bool {
            matches!(self, OutFrame::Text(t) if t.as_str() == s)
        }
    }
}

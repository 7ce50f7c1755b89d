//! The bounded outbound queue of one connection. Pushes (`ctx.send`, `ctx.close`) wait for
//! room: that is backpressure on the client's own calls. Publications never wait: when the
//! queue is full the connection's [`SlowConsumer`] policy decides what is lost, so a slow
//! subscriber can neither stall a publisher nor grow the server's memory.
//!
//! A hand-written queue rather than a channel crate: the drop-oldest policy must evict the
//! oldest *publication* (never a queued push or close), and the close policy must reach the
//! connection ahead of what is queued. Both need the queue's contents under one lock.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures_util::task::AtomicWaker;
use parking_lot::Mutex;
use tokio::sync::Notify;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use crate::context::close_code;
use crate::server::SlowConsumer;

/// A drained queue keeps at most this many slots allocated, so that one burst does not keep
/// its peak allocation for the connection's lifetime.
const KEEP_SLOTS: usize = 64;

/// One frame on its way to the socket.
pub(crate) enum OutFrame {
    Text(Utf8Bytes),
    Close(u16, String),
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
}

struct State {
    slots: VecDeque<Slot>,
    /// Nothing more is queued: the connection task is gone, or the close policy fired.
    shut: bool,
    /// The close policy fired and the connection task has not been told yet.
    overflowed: bool,
}

struct Queue {
    state: Mutex<State>,
    /// Whether `try_recv` may find something (a frame, or the close policy's close): set under
    /// the lock whenever that becomes true, cleared under it when the last frame is taken. The
    /// connection task checks the queue after every call it answers, and most find it empty:
    /// this spares them the lock.
    ready: AtomicBool,
    capacity: usize,
    policy: SlowConsumer,
    /// Counts the publications the policy costs (`metrics.rs`).
    metrics: crate::metrics::ChannelMetrics,
    /// The connection task, when it waits for a frame.
    receiver: AtomicWaker,
    /// Pushes waiting for room.
    room: Notify,
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

impl Outbound {
    pub(crate) fn channel(
        capacity: usize,
        policy: SlowConsumer,
        metrics: crate::metrics::ChannelMetrics,
    ) -> (Self, OutboundReceiver) {
        let queue = Arc::new(Queue {
            state: Mutex::new(State { slots: VecDeque::new(), shut: false, overflowed: false }),
            ready: AtomicBool::new(false),
            capacity: capacity.max(1),
            policy,
            metrics,
            receiver: AtomicWaker::new(),
            room: Notify::new(),
        });
        (Self { queue: queue.clone() }, OutboundReceiver { queue })
    }

    /// Queues a frame, waiting for room. `false` when the connection is gone or closing.
    pub(crate) async fn send(&self, frame: OutFrame) -> bool {
        let q = &*self.queue;
        let mut waited = false;
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
                if st.slots.len() < q.capacity {
                    let was_empty = st.slots.is_empty();
                    st.slots.push_back(Slot { frame, publication: false });
                    q.ready.store(true, Ordering::Release);
                    let more_room = st.slots.len() < q.capacity;
                    drop(st);
                    if was_empty {
                        q.receiver.wake();
                    }
                    // One pop wakes one waiting push; pass the turn on while there is room.
                    if waited && more_room {
                        q.room.notify_one();
                    }
                    return true;
                }
            }
            waited = true;
            room.await;
        }
    }

    /// Queues a publication without waiting; a full queue applies the slow-consumer policy.
    pub(crate) fn offer(&self, frame: OutFrame) -> Offer {
        let q = &*self.queue;
        let mut st = q.state.lock();
        if st.shut {
            return if st.overflowed { Offer::Dropped } else { Offer::Closed };
        }
        if st.slots.len() < q.capacity {
            let was_empty = st.slots.is_empty();
            st.slots.push_back(Slot { frame, publication: true });
            q.ready.store(true, Ordering::Release);
            drop(st);
            if was_empty {
                q.receiver.wake();
            }
            return Offer::Queued;
        }
        // Every policy loses exactly one publication here: the new one or the oldest.
        crate::metrics::queue_drop(&q.metrics, q.policy);
        match q.policy {
            SlowConsumer::DropNewest => Offer::Dropped,
            SlowConsumer::DropOldest => match st.slots.iter().position(|s| s.publication) {
                Some(oldest) => {
                    // Usually the front: everything queued is a publication.
                    let evicted = st.slots.remove(oldest);
                    st.slots.push_back(Slot { frame, publication: true });
                    drop(st);
                    drop(evicted);
                    tracing::debug!("outbound queue full: oldest publication dropped");
                    Offer::Queued
                }
                None => Offer::Dropped,
            },
            SlowConsumer::Close => {
                st.shut = true;
                st.overflowed = true;
                q.ready.store(true, Ordering::Release);
                let discarded = std::mem::take(&mut st.slots);
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
        let was_full = st.slots.len() == q.capacity;
        let Some(slot) = st.slots.pop_front() else {
            q.ready.store(false, Ordering::Release);
            return None;
        };
        if st.slots.is_empty() {
            q.ready.store(false, Ordering::Release);
        }
        if st.slots.is_empty() && st.slots.capacity() > KEEP_SLOTS {
            st.slots.shrink_to(KEEP_SLOTS);
        }
        drop(st);
        if was_full {
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
            std::mem::take(&mut st.slots)
        };
        drop(discarded);
        self.queue.room.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn test_metrics() -> crate::metrics::ChannelMetrics {
        crate::metrics::ChannelMetrics::new("test")
    }

    fn text(s: &str) -> OutFrame {
        OutFrame::Text(Utf8Bytes::from(s.to_owned()))
    }

    fn drain(rx: &mut OutboundReceiver) -> Vec<String> {
        std::iter::from_fn(|| rx.try_recv())
            .map(|f| match f {
                OutFrame::Text(t) => t.to_string(),
                OutFrame::Close(code, _) => format!("close {code}"),
            })
            .collect()
    }

    #[test]
    fn drop_newest_keeps_what_is_queued() {
        let (tx, mut rx) = Outbound::channel(2, SlowConsumer::DropNewest, test_metrics());
        assert_eq!(tx.offer(text("1")), Offer::Queued);
        assert_eq!(tx.offer(text("2")), Offer::Queued);
        assert_eq!(tx.offer(text("3")), Offer::Dropped);
        assert_eq!(drain(&mut rx), ["1", "2"]);
    }

    #[tokio::test]
    async fn drop_oldest_evicts_publications_but_never_pushes() {
        let (tx, mut rx) = Outbound::channel(3, SlowConsumer::DropOldest, test_metrics());
        assert!(tx.send(text("push")).await);
        assert_eq!(tx.offer(text("1")), Offer::Queued);
        assert_eq!(tx.offer(text("2")), Offer::Queued);
        assert_eq!(tx.offer(text("3")), Offer::Queued);
        assert_eq!(tx.offer(text("4")), Offer::Queued);
        assert_eq!(drain(&mut rx), ["push", "3", "4"]);

        let (tx, mut rx) = Outbound::channel(1, SlowConsumer::DropOldest, test_metrics());
        assert!(tx.send(text("push")).await);
        assert_eq!(tx.offer(text("1")), Offer::Dropped);
        assert_eq!(drain(&mut rx), ["push"]);
    }

    #[tokio::test]
    async fn close_discards_the_queue_and_closes_with_1008() {
        let (tx, mut rx) = Outbound::channel(2, SlowConsumer::Close, test_metrics());
        assert_eq!(tx.offer(text("1")), Offer::Queued);
        assert_eq!(tx.offer(text("2")), Offer::Queued);
        assert_eq!(tx.offer(text("3")), Offer::Dropped);
        assert_eq!(tx.offer(text("4")), Offer::Dropped);
        assert!(!tx.send(text("push")).await, "a closing connection takes no pushes");
        assert_eq!(drain(&mut rx), ["close 1008"]);
    }

    #[tokio::test]
    async fn a_push_waits_for_room_and_fails_when_the_connection_ends() {
        let (tx, mut rx) = Outbound::channel(1, SlowConsumer::DropNewest, test_metrics());
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

    impl OutFrame {
        fn is_text(&self, s: &str) -> bool {
            matches!(self, OutFrame::Text(t) if t.as_str() == s)
        }
    }
}

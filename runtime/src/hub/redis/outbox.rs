//! Publications on their way to Redis, in order, in a bounded queue.
//!
//! While the link is up, a full queue makes publishers wait for room (backpressure: the link is
//! slower than the publishers). While it is down, the queue is the outage buffer: the oldest
//! publication is evicted, and counted, to make room for a new one, so a publisher never waits
//! on a broker that is not there and memory stays bounded by both a count and a byte budget.
//! On reconnect the buffer is sent first, in order.

use std::collections::VecDeque;

use parking_lot::Mutex;
use tokio::sync::Notify;

/// One publication, ready for `PUBLISH channel envelope`, or for the history script when its
/// topic keeps one.
pub(super) struct Outgoing {
    pub(super) channel: String,
    pub(super) envelope: Vec<u8>,
    pub(super) recorded: Option<Recorded>,
}

/// Where a publication with history is kept, and how much of it.
pub(super) struct Recorded {
    pub(super) meta: String,
    pub(super) stream: String,
    pub(super) size: usize,
    pub(super) ttl_ms: u64,
    pub(super) meta_ttl_ms: u64,
}

impl Outgoing {
    fn size(&self) -> usize {
        self.channel.len() + self.envelope.len() + self.recorded.as_ref().map_or(0, |r| r.meta.len() + r.stream.len())
    }
}

pub(super) struct Outbox {
    state: Mutex<State>,
    /// Something was queued (for the link).
    ready: Notify,
    /// Room was made or the link state changed (for waiting publishers).
    room: Notify,
    max_items: usize,
    max_bytes: usize,
}

struct State {
    queue: VecDeque<Outgoing>,
    bytes: usize,
    connected: bool,
    dropped: u64,
}

impl State {
    fn fits(&self, item: &Outgoing, max_items: usize, max_bytes: usize) -> bool {
        self.queue.len() < max_items && self.bytes + item.size() <= max_bytes
    }

    fn pop(&mut self) -> Option<Outgoing> {
        let item = self.queue.pop_front()?;
        self.bytes -= item.size();
        Some(item)
    }
}

impl Outbox {
    pub(super) fn new(max_items: usize, max_bytes: usize) -> Self {
        Self {
            state: Mutex::new(State { queue: VecDeque::new(), bytes: 0, connected: false, dropped: 0 }),
            ready: Notify::new(),
            room: Notify::new(),
            max_items,
            max_bytes,
        }
    }

    /// Queues a publication: waits for room while connected, evicts the oldest while not.
    pub(super) async fn push(&self, item: Outgoing) {
        loop {
            let room = self.room.notified();
            let mut room = std::pin::pin!(room);
            // Registered before looking, so a `notify_waiters` between the look and the wait
            // is not missed.
            room.as_mut().enable();
            {
                let mut s = self.state.lock();
                if s.connected {
                    // An item larger than the byte budget still goes through, alone.
                    if s.fits(&item, self.max_items, self.max_bytes) || s.queue.is_empty() {
                        s.bytes += item.size();
                        s.queue.push_back(item);
                        drop(s);
                        self.ready.notify_one();
                        return;
                    }
                } else {
                    let mut evicted = 0u64;
                    while !s.fits(&item, self.max_items, self.max_bytes) && s.pop().is_some() {
                        evicted += 1;
                    }
                    if s.fits(&item, self.max_items, self.max_bytes) {
                        s.bytes += item.size();
                        s.queue.push_back(item);
                    } else {
                        // No buffer at all (capacity 0), or larger than the whole budget.
                        evicted += 1;
                    }
                    s.dropped += evicted;
                    crate::metrics::hub_outbox_dropped(evicted);
                    if evicted > 0 {
                        tracing::debug!(
                            evicted,
                            dropped = s.dropped,
                            "Redis outage buffer full: oldest publications dropped"
                        );
                    }
                    return;
                }
            }
            room.await;
        }
    }

    /// Waits until the link is up and at least one publication is queued, then takes up to
    /// `max` of them, oldest first. While the link is down nothing is handed out: a sender that
    /// has not noticed the outage yet would lose what it took, and the outage buffer keeps it.
    pub(super) async fn take_batch(&self, max: usize) -> Vec<Outgoing> {
        loop {
            let ready = self.ready.notified();
            {
                let mut s = self.state.lock();
                if s.connected && !s.queue.is_empty() {
                    let n = s.queue.len().min(max);
                    let batch: Vec<Outgoing> = (0..n).filter_map(|_| s.pop()).collect();
                    drop(s);
                    self.room.notify_waiters();
                    return batch;
                }
            }
            ready.await;
        }
    }

    /// Publications that were being sent when the link broke: whether Redis got them is unknown,
    /// and re-sending could duplicate them, so they are counted as dropped.
    pub(super) fn count_lost(&self, n: usize) {
        let mut s = self.state.lock();
        s.dropped += n as u64;
        crate::metrics::hub_outbox_dropped(n as u64);
    }

    pub(super) fn set_connected(&self, connected: bool) {
        self.state.lock().connected = connected;
        // Publishers waiting for room while connected must switch to eviction when the link
        // goes down.
        self.room.notify_waiters();
        if connected {
            self.ready.notify_one();
        }
    }

    pub(super) fn connected(&self) -> bool {
        self.state.lock().connected
    }

    /// (buffered, dropped)
    pub(super) fn counts(&self) -> (usize, u64) {
        let s = self.state.lock();
        (s.queue.len(), s.dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(n: u8) -> Outgoing {
        Outgoing { channel: "c".to_owned(), envelope: vec![n], recorded: None }
    }

    #[tokio::test]
    async fn while_disconnected_the_oldest_are_evicted_and_counted() {
        let outbox = Outbox::new(3, 1 << 20);
        for n in 0..5 {
            outbox.push(item(n)).await;
        }
        assert_eq!(outbox.counts(), (3, 2));
        // Nothing is handed out while the link is down: a sender that has not noticed the
        // outage would lose it.
        let early = tokio::time::timeout(std::time::Duration::from_millis(20), outbox.take_batch(10)).await;
        assert!(early.is_err(), "no batch while disconnected");
        outbox.set_connected(true);
        let batch = outbox.take_batch(10).await;
        assert_eq!(batch.iter().map(|o| o.envelope[0]).collect::<Vec<_>>(), [2, 3, 4]);
    }

    #[tokio::test]
    async fn the_byte_budget_bounds_the_buffer_too() {
        // Each item is 2 bytes: room for two.
        let outbox = Outbox::new(100, 4);
        for n in 0..4 {
            outbox.push(item(n)).await;
        }
        assert_eq!(outbox.counts(), (2, 2));
    }

    #[tokio::test]
    async fn a_zero_buffer_drops_every_publication_while_disconnected() {
        let outbox = Outbox::new(0, 1 << 20);
        outbox.push(item(1)).await;
        assert_eq!(outbox.counts(), (0, 1));
    }

    #[tokio::test]
    async fn while_connected_a_full_queue_makes_the_publisher_wait_then_a_drop_of_the_link_frees_it() {
        let outbox = std::sync::Arc::new(Outbox::new(1, 1 << 20));
        outbox.set_connected(true);
        outbox.push(item(1)).await;
        let waiting = tokio::spawn({
            let outbox = outbox.clone();
            async move { outbox.push(item(2)).await }
        });
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "a publisher waits for room while the link is up");
        assert_eq!(outbox.counts(), (1, 0));
        outbox.set_connected(false);
        waiting.await.unwrap();
        // The link went down: the waiting publication evicted the oldest one.
        assert_eq!(outbox.counts(), (1, 1));
        outbox.set_connected(true);
        assert_eq!(outbox.take_batch(10).await[0].envelope, [2]);
    }

    #[tokio::test]
    async fn taking_a_batch_makes_room_for_a_waiting_publisher() {
        let outbox = std::sync::Arc::new(Outbox::new(1, 1 << 20));
        outbox.set_connected(true);
        outbox.push(item(1)).await;
        let waiting = tokio::spawn({
            let outbox = outbox.clone();
            async move { outbox.push(item(2)).await }
        });
        assert_eq!(outbox.take_batch(10).await[0].envelope, [1]);
        waiting.await.unwrap();
        assert_eq!(outbox.take_batch(10).await[0].envelope, [2]);
        assert_eq!(outbox.counts(), (0, 0));
    }
}

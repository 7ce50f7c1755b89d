//! The server's outbound memory: the bytes of every frame built to be sent (publications,
//! pushes) and not yet written or dropped, counted once per frame however many connection
//! queues hold it. Past its ceiling ([`crate::ServerConfig::max_outbound_memory`]), connections
//! that lag behind get no more publications (their slow-consumer policy decides what they lose),
//! so that many slow subscribers together cannot exhaust the server's memory either.
//!
//! A frame is charged when it is built and released when its last reference is dropped, from a
//! queue, a Redis outbox or the socket's write path: the bytes own their charge
//! (`Bytes::from_owner`), so no holder has to remember to release it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// Default ceiling of the server's outbound memory.
pub(crate) const DEFAULT_MAX_OUTBOUND_MEMORY: usize = 256 << 20;

/// Bytes of frames built and not yet released, and their ceiling.
#[derive(Debug)]
pub(crate) struct OutboundMemory {
    used: AtomicUsize,
    limit: AtomicUsize,
}

impl Default for OutboundMemory {
    fn default() -> Self {
        Self { used: AtomicUsize::new(0), limit: AtomicUsize::new(DEFAULT_MAX_OUTBOUND_MEMORY) }
    }
}

impl OutboundMemory {
    /// Sets the ceiling (the server's [`crate::ServerConfig::max_outbound_memory`]).
    pub(crate) fn set_limit(&self, bytes: usize) {
        self.limit.store(bytes, Ordering::Relaxed);
    }

    /// Bytes held now.
    pub(crate) fn used(&self) -> usize {
        self.used.load(Ordering::Relaxed)
    }

    /// Whether the frames held reach the ceiling: lagging connections take no more publications.
    pub(crate) fn is_over(&self) -> bool {
        self.used() >= self.limit.load(Ordering::Relaxed)
    }

    /// `text` as a frame whose bytes count here until the last reference to it is dropped.
    pub(crate) fn frame(self: &Arc<Self>, text: String) -> Utf8Bytes {
        let len = text.len();
        self.used.fetch_add(len, Ordering::Relaxed);
        let bytes = Bytes::from_owner(Charged { text, memory: self.clone() });
        // SAFETY: the bytes are those of a `String`, which is UTF-8.
        unsafe { Utf8Bytes::from_bytes_unchecked(bytes) }
    }
}

/// A frame's text and the memory it is counted in.
struct Charged {
    text: String,
    memory: Arc<OutboundMemory>,
}

impl AsRef<[u8]> for Charged {
    fn as_ref(&self) -> &[u8] {
        self.text.as_bytes()
    }
}

impl Drop for Charged {
    fn drop(&mut self) {
        self.memory.used.fetch_sub(self.text.len(), Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_counts_until_its_last_reference_is_dropped() {
        let memory = Arc::new(OutboundMemory::default());
        memory.set_limit(10);
        let frame = memory.frame("0123456789".to_owned());
        let copies: Vec<Utf8Bytes> = (0..100).map(|_| frame.clone()).collect();
        assert_eq!(memory.used(), 10, "a shared frame counts once");
        assert!(memory.is_over());
        drop(frame);
        assert_eq!(memory.used(), 10);
        assert_eq!(copies[99].as_str(), "0123456789");
        drop(copies);
        assert_eq!(memory.used(), 0);
        assert!(!memory.is_over());
    }
}

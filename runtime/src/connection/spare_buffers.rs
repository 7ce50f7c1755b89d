//! One spare read buffer and one spare write buffer per worker thread. A plain socket gives its
//! buffers back when it has nothing left to read or write, and takes them again when bytes come:
//! connections that take turns on a thread share two buffers instead of each holding its own,
//! and a busy connection's bursts do not each cost an allocation and a free. Buffers above
//! `MAX_KEPT` go back to the allocator: one connection's large message does not stay pinned.

use std::cell::Cell;

use bytes::BytesMut;

/// The largest buffer kept as a spare.
const MAX_KEPT: usize = 64 * 1024;

thread_local! {
    static READ: Cell<Option<BytesMut>> = const { Cell::new(None) };
    static WRITE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// An empty read buffer, the thread's spare if there is one.
pub(super) fn take_read() -> BytesMut {
    READ.with(Cell::take).unwrap_or_default()
}

/// Gives back an emptied read buffer.
pub(super) fn give_read(buffer: BytesMut) {
    if buffer.is_empty() && buffer.capacity() <= MAX_KEPT {
        READ.with(|spare| spare.set(Some(buffer)));
    }
}

/// An empty write buffer, the thread's spare if there is one.
pub(super) fn take_write() -> Vec<u8> {
    WRITE.with(Cell::take)
}

/// Gives back a write buffer, emptied.
pub(super) fn give_write(mut buffer: Vec<u8>) {
    if buffer.capacity() <= MAX_KEPT {
        buffer.clear();
        WRITE.with(|spare| spare.set(buffer));
    }
}

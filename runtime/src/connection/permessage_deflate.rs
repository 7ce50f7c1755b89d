//! permessage-deflate (RFC 7692) on a connection's socket (`ws_socket.rs`): messages deflated
//! on the way out and inflated on the way in, with flate2 (zlib-rs).
//!
//! The deflate state of a direction without context takeover exists only while a message is
//! compressed or inflated: it is taken from a pool shared by every connection and given back.
//! With context takeover a connection keeps its own, made on its first compressed message.
//!
//! A publication goes to many subscribers as one shared frame (`outbound/publication.rs`).
//! Without context takeover its deflated form depends only on its text, the level and the
//! window, so the first subscriber's socket that deflates it leaves the result there for the
//! others ([`PerMessageDeflate::outgoing_shared`]).

use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use flate2::{Compress, Decompress, FlushCompress, FlushDecompress, Status};
use parking_lot::Mutex;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// The tail a sync flush ends with, which the sender removes and the receiver puts back
/// (RFC 7692 section 7.2.1).
const SYNC_TAIL: [u8; 4] = [0x00, 0x00, 0xff, 0xff];
/// The largest window (bits): inflating with it reads what any window produced.
const MAX_WINDOW_BITS: u8 = 15;
/// Idle deflate states a pool keeps: about one per worker thread is in use at a time, since a
/// message is compressed without awaiting anything.
const POOL_CAPACITY: usize = 32;

/// What a connection agreed on in its handshake, with the server's settings.
#[derive(Clone, Debug)]
pub(crate) struct DeflateParams {
    pub(crate) level: u32,
    /// Messages shorter than this go uncompressed.
    pub(crate) threshold: usize,
    pub(crate) server_context_takeover: bool,
    pub(crate) client_context_takeover: bool,
    /// The window the server deflates with.
    pub(crate) server_window_bits: u8,
    /// The pools of the server's settings, shared by its connections.
    pub(crate) pools: Arc<DeflatePools>,
}

/// The deflate and inflate states of the directions without context takeover, shared by every
/// connection of a server. Only deflaters of the server's own window are pooled; a connection
/// that asked for a smaller one makes its own for each message.
#[derive(Debug)]
pub(crate) struct DeflatePools {
    level: u32,
    window_bits: u8,
    deflaters: Mutex<Vec<Compress>>,
    inflaters: Mutex<Vec<Decompress>>,
}

impl DeflatePools {
    pub(crate) fn new(level: u32, window_bits: u8) -> Self {
        Self { level, window_bits, deflaters: Mutex::new(Vec::new()), inflaters: Mutex::new(Vec::new()) }
    }

    /// Deflates a message with a deflater of the pool (one made for it when `level` and `bits`
    /// are not the pool's), given back after.
    fn deflate(&self, level: u32, bits: u8, input: &[u8]) -> Bytes {
        let pooled = (level, bits) == (self.level, self.window_bits);
        let mut deflater = pooled
            .then(|| self.deflaters.lock().pop())
            .flatten()
            .unwrap_or_else(|| Compress::new_with_window_bits(flate2::Compression::new(level), false, bits));
        let deflated = Bytes::from(deflate(&mut deflater, input));
        if pooled {
            deflater.reset();
            let mut pool = self.deflaters.lock();
            if pool.len() < POOL_CAPACITY {
                pool.push(deflater);
            }
        }
        deflated
    }

    fn inflater(&self) -> Decompress {
        self.inflaters.lock().pop().unwrap_or_else(|| Decompress::new_with_window_bits(false, MAX_WINDOW_BITS))
    }

    fn give_inflater(&self, mut inflater: Decompress) {
        inflater.reset(false);
        let mut pool = self.inflaters.lock();
        if pool.len() < POOL_CAPACITY {
            pool.push(inflater);
        }
    }
}

/// Why a compressed message could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum InflateError {
    /// The payload is not a deflate stream.
    #[error("compressed message does not inflate")]
    Corrupt,
    /// Inflated, the message is over the size limit.
    #[error("inflated message over the size limit")]
    TooBig,
}

/// One connection's permessage-deflate state.
pub(crate) struct PerMessageDeflate {
    params: DeflateParams,
    /// With server context takeover: the connection's deflater, once it has compressed.
    deflater: Option<Box<Compress>>,
    /// With client context takeover: the connection's inflater, once it has inflated.
    inflater: Option<Box<Decompress>>,
}

impl PerMessageDeflate {
    pub(crate) fn new(params: DeflateParams) -> Self {
        Self { params, deflater: None, inflater: None }
    }

    /// The payload to send for a message, and whether it is compressed (RSV1).
    pub(crate) fn outgoing(&mut self, payload: &Bytes) -> (Bytes, bool) {
        if payload.len() < self.params.threshold {
            return (payload.clone(), false);
        }
        let (level, bits) = (self.params.level, self.params.server_window_bits);
        if self.params.server_context_takeover {
            let deflater = self.deflater.get_or_insert_with(|| {
                Box::new(Compress::new_with_window_bits(flate2::Compression::new(level), false, bits))
            });
            return (deflate(deflater, payload).into(), true);
        }
        (self.params.pools.deflate(level, bits, payload), true)
    }

    /// A publication's deflated payload from `shared`, made there by the first subscriber that
    /// needed it; `None` where this connection cannot share it (context takeover, another level
    /// or window) or the publication goes uncompressed.
    pub(crate) fn outgoing_shared(&mut self, text: &Utf8Bytes, shared: &OnceLock<Bytes>) -> Option<Bytes> {
        let pools = &self.params.pools;
        if self.params.server_context_takeover
            || text.len() < self.params.threshold
            || (self.params.level, self.params.server_window_bits) != (pools.level, pools.window_bits)
        {
            return None;
        }
        let deflated = shared.get_or_init(|| pools.deflate(pools.level, pools.window_bits, text.as_bytes()));
        Some(deflated.clone())
    }

    /// Inflates a compressed message's payload, refusing more than `limit` bytes.
    pub(crate) fn incoming(&mut self, payload: &[u8], limit: usize) -> Result<Vec<u8>, InflateError> {
        if self.params.client_context_takeover {
            let inflater =
                self.inflater.get_or_insert_with(|| Box::new(Decompress::new_with_window_bits(false, MAX_WINDOW_BITS)));
            return inflate(inflater, payload, limit);
        }
        let mut inflater = self.params.pools.inflater();
        let inflated = inflate(&mut inflater, payload, limit);
        self.params.pools.give_inflater(inflater);
        inflated
    }
}

/// Deflates a whole message with a sync flush, its tail removed.
fn deflate(deflater: &mut Compress, input: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(input.len() / 2 + 64);
    let start = deflater.total_in();
    loop {
        let consumed = (deflater.total_in() - start) as usize;
        if out.capacity() - out.len() < 64 {
            out.reserve(out.capacity().max(64));
        }
        // Deflating into a `Vec` with room fails only on a corrupt state, which flate2 never
        // leaves behind; the output is then cut short and the peer's inflate reports it.
        if deflater.compress_vec(&input[consumed..], &mut out, FlushCompress::Sync).is_err() {
            break;
        }
        // Done when every byte was taken and the flush did not fill the output.
        if (deflater.total_in() - start) as usize == input.len() && out.len() < out.capacity() {
            break;
        }
    }
    if out.ends_with(&SYNC_TAIL) {
        out.truncate(out.len() - SYNC_TAIL.len());
    }
    out
}

/// Inflates a message's payload with the sync tail put back; at most `limit` bytes.
fn inflate(inflater: &mut Decompress, payload: &[u8], limit: usize) -> Result<Vec<u8>, InflateError> {
    let mut out = Vec::with_capacity((payload.len() * 4).max(64).min(limit.saturating_add(1)));
    for input in [payload, &SYNC_TAIL[..]] {
        let start = inflater.total_in();
        loop {
            let consumed = (inflater.total_in() - start) as usize;
            if out.len() == out.capacity() {
                if out.len() > limit {
                    return Err(InflateError::TooBig);
                }
                out.reserve(out.capacity().min(limit + 1 - out.len()).max(64));
            }
            let before = out.len();
            let status = inflater
                .decompress_vec(&input[consumed..], &mut out, FlushDecompress::Sync)
                .map_err(|_| InflateError::Corrupt)?;
            if out.len() > limit {
                return Err(InflateError::TooBig);
            }
            if status == Status::StreamEnd {
                // The sender ended its deflate stream (a final block): the next message starts
                // a new one.
                inflater.reset(false);
                return Ok(out);
            }
            let taken = (inflater.total_in() - start) as usize;
            if taken == input.len() && out.len() < out.capacity() {
                break;
            }
            // Neither input taken nor output made, with room for output: not deflate.
            if taken == consumed && out.len() == before && out.len() < out.capacity() {
                return Err(InflateError::Corrupt);
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(server_context_takeover: bool, client_context_takeover: bool) -> DeflateParams {
        DeflateParams {
            level: 1,
            threshold: 16,
            server_context_takeover,
            client_context_takeover,
            server_window_bits: 15,
            pools: Arc::new(DeflatePools::new(1, 15)),
        }
    }

    fn text(n: usize) -> Bytes {
        Bytes::from((0..n).map(|i| format!("{{\"id\":{i},\"name\":\"item {}\"}}", i % 7)).collect::<String>())
    }

    #[test]
    fn what_is_deflated_inflates_back_with_and_without_context_takeover() {
        for (server, client) in [(true, true), (false, false), (true, false), (false, true)] {
            let mut sender = PerMessageDeflate::new(params(server, client));
            let mut receiver = PerMessageDeflate::new(params(client, server));
            for n in [1, 10, 500, 20_000] {
                let message = text(n);
                let (deflated, compressed) = sender.outgoing(&message);
                assert_eq!(compressed, message.len() >= 16);
                if compressed {
                    assert_eq!(receiver.incoming(&deflated, 10 << 20).unwrap(), message, "{n} records");
                }
            }
        }
    }

    #[test]
    fn a_publication_is_deflated_once_for_every_subscriber_without_context_takeover() {
        let pools = Arc::new(DeflatePools::new(1, 15));
        let publication = Utf8Bytes::from(String::from_utf8(text(100).to_vec()).unwrap());
        let shared = OnceLock::new();
        let mut subscribers: Vec<PerMessageDeflate> = (0..3)
            .map(|_| PerMessageDeflate::new(DeflateParams { pools: pools.clone(), ..params(false, false) }))
            .collect();
        let first = subscribers[0].outgoing_shared(&publication, &shared).unwrap();
        for subscriber in &mut subscribers[1..] {
            assert_eq!(subscriber.outgoing_shared(&publication, &shared).unwrap().as_ptr(), first.as_ptr());
        }
        let mut receiver = PerMessageDeflate::new(params(false, false));
        assert_eq!(receiver.incoming(&first, 1 << 20).unwrap(), publication.as_bytes());
        // A connection with context takeover, or another window, deflates it itself.
        let mut keeping = PerMessageDeflate::new(params(true, false));
        assert!(keeping.outgoing_shared(&publication, &shared).is_none());
        let small_window = DeflateParams { server_window_bits: 10, ..params(false, false) };
        assert!(PerMessageDeflate::new(small_window).outgoing_shared(&publication, &shared).is_none());
    }

    #[test]
    fn inflating_stops_at_the_limit_and_refuses_what_is_not_deflate() {
        let mut sender = PerMessageDeflate::new(params(false, false));
        let big = Bytes::from(vec![b'a'; 100_000]);
        let (deflated, _) = sender.outgoing(&big);
        let mut receiver = PerMessageDeflate::new(params(false, false));
        assert!(matches!(receiver.incoming(&deflated, 99_999), Err(InflateError::TooBig)));
        assert_eq!(receiver.incoming(&deflated, 100_000).unwrap().len(), 100_000);
        assert!(matches!(receiver.incoming(&[0xff; 40], 1000), Err(InflateError::Corrupt)));
    }
}

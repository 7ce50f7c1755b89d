//! RSV1 where RFC 7692 forbids it, on compressed connections. Only the first frame of a message
//! may carry RSV1 ("compressed"); a continuation or control frame with it set is a protocol
//! error (section 6.1) that yawc does not check: it inflates such a frame as part of the message.
//! This follows the frame headers in the bytes a compressed connection reads (the payloads are
//! skipped, not looked at) so that the read can fail with 1002 instead.

/// The longest frame header: 2 bytes, a 64-bit length, a mask.
const MAX_HEADER: usize = 2 + 8 + 4;

/// Where the reader is in the stream of frames.
#[derive(Debug)]
pub(crate) struct Rsv1Check {
    header: [u8; MAX_HEADER],
    /// Header bytes read so far, while between payloads.
    have: usize,
    /// Payload bytes still to skip.
    payload: u64,
}

/// The offset, in the bytes given, of a frame header with RSV1 set where it must not be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Rsv1Violation {
    pub(crate) at: usize,
}

impl std::fmt::Display for Rsv1Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RSV1 set on a continuation or control frame")
    }
}

impl std::error::Error for Rsv1Violation {}

impl Default for Rsv1Check {
    fn default() -> Self {
        Self { header: [0; MAX_HEADER], have: 0, payload: 0 }
    }
}

impl Rsv1Check {
    /// Follows the frames through `bytes`, the next bytes read from the peer.
    pub(crate) fn read(&mut self, bytes: &[u8]) -> Result<(), Rsv1Violation> {
        let mut at = 0;
        while at < bytes.len() {
            if self.payload > 0 {
                let skip = self.payload.min((bytes.len() - at) as u64);
                self.payload -= skip;
                at += skip as usize;
                continue;
            }
            let header_start = at - self.have.min(at);
            self.header[self.have] = bytes[at];
            self.have += 1;
            at += 1;
            let Some(len) = self.header_len() else { continue };
            if self.have < len {
                continue;
            }
            let first = self.header[0];
            let (rsv1, opcode) = (first & 0x40 != 0, first & 0x0f);
            if rsv1 && (opcode == 0 || opcode >= 8) {
                return Err(Rsv1Violation { at: header_start });
            }
            self.payload = self.payload_len();
            self.have = 0;
        }
        Ok(())
    }

    /// The whole header's length, once its first two bytes are known.
    fn header_len(&self) -> Option<usize> {
        if self.have < 2 {
            return None;
        }
        let extended = match self.header[1] & 0x7f {
            126 => 2,
            127 => 8,
            _ => 0,
        };
        let mask = if self.header[1] & 0x80 != 0 { 4 } else { 0 };
        Some(2 + extended + mask)
    }

    fn payload_len(&self) -> u64 {
        match self.header[1] & 0x7f {
            126 => u64::from(u16::from_be_bytes([self.header[2], self.header[3]])),
            127 => u64::from_be_bytes(self.header[2..10].try_into().unwrap_or_default()),
            n => u64::from(n),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A masked client frame.
    fn frame(first: u8, payload_len: usize) -> Vec<u8> {
        let mut f = vec![first];
        match payload_len {
            n if n < 126 => f.push(0x80 | n as u8),
            n if n <= 0xffff => {
                f.push(0x80 | 126);
                f.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                f.push(0x80 | 127);
                f.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        f.extend_from_slice(&[1, 2, 3, 4]);
        // Payload bytes that look like headers with RSV1 set: they must be skipped, not read.
        f.extend(std::iter::repeat_n(0xc0, payload_len));
        f
    }

    #[test]
    fn rsv1_on_first_frames_passes_at_any_split() {
        let stream: Vec<u8> =
            [frame(0x41, 10), frame(0x00, 300), frame(0x80, 70_000), frame(0x89, 3), frame(0xc1, 0)].concat();
        for chunk in [1, 2, 3, 7, 100, stream.len()] {
            let mut check = Rsv1Check::default();
            for piece in stream.chunks(chunk) {
                assert_eq!(check.read(piece), Ok(()), "chunks of {chunk}");
            }
        }
    }

    #[test]
    fn rsv1_on_a_continuation_or_control_frame_is_found_where_its_header_starts() {
        let first = frame(0x41, 5);
        for bad in [0xc0, 0x40, 0xc9, 0xc8] {
            let stream = [first.clone(), frame(bad, 2)].concat();
            let mut check = Rsv1Check::default();
            assert_eq!(check.read(&stream), Err(Rsv1Violation { at: first.len() }), "{bad:#x}");
            // Split inside the bad header: the offset is where it starts in the piece that ends it,
            // or 0 when it began in an earlier piece.
            let mut check = Rsv1Check::default();
            assert_eq!(check.read(&stream[..first.len() + 1]), Ok(()));
            assert_eq!(check.read(&stream[first.len() + 1..]), Err(Rsv1Violation { at: 0 }));
        }
    }
}

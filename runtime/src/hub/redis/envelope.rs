//! What travels on a Redis channel: one line of JSON header (format version, origin node,
//! excluded connection), a newline, then the publication frame exactly as subscribers receive it,
//! so a receiving node neither parses nor re-encodes the payload.
//!
//! `{"v":1,"o":"5f0c3a9e12b4d7e0","x":"8a1f03c2d4e5-1f"}\n{"topic":"room:general","data":{...}}`

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

const VERSION: u8 = 1;

#[derive(Serialize, Deserialize)]
struct Header<'a> {
    v: u8,
    #[serde(borrow)]
    o: Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    x: Option<Cow<'a, str>>,
}

/// A decoded envelope, borrowing from the message.
#[derive(Debug, PartialEq)]
pub(super) struct Envelope<'a> {
    pub(super) origin: Cow<'a, str>,
    pub(super) exclude: Option<Cow<'a, str>>,
    pub(super) frame: &'a str,
}

/// Why a message on a wirechan Redis channel was ignored.
#[derive(Debug, thiserror::Error)]
pub(super) enum EnvelopeError {
    #[error("no header line")]
    NoHeader,
    #[error("bad header: {0}")]
    Header(#[from] serde_json::Error),
    #[error("unknown envelope version {0}")]
    Version(u8),
    #[error("the frame is not UTF-8")]
    NotUtf8,
}

pub(super) fn encode(origin: &str, exclude: Option<&str>, frame: &str) -> Vec<u8> {
    let header = Header { v: VERSION, o: Cow::Borrowed(origin), x: exclude.map(Cow::Borrowed) };
    let mut buf = Vec::with_capacity(frame.len() + origin.len() + exclude.map_or(0, str::len) + 24);
    // Serializing a struct of strings into a Vec cannot fail.
    let _ = serde_json::to_writer(&mut buf, &header);
    buf.push(b'\n');
    buf.extend_from_slice(frame.as_bytes());
    buf
}

pub(super) fn decode(bytes: &[u8]) -> Result<Envelope<'_>, EnvelopeError> {
    let split = bytes.iter().position(|&b| b == b'\n').ok_or(EnvelopeError::NoHeader)?;
    let header: Header<'_> = serde_json::from_slice(&bytes[..split])?;
    if header.v != VERSION {
        return Err(EnvelopeError::Version(header.v));
    }
    let frame = std::str::from_utf8(&bytes[split + 1..]).map_err(|_| EnvelopeError::NotUtf8)?;
    Ok(Envelope { origin: header.o, exclude: header.x, frame })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_with_and_without_exclude() {
        let frame = r#"{"topic":"t","data":"line\nbreak"}"#;
        let bytes = encode("node-1", Some("a\"b"), frame);
        let env = decode(&bytes).unwrap();
        assert_eq!(env.origin, "node-1");
        assert_eq!(env.exclude.as_deref(), Some("a\"b"));
        assert_eq!(env.frame, frame);

        let bytes = encode("node-1", None, frame);
        assert!(bytes.starts_with(br#"{"v":1,"o":"node-1"}"#));
        assert_eq!(decode(&bytes).unwrap().exclude, None);
    }

    #[test]
    fn rejects_what_no_wirechan_node_sent() {
        assert!(matches!(decode(b"hello"), Err(EnvelopeError::NoHeader)));
        assert!(matches!(decode(b"{]\n{}"), Err(EnvelopeError::Header(_))));
        assert!(matches!(decode(b"{\"v\":9,\"o\":\"n\"}\n{}"), Err(EnvelopeError::Version(9))));
        assert!(matches!(decode(b"{\"v\":1,\"o\":\"n\"}\n\xff"), Err(EnvelopeError::NotUtf8)));
    }
}

//! Topic histories in Redis: per topic, a hash `<prefix>meta:<topic>` holding its epoch (`e`)
//! and last offset (`o`), and a stream `<prefix>history:<topic>` whose entry ids are the offsets.
//! A Lua script gives a publication its offset, stores it and publishes it in one step, so two
//! nodes never give one offset to two publications and every node receives a topic's
//! publications in offset order. Another reads a topic's epoch, last offset and kept
//! publications in one step, creating the epoch if the topic has none.

use std::time::{Duration, Instant};

use redis::Value;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::envelope;
use crate::codec;
use crate::connection_id::ConnectionId;
use crate::hub::History;
use crate::hub::mirror::Backfilled;

/// KEYS: meta, stream. ARGV: size, ttl (ms), meta ttl (ms), a new epoch, channel, envelope.
/// Publishes `#<offset> <epoch> <size> <ttl ms>\n<envelope>`.
pub(super) const PUBLISH: &str = r"
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[4]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch, 'o', 0)
end
local offset = redis.call('HINCRBY', KEYS[1], 'o', 1)
local t = redis.call('TIME')
local ms = string.format('%d', t[1] * 1000 + math.floor(t[2] / 1000))
local added = redis.pcall('XADD', KEYS[2], 'MAXLEN', ARGV[1], offset .. '-0', 't', ms, 'f', ARGV[6])
if type(added) == 'table' and added.err then
  -- The stream does not follow the meta (changed by hand): the topic starts a new epoch.
  epoch = ARGV[4]
  offset = 1
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch, 'o', 1)
  redis.call('XADD', KEYS[2], 'MAXLEN', ARGV[1], '1-0', 't', ms, 'f', ARGV[6])
end
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('PUBLISH', ARGV[5], '#' .. offset .. ' ' .. epoch .. ' ' .. ARGV[1] .. ' ' .. ARGV[2] .. '\n' .. ARGV[6])
return offset
";

/// KEYS: meta, stream. ARGV: a new epoch, meta ttl (ms), count, first offset (0: the last
/// `count`). Returns `{epoch, last offset, now s, now µs, entries}`.
pub(super) const READ: &str = r"
local epoch = redis.call('HGET', KEYS[1], 'e')
if not epoch then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[2])
  redis.call('HSET', KEYS[1], 'e', epoch, 'o', 0)
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
local top = redis.call('HGET', KEYS[1], 'o')
local t = redis.call('TIME')
local entries
if tonumber(ARGV[4]) > 0 then
  entries = redis.call('XRANGE', KEYS[2], ARGV[4] .. '-0', '+', 'COUNT', ARGV[3])
else
  entries = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', ARGV[3])
end
return {epoch, top, t[1], t[2], entries}
";

/// A topic's history as Redis keeps it.
pub(super) struct Read {
    pub(super) epoch: String,
    pub(super) top: u64,
    /// In offset order.
    pub(super) entries: Vec<Backfilled>,
}

/// A positioned publication as it travels: its position, its topic's history, its envelope.
pub(super) struct Header<'a> {
    pub(super) offset: u64,
    pub(super) epoch: &'a str,
    pub(super) history: History,
    pub(super) envelope: &'a [u8],
}

/// The header of a positioned publication: `#<offset> <epoch> <size> <ttl ms>\n`, then the
/// envelope. `None` for a publication without history.
pub(super) fn split_position(payload: &[u8]) -> Option<Result<Header<'_>, &'static str>> {
    let rest = payload.strip_prefix(b"#")?;
    let parse = || {
        let end = rest.iter().position(|&b| b == b'\n').ok_or("no end of header")?;
        let header = std::str::from_utf8(&rest[..end]).map_err(|_| "header not UTF-8")?;
        let mut parts = header.split(' ');
        let mut next = || parts.next().ok_or("short header");
        let offset = next()?.parse::<u64>().map_err(|_| "bad offset")?;
        let epoch = next()?;
        let size = next()?.parse::<u64>().map_err(|_| "bad size")?;
        let ttl = next()?.parse::<u64>().map_err(|_| "bad ttl")?;
        if offset == 0 {
            return Err("offset 0");
        }
        Ok(Header {
            offset,
            epoch,
            history: History::new(size, Duration::from_millis(ttl)),
            envelope: &rest[end + 1..],
        })
    };
    Some(parse())
}

/// A publication read from Redis: the frame subscribers get, whom it excludes, and the node
/// that made it.
pub(super) struct Positioned {
    pub(super) frame: String,
    pub(super) exclude: Option<ConnectionId>,
    pub(super) origin: String,
}

/// The [`Positioned`] publication of an envelope at `offset` of `epoch`.
pub(super) fn positioned_frame(bytes: &[u8], offset: u64, epoch: &str) -> Result<Positioned, envelope::EnvelopeError> {
    let envelope = envelope::decode(bytes)?;
    Ok(Positioned {
        frame: codec::with_position(envelope.frame.to_owned(), offset, epoch),
        exclude: envelope.exclude.as_deref().map(ConnectionId::from),
        origin: envelope.origin.into_owned(),
    })
}

/// Parses what [`READ`] returns.
pub(super) fn parse_read(value: Value) -> Result<Read, String> {
    let Value::Array(items) = value else { return Err(format!("unexpected answer {value:?}")) };
    let [epoch, top, secs, micros, entries]: [Value; 5] =
        items.try_into().map_err(|_| "expected 5 items".to_owned())?;
    let text = |v: &Value| -> Result<String, String> {
        match v {
            Value::BulkString(b) => String::from_utf8(b.clone()).map_err(|e| e.to_string()),
            Value::SimpleString(s) => Ok(s.clone()),
            Value::Int(i) => Ok(i.to_string()),
            other => Err(format!("expected a string, got {other:?}")),
        }
    };
    let number = |v: &Value| -> Result<u64, String> { text(v)?.parse::<u64>().map_err(|e| e.to_string()) };
    let epoch = text(&epoch)?;
    let top = number(&top)?;
    let now_ms = number(&secs)? * 1000 + number(&micros)? / 1000;
    let Value::Array(entries) = entries else { return Err("entries are not an array".to_owned()) };
    let received = Instant::now();
    let mut out = Vec::with_capacity(entries.len());
    for entry in entries {
        let Value::Array(parts) = entry else { return Err("an entry is not an array".to_owned()) };
        let [id, fields]: [Value; 2] = parts.try_into().map_err(|_| "an entry has no fields".to_owned())?;
        let offset = text(&id)?.split('-').next().unwrap_or_default().parse::<u64>().map_err(|e| e.to_string())?;
        let Value::Array(fields) = fields else { return Err("fields are not an array".to_owned()) };
        let (mut t, mut f) = (None, None);
        for pair in fields.chunks(2) {
            if let [name, value] = pair {
                match text(name)?.as_str() {
                    "t" => t = Some(number(value)?),
                    "f" => f = Some(value),
                    _ => {}
                }
            }
        }
        let Value::BulkString(f) = f.ok_or("an entry has no frame")? else { return Err("bad frame".to_owned()) };
        let read = positioned_frame(f, offset, &epoch).map_err(|e| e.to_string())?;
        let age = Duration::from_millis(now_ms.saturating_sub(t.unwrap_or(now_ms)));
        let at = received.checked_sub(age).unwrap_or(received);
        out.push(Backfilled { offset, at, excluded: read.exclude, frame: Utf8Bytes::from(read.frame) });
    }
    out.sort_by_key(|e| e.offset);
    Ok(Read { epoch, top, entries: out })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_positioned_publication_splits_into_its_position_and_envelope() {
        let h = split_position(b"#12 ab01 100 60000\n{\"v\":1}\nx").unwrap().unwrap();
        assert_eq!(
            (h.offset, h.epoch, h.history.size(), h.history.ttl(), h.envelope),
            (12, "ab01", 100, Duration::from_secs(60), &b"{\"v\":1}\nx"[..])
        );
        assert!(split_position(b"{\"v\":1}\n{}").is_none());
        for bad in [&b"#x ab 1 1\n"[..], b"#1 ab\n", b"#0 ab 1 1\n", b"#1 ab 1 1"] {
            assert!(split_position(bad).unwrap().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn a_read_parses_into_entries_in_offset_order() {
        let bulk = |s: &str| Value::BulkString(s.as_bytes().to_vec());
        let entry = |offset: u64, t: &str| {
            let env = envelope::encode("n", None, r#"{"topic":"t","data":1}"#);
            Value::Array(vec![
                bulk(&format!("{offset}-0")),
                Value::Array(vec![bulk("t"), bulk(t), bulk("f"), Value::BulkString(env)]),
            ])
        };
        let value = Value::Array(vec![
            bulk("e1"),
            bulk("7"),
            bulk("1000"),
            bulk("0"),
            Value::Array(vec![entry(7, "999000"), entry(6, "1000000")]),
        ]);
        let read = parse_read(value).unwrap();
        assert_eq!((read.epoch.as_str(), read.top), ("e1", 7));
        let offsets: Vec<u64> = read.entries.iter().map(|e| e.offset).collect();
        assert_eq!(offsets, [6, 7]);
        assert_eq!(read.entries[1].frame.as_str(), r#"{"topic":"t","data":1,"offset":7,"epoch":"e1"}"#);
    }
}

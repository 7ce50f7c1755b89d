//! Builds the frames the server sends (PROTOCOL.md sections 1-4). Each function writes one JSON
//! object into a fresh string; payloads arrive already serialized so that a publication is
//! encoded once however many subscribers receive it.

use serde::Serialize;

use crate::error::ChannelError;

/// A value serialized to JSON once, ready to be spliced into frames.
#[derive(Debug, Clone)]
pub struct Encoded(pub(crate) String);

impl Encoded {
    /// Serializes a value.
    pub fn new<T: Serialize + ?Sized>(value: &T) -> Result<Self, ChannelError> {
        serde_json::to_string(value).map(Encoded).map_err(|e| {
            tracing::error!(error = %e, "a value could not be serialized to JSON");
            ChannelError::internal()
        })
    }

    /// The unit value, which replies carry no data for.
    pub(crate) fn unit() -> Self {
        Encoded(String::new())
    }

    pub(crate) fn is_unit(&self) -> bool {
        self.0.is_empty()
    }

    /// The JSON text (`null` for a unit value).
    pub fn as_json(&self) -> &str {
        if self.0.is_empty() { "null" } else { &self.0 }
    }
}

/// Whether `s` is its own JSON string body: no quote, backslash or control character to escape.
fn is_plain(s: &str) -> bool {
    s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\')
}

fn push_str_json(buf: &mut String, s: &str) {
    // Routing keys, action names and topics almost never need escaping: copy them as they are
    // rather than allocating serde_json's escaped copy on every frame.
    if is_plain(s) {
        buf.push('"');
        buf.push_str(s);
        buf.push('"');
        return;
    }
    // serde_json's escaping writes into a Vec; strings are valid UTF-8 either way.
    let quoted = serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned());
    buf.push_str(&quoted);
}

/// Whether the JSON text has the string `"<key>"` anywhere, without allocating the quoted key.
/// Jumps from quote to quote: a reply has few, and a substring searcher costs more to build
/// than this scan.
fn mentions_quoted(json: &str, key: &str) -> bool {
    let (json, key) = (json.as_bytes(), key.as_bytes());
    memchr::memchr_iter(b'"', json)
        .any(|at| json[at + 1..].starts_with(key) && json.get(at + 1 + key.len()) == Some(&b'"'))
}

fn open_call(buf: &mut String, key: &str, action: &str, id: Option<&str>) {
    buf.push('{');
    push_str_json(buf, key);
    buf.push(':');
    push_str_json(buf, action);
    if let Some(id) = id {
        buf.push_str(",\"id\":");
        buf.push_str(id);
    }
}

/// Flat-mode reply: the output object with the routing key first, a non-object output under
/// `result`, a unit output as the routing key alone.
pub(crate) fn flat_reply(key: &str, action: &str, out: Encoded) -> String {
    if out.0.starts_with('{') && !mentions_quoted(&out.0, key) {
        let mut head = [0u8; 128];
        if let Some(prefix) = flat_prefix(&mut head, key, action, !out.0[1..].trim_start().starts_with('}')) {
            // The output's own buffer becomes the frame: one move of its bytes instead of a
            // second allocation and a copy.
            let mut frame = out.0;
            frame.insert_str(1, &prefix[1..]);
            return frame;
        }
    }
    let mut buf = String::with_capacity(out.0.len() + key.len() + action.len() + 16);
    open_call(&mut buf, key, action, None);
    let json = out.0.trim_start();
    if out.is_unit() {
        buf.push('}');
    } else if let Some(rest) = json.strip_prefix('{') {
        // An output with a member named like the routing key would give the frame that key
        // twice; the routing key wins and the output's member is left out. The substring test
        // keeps the common case free of a second parse.
        let without_key = mentions_quoted(json, key).then(|| without_member(json, key)).flatten();
        let rest = match &without_key {
            Some(object) => object.trim_start().strip_prefix('{').unwrap_or("}"),
            None => rest,
        };
        let rest = rest.trim_start();
        if !rest.starts_with('}') {
            buf.push(',');
        }
        buf.push_str(rest);
    } else {
        buf.push_str(",\"result\":");
        buf.push_str(json);
        buf.push('}');
    }
    buf
}

/// `{"<key>":"<action>",` (the comma only when members follow) written into `head`, when
/// neither name needs escaping and it fits.
fn flat_prefix<'h>(head: &'h mut [u8], key: &str, action: &str, members_follow: bool) -> Option<&'h str> {
    use std::io::Write;
    if !is_plain(key) || !is_plain(action) {
        return None;
    }
    let room = head.len();
    let mut cursor = &mut head[..];
    let comma: &[u8] = if members_follow { b"," } else { b"" };
    for part in [b"{\"", key.as_bytes(), b"\":\"", action.as_bytes(), b"\"", comma] {
        cursor.write_all(part).ok()?;
    }
    let written = room - cursor.len();
    std::str::from_utf8(&head[..written]).ok()
}

/// The JSON object `json` re-encoded without its member `key`, if it has one.
fn without_member(json: &str, key: &str) -> Option<String> {
    let mut object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(json).ok()?;
    object.remove(key)?;
    serde_json::to_string(&object).ok()
}

/// Envelope-mode reply: `{"<key>":"x","id":7,"data":<output>}`, without `data` for a unit output.
pub(crate) fn envelope_reply(key: &str, action: &str, id: Option<&str>, member: &str, out: &Encoded) -> String {
    let mut buf = String::with_capacity(out.0.len() + key.len() + action.len() + 32);
    open_call(&mut buf, key, action, id);
    if !out.is_unit() {
        buf.push_str(",\"");
        buf.push_str(member);
        buf.push_str("\":");
        buf.push_str(&out.0);
    }
    buf.push('}');
    buf
}

/// Envelope-mode reply of the fallback to a frame without routing key: `{"id":7,"data":...}`.
pub(crate) fn envelope_reply_untagged(id: Option<&str>, out: &Encoded) -> String {
    let mut buf = String::from("{");
    if let Some(id) = id {
        buf.push_str("\"id\":");
        buf.push_str(id);
        if !out.is_unit() {
            buf.push(',');
        }
    }
    if !out.is_unit() {
        buf.push_str("\"data\":");
        buf.push_str(&out.0);
    }
    buf.push('}');
    buf
}

/// An error tied to a call (`key`/`action` known) or not (`None`).
pub(crate) fn error_frame(call: Option<(&str, &str)>, id: Option<&str>, err: &ChannelError) -> String {
    let err_json =
        serde_json::to_string(err).unwrap_or_else(|_| r#"{"code":"internal","message":"internal error"}"#.to_owned());
    let mut buf = String::with_capacity(err_json.len() + 48);
    match call {
        Some((key, action)) => {
            open_call(&mut buf, key, action, id);
            buf.push(',');
        }
        None => {
            buf.push('{');
            if let Some(id) = id {
                buf.push_str("\"id\":");
                buf.push_str(id);
                buf.push(',');
            }
        }
    }
    buf.push_str("\"error\":");
    buf.push_str(&err_json);
    buf.push('}');
    buf
}

/// A publication: `{"topic":"room:general","data":<payload>}`.
pub(crate) fn publication(topic: &str, payload: &Encoded) -> String {
    let mut buf = String::with_capacity(payload.0.len() + topic.len() + 24);
    buf.push_str("{\"topic\":");
    push_str_json(&mut buf, topic);
    buf.push_str(",\"data\":");
    buf.push_str(payload.as_json());
    buf.push('}');
    buf
}

/// Envelope-mode frame from `on_connect`: `{"event":"connect","data":<value>}`.
pub(crate) fn connect_event(value: &Encoded) -> String {
    format!("{{\"event\":\"connect\",\"data\":{}}}", value.as_json())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(s: &str) -> Encoded {
        Encoded(s.to_owned())
    }

    #[test]
    fn flat_reply_shapes() {
        assert_eq!(flat_reply("action", "x", enc(r#"{"a":1}"#)), r#"{"action":"x","a":1}"#);
        assert_eq!(flat_reply("action", "x", enc("{}")), r#"{"action":"x"}"#);
        assert_eq!(flat_reply("action", "x", enc("3")), r#"{"action":"x","result":3}"#);
        assert_eq!(flat_reply("action", "x", Encoded::unit()), r#"{"action":"x"}"#);
        // The routing key is never sent twice, whatever the output holds.
        assert_eq!(flat_reply("action", "x", enc(r#"{"action":"y","a":1}"#)), r#"{"action":"x","a":1}"#);
        assert_eq!(flat_reply("action", "x", enc(r#"{"action":"y"}"#)), r#"{"action":"x"}"#);
        assert_eq!(flat_reply("action", "x", enc(r#"{"b":"\"action\""}"#)), r#"{"action":"x","b":"\"action\""}"#);
        // Names that need escaping, or are too long for the in-place prefix, take the slow path.
        assert_eq!(flat_reply("action", "x\"y", enc(r#"{"a":1}"#)), r#"{"action":"x\"y","a":1}"#);
        let long = "n".repeat(200);
        assert_eq!(flat_reply("action", &long, enc(r#"{"a":1}"#)), format!(r#"{{"action":"{long}","a":1}}"#));
    }

    #[test]
    fn envelope_shapes() {
        assert_eq!(
            envelope_reply("action", "x", Some("7"), "data", &enc("[1]")),
            r#"{"action":"x","id":7,"data":[1]}"#
        );
        assert_eq!(
            envelope_reply("action", "x", Some("\"a\""), "data", &Encoded::unit()),
            r#"{"action":"x","id":"a"}"#
        );
        let e = ChannelError::unauthorized("no");
        assert_eq!(error_frame(None, None, &e), r#"{"error":{"code":"unauthorized","message":"no"}}"#);
        assert_eq!(publication("t\"", &enc("1")), r#"{"topic":"t\"","data":1}"#);
    }
}

//! Builds the frames the server sends (PROTOCOL.md sections 1-4). Each function writes one JSON
//! object into a fresh string; payloads arrive already serialized so that a publication is
//! encoded once however many subscribers receive it.

use serde::Serialize;

use super::RoutingKeys;
use super::finite::Finite;
use crate::error::ChannelError;

/// A value serialized to JSON once, ready to be spliced into frames.
#[derive(Debug, Clone)]
pub struct Encoded(pub(crate) String);

impl Encoded {
    /// Serializes a value; a NaN or infinite float in it is an error (`codec/finite.rs`).
    pub fn new<T: Serialize + ?Sized>(value: &T) -> Result<Self, ChannelError> {
        serde_json::to_string(&Finite(value)).map(Encoded).map_err(|e| {
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

pub(super) fn push_str_json(buf: &mut String, s: &str) {
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

/// Whether the JSON text may have a member named `key` (`RoutingKeys::may_name`): through the
/// channel's prebuilt searchers when they are at hand.
fn may_name(keys: Option<&RoutingKeys>, key: &str, json: &str) -> bool {
    match keys {
        Some(keys) => keys.may_name(key, json),
        None => super::routing_keys::may_name_quoted(json, key),
    }
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
/// `result`, a unit output as the routing key alone. `keys` are the channel's routing keys, when
/// at hand: they make the check for a member named like the routing key cheaper.
pub(crate) fn flat_reply(keys: Option<&RoutingKeys>, key: &str, action: &str, out: Encoded) -> String {
    if let Some(body) = out.0.strip_prefix('{')
        && is_plain(key)
        && is_plain(action)
        && !may_name(keys, key, &out.0)
    {
        let members_follow = !body.trim_start().starts_with('}');
        // Exactly as long as it needs to be: the frame then becomes the socket's `Bytes`
        // without another allocation (`Bytes::from` keeps a buffer with no spare capacity).
        let mut frame = String::with_capacity(key.len() + action.len() + 6 + usize::from(members_follow) + body.len());
        frame.push_str("{\"");
        frame.push_str(key);
        frame.push_str("\":\"");
        frame.push_str(action);
        frame.push('"');
        if members_follow {
            frame.push(',');
        }
        frame.push_str(body);
        return frame;
    }
    let mut buf = String::with_capacity(out.0.len() + key.len() + action.len() + 16);
    open_call(&mut buf, key, action, None);
    let json = out.0.trim_start();
    if out.is_unit() {
        buf.push('}');
    } else if let Some(rest) = json.strip_prefix('{') {
        // An output with a member named like the routing key would give the frame that key
        // twice; the routing key wins and the output's member is left out. The test on the text
        // keeps the common case free of a second parse.
        let without_key = may_name(keys, key, json).then(|| without_member(json, key)).flatten();
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

/// `frame` (a publication frame from [`publication`]) with its position appended, in place:
/// `{"topic":..,"data":..,"offset":N,"epoch":".."}`.
pub(crate) fn with_position(frame: String, offset: u64, epoch: &str) -> String {
    let mut buf = frame;
    if buf.ends_with('}') {
        buf.pop();
    }
    buf.reserve(epoch.len() + 44);
    buf.push_str(",\"offset\":");
    // Writing into a String cannot fail.
    let _ = std::fmt::Write::write_fmt(&mut buf, format_args!("{offset}"));
    buf.push_str(",\"epoch\":");
    push_str_json(&mut buf, epoch);
    buf.push('}');
    buf
}

/// What a subscriber excluded from a publication with history gets: its position alone,
/// `{"topic":..,"offset":N,"epoch":".."}`, so that its offsets stay unbroken.
pub(crate) fn position_only(topic: &str, offset: u64, epoch: &str) -> String {
    let mut buf = String::with_capacity(topic.len() + epoch.len() + 48);
    buf.push_str("{\"topic\":");
    push_str_json(&mut buf, topic);
    buf.push('}');
    with_position(buf, offset, epoch)
}

/// What tells a client following a topic's positions that the server dropped publications of
/// it up to `offset` (a full outbound queue): `{"topic":..,"offset":N,"epoch":"..","missed":true}`.
pub(crate) fn missed(topic: &str, offset: u64, epoch: &str) -> String {
    let mut frame = position_only(topic, offset, epoch);
    frame.pop();
    frame.push_str(",\"missed\":true}");
    frame
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

    /// The flat reply, which must not depend on whether the routing keys were at hand.
    fn reply(key: &str, action: &str, out: Encoded) -> String {
        let keys = RoutingKeys::new(&["action", "type"]);
        let with_keys = flat_reply(Some(&keys), key, action, out.clone());
        assert_eq!(with_keys, flat_reply(None, key, action, out));
        with_keys
    }

    #[test]
    fn flat_reply_shapes() {
        assert_eq!(reply("action", "x", enc(r#"{"a":1}"#)), r#"{"action":"x","a":1}"#);
        assert_eq!(reply("action", "x", enc("{}")), r#"{"action":"x"}"#);
        assert_eq!(reply("action", "x", enc("3")), r#"{"action":"x","result":3}"#);
        assert_eq!(reply("action", "x", Encoded::unit()), r#"{"action":"x"}"#);
        // The routing key is never sent twice, whatever the output holds.
        assert_eq!(reply("action", "x", enc(r#"{"action":"y","a":1}"#)), r#"{"action":"x","a":1}"#);
        assert_eq!(reply("action", "x", enc(r#"{"action":"y"}"#)), r#"{"action":"x"}"#);
        assert_eq!(reply("action", "x", enc(r#"{"b":"\"action\""}"#)), r#"{"action":"x","b":"\"action\""}"#);
        // Also when the output spells the key with an escape.
        assert_eq!(reply("action", "x", enc(r#"{"\u0061ction":"y","a":1}"#)), r#"{"action":"x","a":1}"#);
        // Names that need escaping take the slow path; long names do not.
        assert_eq!(reply("action", "x\"y", enc(r#"{"a":1}"#)), r#"{"action":"x\"y","a":1}"#);
        let long = "n".repeat(200);
        assert_eq!(reply("action", &long, enc(r#"{"a":1}"#)), format!(r#"{{"action":"{long}","a":1}}"#));
    }

    #[test]
    fn fast_replies_have_no_spare_capacity() {
        for out in [r#"{"a":1}"#, "{}", "{ }", r#"{"p":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}"#] {
            let frame = reply("action", "echo", enc(out));
            assert_eq!(frame.len(), frame.capacity(), "{frame}");
        }
    }

    #[test]
    fn a_mention_is_found_at_every_offset_with_or_without_the_keys() {
        let keys = RoutingKeys::new(&["action", "a"]);
        for pad in 0..20 {
            let lead = "é".repeat(pad % 3) + &"x".repeat(pad);
            for text in [
                format!(r#"{lead}"action""#),
                format!(r#"{{"{lead}":"action"}}"#),
                format!(r#"{lead}"actio""#),
                format!(r#"{lead}"actions""#),
                format!(r#"{lead}action""#),
                format!(r#""{lead}"#),
                format!(r#"{lead}"""""action"""#),
            ] {
                for key in ["action", "a", "other"] {
                    let naive = text.contains(&format!("\"{key}\""));
                    assert_eq!(may_name(Some(&keys), key, &text), naive, "{text:?} {key:?}");
                    assert_eq!(may_name(None, key, &text), naive, "{text:?} {key:?}");
                }
            }
        }
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

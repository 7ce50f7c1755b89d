//! The one-pass path of a flat-mode frame: when the frame opens with its routing key
//! (`{"action":"echo",...`, as `JSON.stringify` and every generated client write it), the action
//! is known before the rest is read, so the input is decoded straight from the frame text,
//! skipping the routing key, instead of first splitting the frame into raw members and then
//! decoding them. Anything unusual (another routing key later in the frame, a repeated key,
//! trailing bytes, any decoding error) makes the caller fall back to the general path, which
//! gives the documented answer; so this path only ever decides frames the general path would
//! accept, and accepts them the same way.

use std::fmt;

use serde::de::value::CowStrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, Visitor};

/// The routing key a flat frame opens with, when the frame starts with `{"<key>":"<value>"`
/// followed by `,` or `}`, the value holding no escape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LeadingKey<'t> {
    /// The key's index in the channel's routing keys.
    pub(crate) index: usize,
    /// The routing key's value: the action's name.
    pub(crate) value: &'t str,
    /// The frame after the value's closing quote: `,` and the other members, or `}`.
    pub(crate) rest: &'t str,
}

/// Reads the routing key a flat frame opens with, byte by byte: this runs on every frame, and
/// a frame that does not look exactly like this takes the general path.
pub(crate) fn leading_routing_key<'t>(text: &'t str, keys: &[&'static str]) -> Option<LeadingKey<'t>> {
    let bytes = text.as_bytes();
    let after_brace = bytes.strip_prefix(b"{\"")?;
    let (index, key) = keys.iter().enumerate().find(|(_, key)| {
        let key = key.as_bytes();
        after_brace.len() > key.len() + 3
            && after_brace.starts_with(key)
            && after_brace[key.len()..].starts_with(b"\":\"")
    })?;
    let start = 2 + key.len() + 3;
    let len = bytes[start..].iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    let end = start + len;
    match bytes[end..] {
        // Both ends are ASCII quotes: valid places to slice the text.
        [b'"', b',' | b'}', ..] => Some(LeadingKey { index, value: &text[start..end], rest: &text[end + 1..] }),
        _ => None,
    }
}

/// The input of a flat frame that opens with a routing key, as JSON text: `{` and every member
/// after that first one (`rest`, as [`LeadingKey`] gives it), for a handler that takes its input
/// as raw JSON. `None` sends the frame down the general path: another member may be named like
/// a routing key (`RoutingKeys::may_name_any`: a mention of the name or an escape that could spell
/// it is enough), or the frame may not be valid JSON.
pub(crate) fn input_text(rest: &str, keys: &super::RoutingKeys) -> Option<Box<serde_json::value::RawValue>> {
    let members = match rest.strip_prefix(',') {
        // `{` and `}` is an object; `,` and `}` in the frame is not.
        Some(members) if members.trim_start().starts_with('}') => return None,
        Some(members) => members,
        None if rest == "}" => return serde_json::value::RawValue::from_string("{}".to_owned()).ok(),
        None => return None,
    };
    if keys.may_name_any(members) {
        return None;
    }
    // Exact capacity and no surrounding whitespace: `from_string` then keeps this buffer.
    let mut json = String::with_capacity(1 + members.len());
    json.push('{');
    json.push_str(members);
    serde_json::value::RawValue::from_string(json).ok()
}

/// Decodes the input of a flat frame that opens with a routing key: every member but that first
/// one. Fails on any other member named like a routing key, so that routing stays the general
/// path's (the last occurrence of a key counts, keys are tried in order).
pub(crate) fn decode_frame<T: DeserializeOwned>(text: &str, keys: &[&'static str]) -> Result<T, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value = T::deserialize(WithoutRoutingKey { de: &mut de, keys })?;
    de.end()?;
    Ok(value)
}

/// The frame as a map deserializer, whatever the input type asks for, as the general path's
/// `MapDeserializer` over the members is.
struct WithoutRoutingKey<'a, 'de> {
    de: &'a mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
    keys: &'a [&'static str],
}

impl<'de> Deserializer<'de> for WithoutRoutingKey<'_, 'de> {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
        self.de.deserialize_map(SkipVisitor { inner: visitor, keys: self.keys })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

struct SkipVisitor<'k, V> {
    inner: V,
    keys: &'k [&'static str],
}

impl<'de, V: Visitor<'de>> Visitor<'de> for SkipVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(SkipMap { inner: map, keys: self.keys, first: true })
    }
}

/// The frame's members without the first, which is the routing key.
struct SkipMap<'k, A> {
    inner: A,
    keys: &'k [&'static str],
    first: bool,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for SkipMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        if std::mem::take(&mut self.first) {
            // `leading_routing_key` has checked the first member: skip it.
            self.inner.next_key::<de::IgnoredAny>()?;
            self.inner.next_value::<de::IgnoredAny>()?;
        }
        let Some(super::inbound::FrameStr(key)) = self.inner.next_key()? else { return Ok(None) };
        if self.keys.contains(&key.as_ref()) {
            return Err(de::Error::custom("a routing key appears twice: the general path decides"));
        }
        seed.deserialize(CowStrDeserializer::new(key)).map(Some)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Map, Value, json};

    use super::*;

    const KEYS: &[&str] = &["action", "type"];

    #[test]
    fn the_leading_routing_key_is_read_without_parsing() {
        let echo = LeadingKey { index: 0, value: "echo", rest: r#","p":1}"# };
        assert_eq!(leading_routing_key(r#"{"action":"echo","p":1}"#, KEYS), Some(echo));
        let ping = LeadingKey { index: 1, value: "ping", rest: "}" };
        assert_eq!(leading_routing_key(r#"{"type":"ping"}"#, KEYS), Some(ping));
        let unicode = LeadingKey { index: 0, value: "écho", rest: "}" };
        assert_eq!(leading_routing_key(r#"{"action":"écho"}"#, KEYS), Some(unicode));
        // Anything else goes the general way.
        for text in [
            r#"{"p":1,"action":"echo"}"#,
            r#"{ "action":"echo"}"#,
            r#"{"action": "echo"}"#,
            r#"{"action":"ec\"ho"}"#,
            r#"{"action":"echo""#,
            r#"{"action":"echo"x"#,
            r#"{"action":1}"#,
            r#"{"actions":"echo"}"#,
            r#"{"action":""#,
            r#"{"action""#,
            "{\"action\":\"e\u{7f}\"x",
            "{\"action\":\"e\u{1}\"}",
        ] {
            assert_eq!(leading_routing_key(text, KEYS), None, "{text}");
        }
    }

    #[test]
    fn the_input_text_is_the_members_after_the_routing_key_when_the_frame_is_json() {
        let keys = crate::codec::RoutingKeys::new(&["action", "type"]);
        let text = |rest: &str| input_text(rest, &keys).map(|raw| raw.get().to_owned());
        assert_eq!(text(r#","p":1}"#).as_deref(), Some(r#"{"p":1}"#));
        assert_eq!(text("}").as_deref(), Some("{}"));
        // A trailing comma: the frame is not JSON, whatever `{` and the rest would be.
        for rest in [",}", ", }", ",\n}", r#","p":1,}"#, r#","p":1"#, r#","type":1}"#, r#","\u0074ype":1}"#] {
            assert_eq!(text(rest), None, "{rest}");
        }
    }

    #[test]
    fn the_input_is_every_member_but_the_routing_key() {
        let text = r#"{"action":"echo","p":"x","n":[1,{"action":2}]}"#;
        let input: Map<String, Value> = decode_frame(text, KEYS).unwrap();
        assert_eq!(Value::Object(input), json!({"p": "x", "n": [1, {"action": 2}]}));
        let empty: Map<String, Value> = decode_frame(r#"{"action":"echo"}"#, KEYS).unwrap();
        assert!(empty.is_empty());
    }

    #[test]
    fn unusual_frames_fail_so_that_the_general_path_decides() {
        for text in [
            r#"{"action":"echo","action":"other"}"#,
            r#"{"action":"echo","type":"x"}"#,
            r#"{"action":"echo","p":1} trailing"#,
            r#"{"action":"echo","p":1"#,
        ] {
            assert!(decode_frame::<Map<String, Value>>(text, KEYS).is_err(), "{text}");
            assert!(decode_frame::<de::IgnoredAny>(text, KEYS).is_err(), "{text}");
        }
    }
}

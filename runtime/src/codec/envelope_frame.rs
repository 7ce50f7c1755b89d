//! The one-pass path of an envelope-mode frame: `{"<key>":"<action>","id":<id>,"data":<input>}`,
//! its members in that order (`id` and `data` optional), as the generated clients write it. The
//! routing key and a plain id are read from the bytes, and only `data` goes through serde_json,
//! instead of first splitting the frame into raw members. Anything else (another order, more
//! members, whitespace, an id written in a form the server would re-encode) returns `None`: the
//! general path then answers, so this path only decides frames that path would read the same way.

use serde_json::value::RawValue;

use super::RoutingKeys;
use super::call_id::is_canonical_id;
use super::flat_frame::{LeadingKey, leading_routing_key};

/// An envelope-mode frame of the usual shape.
#[derive(Debug)]
pub(crate) struct LeadingEnvelope<'t> {
    /// The routing key and the action it names.
    pub(crate) key: LeadingKey<'t>,
    /// The id as written, which is also how the server writes it back.
    pub(crate) id: Option<&'t str>,
    /// The input, checked to be one JSON value.
    pub(crate) data: Option<&'t RawValue>,
}

/// Reads an envelope-mode frame of the usual shape; `None` for any other frame.
pub(crate) fn leading_envelope<'t>(text: &'t str, keys: &RoutingKeys) -> Option<LeadingEnvelope<'t>> {
    // A routing key named like a member of the envelope would make the frame mean something else.
    if keys.names_envelope_member() {
        return None;
    }
    let key = leading_routing_key(text, keys.names())?;
    let mut rest = key.rest;
    let mut id = None;
    if let Some(after) = rest.strip_prefix(r#","id":"#) {
        let len = id_len(after)?;
        id = Some(&after[..len]);
        rest = &after[len..];
    }
    let data = match rest.strip_prefix(r#","data":"#) {
        Some(after) => {
            let value = after.strip_suffix('}')?;
            // The general path's raw member has no surrounding whitespace: neither may this.
            if value.starts_with(|c: char| c.is_ascii_whitespace())
                || value.ends_with(|c: char| c.is_ascii_whitespace())
            {
                return None;
            }
            Some(serde_json::from_str::<&RawValue>(value).ok()?)
        }
        None if rest == "}" => None,
        None => return None,
    };
    Some(LeadingEnvelope { key, id, data })
}

/// The length of the id that `text` opens with, when it is written as the server would write it
/// back: an integer or a string without escapes.
fn id_len(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let len = match bytes.first()? {
        b'"' => 2 + bytes[1..].iter().position(|&b| b == b'"')?,
        _ => bytes.iter().position(|&b| b == b',' || b == b'}')?,
    };
    is_canonical_id(&text[..len]).then_some(len)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> RoutingKeys {
        RoutingKeys::new(&["action", "type"])
    }

    fn read(text: &str) -> Option<(usize, &str, Option<&str>, Option<&str>)> {
        let frame = leading_envelope(text, &keys())?;
        Some((frame.key.index, frame.key.value, frame.id, frame.data.map(RawValue::get)))
    }

    #[test]
    fn the_usual_envelope_is_read_in_one_pass() {
        assert_eq!(
            read(r#"{"action":"echo","id":7,"data":{"p":1}}"#),
            Some((0, "echo", Some("7"), Some(r#"{"p":1}"#)))
        );
        assert_eq!(read(r#"{"type":"ping","id":"a-1"}"#), Some((1, "ping", Some(r#""a-1""#), None)));
        assert_eq!(read(r#"{"action":"echo","data":[1,"}"]}"#), Some((0, "echo", None, Some(r#"[1,"}"]"#))));
        assert_eq!(read(r#"{"action":"echo"}"#), Some((0, "echo", None, None)));
        assert_eq!(read(r#"{"action":"echo","id":-3,"data":null}"#), Some((0, "echo", Some("-3"), Some("null"))));
    }

    #[test]
    fn anything_else_goes_the_general_way() {
        for text in [
            r#"{"id":7,"action":"echo"}"#,
            r#"{"action":"echo","data":1,"id":7}"#,
            r#"{"action":"echo","id":7,"data":1,"x":2}"#,
            r#"{"action":"echo","id":7,"data":1,"id":8}"#,
            r#"{"action":"echo","id":7,"type":"x"}"#,
            r#"{"action":"echo","id":7,"data": 1}"#,
            r#"{"action":"echo","id":7,"data":1 }"#,
            r#"{"action":"echo","id":7,"data":1} "#,
            r#"{"action":"echo","id":7,"data":{"a":1}"#,
            r#"{"action":"echo","id":7,"data":{"a":1}}}"#,
            r#"{"action":"echo","id":7,"data":nul}"#,
            r#"{"action":"echo","id":7.5}"#,
            r#"{"action":"echo","id":1e3}"#,
            r#"{"action":"echo","id":-0}"#,
            r#"{"action":"echo","id":01}"#,
            r#"{"action":"echo","id":null}"#,
            r#"{"action":"echo","id":"a\"b"}"#,
            r#"{"action":"echo","id":"\u0041"}"#,
            r#"{"action":"echo","id":12345678901234567890}"#,
            r#"{"action":"echo","id":7"#,
            r#"{"action":"echo","id":"7}"#,
            r#"{"action":"echo",}"#,
        ] {
            assert!(leading_envelope(text, &keys()).is_none(), "{text}");
        }
        assert!(leading_envelope(r#"{"action":"echo","id":1}"#, &RoutingKeys::new(&["action", "id"])).is_none());
    }
}

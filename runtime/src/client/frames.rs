//! The client's side of the wire (docs/PROTOCOL.md sections 2-4): call frames in both modes, and
//! what a received frame is.

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ClientError;
use crate::Position;
use crate::error::ChannelError;

/// A call frame: envelope `{"<key>":"<action>","id":<id>,"data":<input>}`, or flat, the input's
/// members after the routing key (unit: the key alone). Written in this order whatever order the
/// JSON map keeps, because it is the order the server reads in one pass.
pub(super) fn request(envelope: bool, key: &str, action: &str, id: u64, input: Value) -> Result<String, ClientError> {
    let string = |s: &str| Value::String(s.to_owned()).to_string();
    let mut frame = format!("{{{}:{}", string(key), string(action));
    if envelope {
        frame.push_str(&format!(",\"id\":{id}"));
        if !input.is_null() {
            frame.push_str(&format!(",\"data\":{input}"));
        }
    } else {
        match input {
            Value::Null => {}
            Value::Object(members) => {
                for (name, value) in members.iter().filter(|(name, _)| *name != key) {
                    frame.push_str(&format!(",{}:{value}", string(name)));
                }
            }
            other => {
                return Err(ClientError::Encode(format!(
                    "flat mode carries an object input, and the input of `{action}` is {other}: use envelope mode"
                )));
            }
        }
    }
    frame.push('}');
    Ok(frame)
}

/// What a frame from the server is.
pub(super) enum Received {
    /// A publication: the topic's name, the data (none for the position alone of one this
    /// connection was excluded from) and the position (for a topic with history).
    Publication(String, Option<Value>, Option<Position>),
    /// The server dropped publications of a topic up to this position (a full outbound queue).
    Missed(String, Position),
    /// The answer to a call: its id (envelope mode) and its output or error.
    Answer(Option<u64>, Result<Value, ChannelError>),
    /// A progress frame, a push, the connect frame, or an error of no call: nothing waits for it.
    Other,
}

/// Reads a frame in the light of the call it may answer (`routing`: the routing key and action
/// the oldest call in flight was made with, for flat mode).
pub(super) fn receive(text: &str, envelope: bool, routing: Option<(&str, &str)>) -> Received {
    let Ok(Value::Object(mut frame)) = serde_json::from_str::<Value>(text) else { return Received::Other };
    if let Some(Value::String(topic)) = frame.get("topic") {
        let position = match (frame.get("epoch"), frame.get("offset").and_then(Value::as_u64)) {
            (Some(Value::String(epoch)), Some(offset)) => Some(Position { epoch: epoch.clone(), offset }),
            _ => None,
        };
        if let Some(at) = &position
            && frame.len() == 4
            && frame.get("missed") == Some(&Value::Bool(true))
        {
            return Received::Missed(topic.clone(), at.clone());
        }
        let expected = 1 + usize::from(frame.contains_key("data")) + if position.is_some() { 2 } else { 0 };
        if frame.len() == expected && (position.is_some() || frame.contains_key("data")) {
            let topic = topic.clone();
            return Received::Publication(topic, frame.remove("data"), position);
        }
    }
    let error = frame.remove("error").map(|e| {
        serde_json::from_value::<ChannelError>(e)
            .unwrap_or_else(|_| ChannelError::new("internal", "an error without a code"))
    });
    if envelope {
        let Some(id) = frame.get("id").and_then(Value::as_u64) else { return Received::Other };
        if frame.contains_key("progress") {
            return Received::Other;
        }
        return Received::Answer(Some(id), error.map_or_else(|| Ok(frame.remove("data").unwrap_or(Value::Null)), Err));
    }
    // Flat mode: the answer to the oldest call carries its routing key and action.
    let Some((key, action)) = routing else { return Received::Other };
    if frame.get(key).and_then(Value::as_str) != Some(action) {
        return Received::Other;
    }
    frame.remove(key);
    Received::Answer(None, error.map_or(Ok(Value::Object(frame)), Err))
}

/// The output of `action` from its reply's data. Flat mode sends a non-object output under
/// `result` and a unit output as nothing: those shapes are tried when the data itself does not
/// decode.
pub(super) fn decode_output<T: DeserializeOwned>(action: &str, data: Value) -> Result<T, ClientError> {
    let first = match serde_json::from_value::<T>(data.clone()) {
        Ok(out) => return Ok(out),
        Err(e) => e,
    };
    if let Value::Object(members) = &data {
        let fallback = match (members.len(), members.get("result")) {
            (0, _) => Some(Value::Null),
            (1, Some(result)) => Some(result.clone()),
            _ => None,
        };
        if let Some(out) = fallback.and_then(|v| serde_json::from_value::<T>(v).ok()) {
            return Ok(out);
        }
    }
    Err(ClientError::Decode { action: action.to_owned(), reason: first.to_string() })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn call_frames_in_both_modes() {
        assert_eq!(
            request(true, "action", "add", 7, json!({ "a": 1 })).unwrap(),
            r#"{"action":"add","id":7,"data":{"a":1}}"#
        );
        assert_eq!(request(true, "action", "ping", 1, Value::Null).unwrap(), r#"{"action":"ping","id":1}"#);
        assert_eq!(
            request(false, "subscribe", "room", 1, json!({ "room": "x" })).unwrap(),
            r#"{"subscribe":"room","room":"x"}"#
        );
        assert!(matches!(request(false, "action", "n", 1, json!(5)), Err(ClientError::Encode(_))));
    }

    #[test]
    fn answers_publications_and_the_rest() {
        assert!(
            matches!(receive(r#"{"topic":"room:a","data":{"x":1}}"#, true, None), Received::Publication(t, Some(_), None) if t == "room:a")
        );
        let at = Position { epoch: "e1".to_owned(), offset: 4 };
        match receive(r#"{"topic":"log:a","data":1,"offset":4,"epoch":"e1"}"#, false, None) {
            Received::Publication(t, Some(data), Some(p)) => {
                assert_eq!((t.as_str(), data, p), ("log:a", json!(1), at.clone()));
            }
            _ => panic!("a positioned publication"),
        }
        assert!(matches!(
            receive(r#"{"topic":"log:a","offset":4,"epoch":"e1"}"#, false, None),
            Received::Publication(_, None, Some(p)) if p == at
        ));
        assert!(matches!(
            receive(r#"{"topic":"log:a","offset":4,"epoch":"e1","missed":true}"#, true, None),
            Received::Missed(_, p) if p == at
        ));
        let answer = r#"{"subscribe":"log","topic":"log:a","offset":4,"epoch":"e1"}"#;
        assert!(matches!(receive(answer, false, Some(("subscribe", "log"))), Received::Answer(None, Ok(_))));
        match receive(r#"{"action":"add","id":7,"data":3}"#, true, None) {
            Received::Answer(Some(7), Ok(data)) => assert_eq!(data, json!(3)),
            _ => panic!("an answer"),
        }
        match receive(r#"{"action":"add","id":7,"error":{"code":"forbidden","message":"no"}}"#, true, None) {
            Received::Answer(Some(7), Err(e)) => assert_eq!(e.code(), "forbidden"),
            _ => panic!("a refusal"),
        }
        assert!(matches!(receive(r#"{"action":"add","id":7,"progress":1}"#, true, None), Received::Other));
        match receive(r#"{"action":"add","result":3}"#, false, Some(("action", "add"))) {
            Received::Answer(None, Ok(data)) => assert_eq!(decode_output::<u32>("add", data).unwrap(), 3),
            _ => panic!("a flat answer"),
        }
        assert!(matches!(receive(r#"{"action":"other","result":3}"#, false, Some(("action", "add"))), Received::Other));
        assert_eq!(decode_output::<()>("noop", json!({})).unwrap(), ());
    }
}

//! The payload schemas of flat-mode frames (docs/PROTOCOL.md, sections 2 and 4): a handler's
//! input or output with the routing key added, the error frame, the publication.

use serde_json::{Value, json};

use super::schemas::{ERROR_SCHEMA, PREFIX, Schemas};

/// How deep `$ref`s are followed when telling what JSON type a schema allows.
const MAX_DEPTH: usize = 32;

/// The JSON types a schema allows, as far as flat mode cares: a reply adds its routing key to an
/// object, wraps anything else in `result`, and is the routing key alone for unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Kinds {
    object: bool,
    other: bool,
    null: bool,
}

impl Kinds {
    const ANY: Self = Self { object: true, other: true, null: true };
    const NONE: Self = Self { object: false, other: false, null: false };

    fn union(self, other: Self) -> Self {
        Self { object: self.object || other.object, other: self.other || other.other, null: self.null || other.null }
    }

    fn intersection(self, other: Self) -> Self {
        Self { object: self.object && other.object, other: self.other && other.other, null: self.null && other.null }
    }

    fn of_type(name: &str) -> Self {
        match name {
            "object" => Self { object: true, ..Self::NONE },
            "null" => Self { null: true, ..Self::NONE },
            _ => Self { other: true, ..Self::NONE },
        }
    }

    fn of_value(value: &Value) -> Self {
        match value {
            Value::Object(_) => Self::of_type("object"),
            Value::Null => Self::of_type("null"),
            _ => Self::of_type("other"),
        }
    }
}

fn kinds(schema: &Value, schemas: &Schemas, depth: usize) -> Kinds {
    let Value::Object(map) = schema else {
        return if schema == &Value::Bool(false) { Kinds::NONE } else { Kinds::ANY };
    };
    if depth > MAX_DEPTH {
        return Kinds::ANY;
    }
    if let Some(target) = map.get("$ref").and_then(Value::as_str) {
        return schemas.resolve(target).map_or(Kinds::ANY, |s| kinds(s, schemas, depth + 1));
    }
    match map.get("type") {
        Some(Value::String(name)) => return Kinds::of_type(name),
        Some(Value::Array(names)) => {
            return names.iter().filter_map(Value::as_str).map(Kinds::of_type).fold(Kinds::NONE, Kinds::union);
        }
        _ => {}
    }
    if let Some(value) = map.get("const") {
        return Kinds::of_value(value);
    }
    if let Some(Value::Array(values)) = map.get("enum") {
        return values.iter().map(Kinds::of_value).fold(Kinds::NONE, Kinds::union);
    }
    for keyword in ["oneOf", "anyOf"] {
        if let Some(Value::Array(branches)) = map.get(keyword) {
            return branches.iter().map(|b| kinds(b, schemas, depth + 1)).fold(Kinds::NONE, Kinds::union);
        }
    }
    if let Some(Value::Array(branches)) = map.get("allOf") {
        return branches.iter().map(|b| kinds(b, schemas, depth + 1)).fold(Kinds::ANY, Kinds::intersection);
    }
    if map.contains_key("properties") || map.contains_key("additionalProperties") {
        return Kinds::of_type("object");
    }
    Kinds::ANY
}

/// Whether every value of `schema` is a JSON object, so that flat mode can carry it as a call's
/// input (the frame minus its routing key).
pub(super) fn is_object(schema: &Value, schemas: &Schemas) -> bool {
    kinds(schema, schemas, 0) == Kinds { object: true, ..Kinds::NONE }
}

/// `{"<key>": "<action>"}`: the routing key that picks the handler.
fn routing_key(key: &str, action: &str) -> Value {
    json!({
        "type": "object",
        "properties": { key: { "description": format!("The routing key: `{action}`."), "const": action } },
        "required": [key]
    })
}

/// What a client sends to call `action`: the input's members with the routing key among them.
pub(super) fn request(key: &str, action: &str, input: Option<&Value>) -> Value {
    match input {
        None => routing_key(key, action),
        Some(input) => json!({ "allOf": [routing_key(key, action), input] }),
    }
}

/// What the server answers: the output with the routing key added when it is an object, in
/// `result` when it is not, the routing key alone for unit.
pub(super) fn reply(key: &str, action: &str, output: Option<&Value>, schemas: &Schemas) -> Value {
    let Some(output) = output else { return routing_key(key, action) };
    let kinds = kinds(output, schemas, 0);
    let mut shapes = Vec::new();
    if kinds.object {
        shapes.push(json!({ "allOf": [routing_key(key, action), output] }));
    }
    if kinds.other {
        let mut wrapped = routing_key(key, action);
        wrapped["properties"]["result"] = output.clone();
        wrapped["required"] = json!([key, "result"]);
        shapes.push(wrapped);
    }
    if kinds.null {
        shapes.push(routing_key(key, action));
    }
    match shapes.len() {
        // An output no value has (an enum without variants): no reply is ever sent.
        0 => json!({ "not": {} }),
        1 => shapes.remove(0),
        _ => json!({ "anyOf": shapes }),
    }
}

/// The error frame of a channel: the error, with the routing key of the call that failed.
pub(super) fn error(routing_keys: &[String]) -> Value {
    let mut properties = serde_json::Map::new();
    for key in routing_keys {
        properties.insert(
            key.clone(),
            json!({ "description": "The routing key of the call that failed; absent when the frame had none.", "type": "string" }),
        );
    }
    properties.insert("error".to_owned(), json!({ "$ref": format!("{PREFIX}{ERROR_SCHEMA}") }));
    json!({ "type": "object", "properties": properties, "required": ["error"] })
}

/// A publication to a declared topic: its name matches the pattern, its data is the payload; a
/// topic with history gives it a position, which comes alone (without `data`) to a subscriber the
/// publication excludes, and alone with `missed: true` to a subscriber for which the publications
/// up to it were dropped from a full queue (docs/PROTOCOL.md, "Topics with history").
pub(super) fn topic_publication(pattern: &str, payload: Value, history: bool) -> Value {
    let mut frame = json!({
        "type": "object",
        "properties": {
            "topic": {
                "description": format!("The topic's name: `{pattern}` with the parameters' values (`%` and `:` in them escaped as `%25`, `%3A`)."),
                "type": "string",
                "pattern": topic_regex(pattern)
            },
            "data": payload
        },
        "required": ["topic", "data"]
    });
    if history {
        let properties = &mut frame["properties"];
        properties["offset"] = offset(
            "The publication's position in the topic's history: one more than the publication before it. Absent \
             only from a publication made with `publish_untyped`.",
        );
        properties["epoch"] =
            epoch("The history `offset` counts in: a new one starts when the server lost the history.");
        properties["missed"] = json!({
            "description": "Only in a notice without `data`: the server dropped publications of the topic up to this \
                            position for the connection (its queue was full). A client past it ignores it; any other \
                            subscribes again with `since`.",
            "type": "boolean"
        });
        frame["dependencies"] = json!({ "offset": ["epoch"], "epoch": ["offset"], "missed": ["offset", "epoch"] });
        // A subscriber that the publication excludes (its publisher) gets the position alone.
        frame["required"] = json!(["topic"]);
        frame["anyOf"] = json!([{ "required": ["data"] }, { "required": ["offset", "epoch"] }]);
    }
    frame
}

fn offset(description: &str) -> Value {
    json!({ "description": description, "type": "integer", "minimum": 0, "format": "uint64" })
}

fn epoch(description: &str) -> Value {
    json!({ "description": description, "type": "string" })
}

/// What a subscription to a topic with history may carry beside the topic's parameters.
pub(super) fn recovery() -> Value {
    json!({
        "type": "object",
        "properties": {
            "since": {
                "description": "The position of the last publication the client saw: the server sends every publication \
                                after it (`recovered: true`), or tells it cannot (`recovered: false`).",
                "type": "object",
                "properties": {
                    "epoch": epoch("The epoch of that publication."),
                    "offset": offset("Its offset.")
                },
                "required": ["epoch", "offset"]
            },
            "recent": {
                "description": "How many of the last publications to send when there is nothing to recover from (no `since`, \
                                or one that cannot be recovered), at most the history's size.",
                "type": "integer",
                "minimum": 0,
                "format": "uint64"
            }
        }
    })
}

/// The start position in the answer to a subscription of a topic with history: the publications
/// the connection gets continue from it, one offset at a time.
pub(super) fn start_position(answer: &mut Value) {
    let properties = &mut answer["properties"];
    properties["epoch"] = epoch("The epoch of the start position.");
    properties["offset"] = offset(
        "The start position: the publications that follow, replayed first, then live, continue from it one offset at a time.",
    );
    properties["recovered"] = json!({
        "description": "Only when the subscription gave `since`: whether every publication after it follows \
                        (`true`; the start position is `since`) or some are lost (`false`; the start position is in \
                        the current epoch).",
        "type": "boolean"
    });
    answer["required"] = json!(["topic", "epoch", "offset"]);
}

/// A regular expression for the names of a topic pattern: each `{param}` segment is any text
/// without a `:` (the escaping guarantees it), the others are literal.
fn topic_regex(pattern: &str) -> String {
    let segments: Vec<String> = pattern
        .split(':')
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                "[^:]*".to_owned()
            } else {
                // Only the metacharacters are escaped: a JavaScript `u` regex refuses other escapes.
                segment
                    .chars()
                    .map(|c| if "\\^$.|?*+()[]{}/".contains(c) { format!("\\{c}") } else { c.to_string() })
                    .collect()
            }
        })
        .collect();
    format!("^{}$", segments.join(":"))
}

/// A publication on a topic the connection is subscribed to.
pub(super) fn publication(channel: &str) -> Value {
    json!({
        "type": "object",
        "properties": {
            "topic": {
                "description": format!(
                    "The topic, e.g. `channel:{channel}` for a broadcast to every connection of the channel."
                ),
                "type": "string"
            },
            "data": { "description": "What the application published to a topic no channel declares (a broadcast, a string topic); the manifest does not describe it." }
        },
        "required": ["topic", "data"]
    })
}

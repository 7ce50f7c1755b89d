//! What serde does that schemars's schemas leave out, added to a schema by wirechan's
//! `#[derive(JsonSchema)]` (`macros/src/json_schema.rs`) for the contract being generated:
//!
//! - `#[serde(tag = "t")]` on a struct: serde writes `"t": "<Name>"` and ignores `t` when reading;
//! - `#[serde(alias = "b")]` on a field `a`: serde reads `a` or `b` (one of them: both at once is a
//!   duplicate field);
//! - `#[serde(other)]` on a variant: serde reads any tag it does not know as that variant;
//! - `#[serde(flatten)]` on an `Option` of a struct: serde writes all of the struct's members or
//!   none of them (schemars makes each one optional on its own).

use schemars::generate::Contract;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

/// The facts of one type; see the module documentation.
#[derive(Debug)]
pub struct SerdeFacts {
    /// The tag of a struct and the name serde writes in it.
    pub struct_tag: Option<(&'static str, &'static str)>,
    /// Fields read under other names too: the name and its aliases.
    pub aliases: &'static [(&'static str, &'static [&'static str])],
    /// The variant that takes any unknown tag.
    pub other: Option<Other>,
    /// The schema functions of the structs flattened from an `Option`.
    pub optional_flattens: &'static [fn(&mut SchemaGenerator) -> Schema],
}

/// Where an enum's `#[serde(other)]` variant is.
#[derive(Debug, Clone, Copy)]
pub enum Other {
    /// Externally tagged: the variant's name, a string among the unit variants' names.
    External(&'static str),
    /// Internally or adjacently tagged: the tag member and the variant's name.
    Tagged {
        /// The tag member.
        tag: &'static str,
        /// The variant's name.
        variant: &'static str,
    },
}

/// Adds `facts` to `schema`, a schema schemars derived for the generator's contract.
pub fn apply(schema: &mut Schema, generator: &mut SchemaGenerator, facts: &SerdeFacts) {
    let deserialize = generator.contract() == &Contract::Deserialize;
    let flattened: Vec<Schema> = if deserialize {
        Vec::new()
    } else {
        facts.optional_flattens.iter().map(|schema_of| schema_of(generator)).collect()
    };
    let object = schema.ensure_object();
    if let Some((tag, name)) = facts.struct_tag {
        struct_tag(object, tag, name, deserialize);
    }
    if deserialize {
        for (name, aliases) in facts.aliases {
            alias(object, name, aliases);
        }
        if let Some(other) = facts.other {
            any_tag(object, other);
        }
    }
    for inner in flattened {
        all_or_none(object, inner);
    }
}

fn properties(object: &mut Map<String, Value>) -> &mut Map<String, Value> {
    let properties = object.entry("properties").or_insert_with(|| Value::Object(Map::new()));
    if !properties.is_object() {
        *properties = Value::Object(Map::new());
    }
    properties.as_object_mut().expect("made an object above")
}

fn required(object: &mut Map<String, Value>) -> &mut Vec<Value> {
    let required = object.entry("required").or_insert_with(|| Value::Array(Vec::new()));
    if !required.is_array() {
        *required = Value::Array(Vec::new());
    }
    required.as_array_mut().expect("made a list above")
}

/// Written first and always; read as anything, or not at all.
fn struct_tag(object: &mut Map<String, Value>, tag: &str, name: &str, deserialize: bool) {
    if deserialize {
        properties(object).insert(tag.to_owned(), Value::Bool(true));
    } else {
        properties(object).insert(tag.to_owned(), json!({ "type": "string", "const": name }));
        let required = required(object);
        required.retain(|r| r != tag);
        required.insert(0, Value::String(tag.to_owned()));
    }
}

/// `name` or one of its aliases, exactly one: each alternative forbids the other names.
fn alias(object: &mut Map<String, Value>, name: &str, aliases: &[&str]) {
    let Some(schema) = properties(object).remove(name) else { return };
    let required = required(object);
    let was_required = required.iter().any(|r| r == name);
    required.retain(|r| r != name);
    let names: Vec<&str> = std::iter::once(name).chain(aliases.iter().copied()).collect();
    let alternatives: Vec<Value> = names
        .iter()
        .map(|chosen| {
            let members: Map<String, Value> = names
                .iter()
                .map(|n| ((*n).to_owned(), if n == chosen { schema.clone() } else { Value::Bool(false) }))
                .collect();
            let mut alternative = json!({ "type": "object", "properties": members });
            if was_required {
                alternative["required"] = json!([chosen]);
            }
            alternative
        })
        .collect();
    all_of(object).push(json!({ "oneOf": alternatives }));
    drop_if_empty(object);
}

fn all_of(object: &mut Map<String, Value>) -> &mut Vec<Value> {
    let all_of = object.entry("allOf").or_insert_with(|| Value::Array(Vec::new()));
    if !all_of.is_array() {
        *all_of = Value::Array(Vec::new());
    }
    all_of.as_array_mut().expect("made a list above")
}

/// The `other` variant's tag becomes any string.
fn any_tag(object: &mut Map<String, Value>, other: Other) {
    let any_string = json!({ "type": "string" });
    match other {
        Other::External(variant) => {
            let names_it = |schema: &Value| {
                schema.get("enum").and_then(Value::as_array).is_some_and(|e| e.iter().any(|v| v == variant))
                    || schema.get("const").is_some_and(|c| c == variant)
            };
            if names_it(&Value::Object(object.clone())) {
                object.remove("enum");
                object.remove("const");
                object.insert("type".to_owned(), json!("string"));
                return;
            }
            for_each_member(object, |member| {
                if names_it(member) {
                    *member = any_string.clone();
                }
            });
        }
        Other::Tagged { tag, variant } => {
            let pointer = format!("/properties/{}", tag.replace('~', "~0").replace('/', "~1"));
            for_each_member(object, |member| {
                if let Some(tag_schema) =
                    member.pointer_mut(&pointer).filter(|s| s.get("const").is_some_and(|c| c == variant))
                {
                    *tag_schema = any_string.clone();
                    // serde reads nothing else of such an object: any other member is ignored.
                    member["additionalProperties"] = Value::Bool(true);
                }
            });
        }
    }
}

/// Calls `f` on each member of the schema's `oneOf` and `anyOf`.
fn for_each_member(object: &mut Map<String, Value>, mut f: impl FnMut(&mut Value)) {
    for keyword in ["oneOf", "anyOf"] {
        if let Some(members) = object.get_mut(keyword).and_then(Value::as_array_mut) {
            members.iter_mut().for_each(&mut f);
        }
    }
}

/// The flattened struct's members: all of them, as its schema says, or none.
fn all_or_none(object: &mut Map<String, Value>, inner: Schema) {
    let Some(inner_properties) = inner.get("properties").and_then(Value::as_object) else { return };
    let names: Vec<String> = inner_properties.keys().cloned().collect();
    let properties = properties(object);
    for name in &names {
        properties.remove(name);
    }
    required(object).retain(|r| !names.iter().any(|n| r == n));
    let none: Map<String, Value> = names.iter().map(|n| (n.clone(), Value::Bool(false))).collect();
    let none = json!({ "type": "object", "properties": none });
    all_of(object).push(json!({ "oneOf": [none, inner.to_value()] }));
    drop_if_empty(object);
}

/// Removes `properties` and `required` once every member moved into alternatives: an empty
/// `properties` would say "no member at all".
fn drop_if_empty(object: &mut Map<String, Value>) {
    if object.get("properties").and_then(Value::as_object).is_some_and(Map::is_empty) {
        object.remove("properties");
    }
    if object.get("required").and_then(Value::as_array).is_some_and(Vec::is_empty) {
        object.remove("required");
    }
}

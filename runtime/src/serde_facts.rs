//! What serde does that schemars's schemas leave out, added to a schema by wirechan's
//! `#[derive(JsonSchema)]` (`macros/src/json_schema.rs`) for the contract being generated:
//!
//! - `#[serde(tag = "t")]` on a struct: serde writes `"t": "<Name>"` and ignores `t` when reading;
//! - `#[serde(alias = "b")]` on a field `a` (of a struct or of a struct variant): serde reads `a`
//!   or `b`, one of them (both at once is a duplicate field);
//! - `#[serde(alias = "B")]` on a variant `A`: serde reads the tag `A` or `B`;
//! - `#[serde(other)]` on a variant: serde reads any tag it does not know as that variant;
//! - `#[serde(flatten)]` on an `Option` of a struct: serde writes all of the struct's members or
//!   none of them (schemars makes each one optional on its own).

use schemars::generate::Contract;
use schemars::{Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

/// A field (by the name serde reads) and its other names.
pub type Aliased = (&'static str, &'static [&'static str]);

/// The facts of one type; see the module documentation.
#[derive(Debug)]
pub struct SerdeFacts {
    /// The tag of a struct and the name serde writes in it.
    pub struct_tag: Option<(&'static str, &'static str)>,
    /// A struct's fields that serde reads under other names too.
    pub fields: &'static [Aliased],
    /// How an enum is tagged.
    pub representation: Representation,
    /// An enum's variants with aliases, of their own or of their fields.
    pub variants: &'static [VariantFacts],
    /// The name of the variant that takes any unknown tag.
    pub other: Option<&'static str>,
    /// The schema functions of the structs flattened from an `Option`.
    pub optional_flattens: &'static [fn(&mut SchemaGenerator) -> Schema],
}

/// How serde tags an enum's variants.
#[derive(Debug, Clone, Copy)]
pub enum Representation {
    /// `"Unit"` or `{"Variant": content}` (and every struct).
    External,
    /// `{"<tag>": "Variant", ...fields}`.
    Internal {
        /// The tag member.
        tag: &'static str,
    },
    /// `{"<tag>": "Variant", "<content>": content}`.
    Adjacent {
        /// The tag member.
        tag: &'static str,
        /// The content member.
        content: &'static str,
    },
    /// No tag.
    Untagged,
}

/// A variant read under other names, or with fields read under other names.
#[derive(Debug)]
pub struct VariantFacts {
    /// The name serde reads.
    pub name: &'static str,
    /// Its other names.
    pub aliases: &'static [&'static str],
    /// Its fields with other names.
    pub fields: &'static [Aliased],
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
        for (name, aliases) in facts.fields {
            alias(object, name, aliases);
        }
        for variant in facts.variants {
            variant_aliases(object, facts.representation, variant);
        }
        if let Some(other) = facts.other {
            any_tag(object, facts.representation, other);
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

fn all_of(object: &mut Map<String, Value>) -> &mut Vec<Value> {
    let all_of = object.entry("allOf").or_insert_with(|| Value::Array(Vec::new()));
    if !all_of.is_array() {
        *all_of = Value::Array(Vec::new());
    }
    all_of.as_array_mut().expect("made a list above")
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

/// The escaped JSON pointer of a member's schema.
fn member_pointer(name: &str) -> String {
    format!("/properties/{}", name.replace('~', "~0").replace('/', "~1"))
}

/// Whether `member` (a `oneOf` member) is the schema of the variant `name`, and the object that
/// holds the variant's fields.
fn variant_of<'m>(member: &'m mut Value, representation: Representation, name: &str) -> Option<&'m mut Value> {
    match representation {
        Representation::External => {
            let single = member.get("required").and_then(Value::as_array).is_some_and(|r| r.len() == 1 && r[0] == name);
            if single { member.pointer_mut(&member_pointer(name)) } else { None }
        }
        Representation::Internal { tag } | Representation::Adjacent { tag, .. } => {
            let tagged = member.pointer(&member_pointer(tag)).and_then(|t| t.get("const")).is_some_and(|c| c == name);
            match representation {
                Representation::Adjacent { content, .. } if tagged => member.pointer_mut(&member_pointer(content)),
                _ if tagged => Some(member),
                _ => None,
            }
        }
        Representation::Untagged => None,
    }
}

/// Calls `f` on each member of the schema's `oneOf` and `anyOf`, or on the schema itself when it
/// has neither (an enum of one variant).
fn for_each_member(object: &mut Map<String, Value>, mut f: impl FnMut(&mut Value)) {
    let mut found = false;
    for keyword in ["oneOf", "anyOf"] {
        if let Some(members) = object.get_mut(keyword).and_then(Value::as_array_mut) {
            found = true;
            members.iter_mut().for_each(&mut f);
        }
    }
    if !found {
        let mut whole = Value::Object(std::mem::take(object));
        f(&mut whole);
        if let Value::Object(whole) = whole {
            *object = whole;
        }
    }
}

/// The aliases of a variant's fields, then of the variant itself (a copy of its schema under
/// each other name).
fn variant_aliases(object: &mut Map<String, Value>, representation: Representation, variant: &VariantFacts) {
    for_each_member(object, |member| {
        if let Some(Value::Object(fields)) = variant_of(member, representation, variant.name) {
            for (name, aliases) in variant.fields {
                alias(fields, name, aliases);
            }
        }
    });
    if variant.aliases.is_empty() {
        return;
    }
    let unit_names = |schema: &mut Value| -> bool {
        let Some(names) = schema.get_mut("enum").and_then(Value::as_array_mut) else { return false };
        if !names.iter().any(|n| n == variant.name) {
            return false;
        }
        names.extend(variant.aliases.iter().map(|a| json!(a)));
        true
    };
    if matches!(representation, Representation::External) {
        // A unit variant is a string among the others.
        let mut whole = Value::Object(std::mem::take(object));
        let done = unit_names(&mut whole);
        if let Value::Object(whole) = whole {
            *object = whole;
        }
        if done {
            return;
        }
        let mut unit = false;
        for_each_member(object, |member| unit |= unit_names(member));
        if unit {
            return;
        }
    }
    let mut copies = Vec::new();
    for_each_member(object, |member| {
        if variant_of(member, representation, variant.name).is_none() {
            return;
        }
        for alias in variant.aliases {
            let mut copy = member.clone();
            rename_variant(&mut copy, representation, variant.name, alias);
            copies.push(copy);
        }
    });
    if copies.is_empty() {
        return;
    }
    if !object.contains_key("oneOf") && !object.contains_key("anyOf") {
        let whole = std::mem::take(object);
        object.insert("oneOf".to_owned(), json!([whole]));
    }
    let keyword = if object.contains_key("oneOf") { "oneOf" } else { "anyOf" };
    if let Some(members) = object.get_mut(keyword).and_then(Value::as_array_mut) {
        members.extend(copies);
    }
}

fn rename_variant(copy: &mut Value, representation: Representation, name: &str, alias: &str) {
    match representation {
        Representation::External => {
            if let Some(properties) = copy.get_mut("properties").and_then(Value::as_object_mut)
                && let Some(content) = properties.remove(name)
            {
                properties.insert(alias.to_owned(), content);
            }
            copy["required"] = json!([alias]);
        }
        Representation::Internal { tag } | Representation::Adjacent { tag, .. } => {
            if let Some(tag_schema) = copy.pointer_mut(&member_pointer(tag)) {
                *tag_schema = json!({ "type": "string", "const": alias });
            }
        }
        Representation::Untagged => {}
    }
}

/// The `other` variant's tag becomes any string.
fn any_tag(object: &mut Map<String, Value>, representation: Representation, variant: &str) {
    let any_string = json!({ "type": "string" });
    match representation {
        Representation::External => {
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
        Representation::Internal { tag } | Representation::Adjacent { tag, .. } => {
            let pointer = member_pointer(tag);
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
        Representation::Untagged => {}
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

//! `components/schemas`: every named type of every manifest schema, once.
//!
//! Each manifest schema is a JSON Schema 2020-12 root with its own `$defs`; AsyncAPI's default
//! schema format is a superset of draft-07 and one document has one namespace. So each root is
//! hoisted, with its `$defs`, into `components/schemas`, its `$ref`s rewritten to point there, and
//! the few 2020-12 keywords schemars writes turned into their draft-07 spelling. A type seen twice
//! (the same Rust type in two positions) is kept once. When one name would hold two different
//! schemas (the serialize and deserialize contracts of a type can differ), the first keeps it and
//! the second takes the suffix of its direction (`NameOutput`, `NameInput`), then a number.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::model::Ordered;

/// Where hoisted schemas live; `$ref`s point here.
pub(super) const PREFIX: &str = "#/components/schemas/";

/// Members whose value is data, not a schema: never rewritten.
const DATA_KEYWORDS: [&str; 5] = ["const", "default", "enum", "examples", "example"];

/// The error object of every error frame.
pub(super) const ERROR_SCHEMA: &str = "WirechanError";

/// The schemas of one document.
pub(super) struct Schemas {
    entries: Ordered<Value>,
}

impl Default for Schemas {
    fn default() -> Self {
        let mut entries = Ordered::default();
        entries.insert(ERROR_SCHEMA.to_owned(), error_schema());
        Self { entries }
    }
}

/// Which contract a schema is: what the server reads or what it writes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Direction {
    /// Deserialized by the server (opening data, inputs).
    Input,
    /// Serialized by the server (outputs, the connect frame).
    Output,
}

impl Direction {
    fn suffix(self) -> &'static str {
        match self {
            Self::Input => "Input",
            Self::Output => "Output",
        }
    }
}

/// A local name of one root: the root itself or one of its `$defs`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Local {
    Root,
    Def(String),
}

impl Schemas {
    /// Hoists `root` (a manifest schema of `direction`) and returns a schema that stands for it: a
    /// `$ref`, or `None` for the unit type (`null`), which frames leave out.
    pub(super) fn add_root(&mut self, root: &Value, direction: Direction, fallback_name: &str) -> Option<Value> {
        let mut root = match root {
            Value::Object(map) => map.clone(),
            Value::Bool(true) => return Some(json!({})),
            _ => return Some(json!({ "not": {} })),
        };
        if root.get("type").and_then(Value::as_str) == Some("null") && !root.contains_key("$defs") {
            return None;
        }
        root.remove("$schema");
        let defs = match root.remove("$defs") {
            Some(Value::Object(defs)) => defs,
            _ => Map::new(),
        };
        let root_name = match root.get("title").and_then(Value::as_str) {
            Some(title) if title != "null" => sanitize(title),
            _ => sanitize(fallback_name),
        };
        // The key names the type; without its title a root equals the same type met in `$defs`.
        if root.get("title").and_then(Value::as_str) == Some(root_name.as_str()) {
            root.remove("title");
        }
        let mut locals: Vec<(Local, Value)> = vec![(Local::Root, Value::Object(root))];
        locals.extend(defs.into_iter().map(|(name, schema)| (Local::Def(name), schema)));

        let mut wanted: BTreeMap<Local, String> = BTreeMap::new();
        let mut names: BTreeMap<Local, String> = BTreeMap::new();
        for (local, _) in &locals {
            let base = match local {
                Local::Root => root_name.clone(),
                Local::Def(name) => sanitize(name),
            };
            let name = Self::fresh(&base, names.values());
            wanted.insert(local.clone(), base);
            names.insert(local.clone(), name);
        }
        // Renaming one type changes the schemas that refer to it, so repeat until nothing clashes.
        // A clashing type moves to the next name (kept when that name holds the same schema):
        // `FooOutput`, `FooOutput2`, ...; they only move forward, and a name not yet used never
        // clashes, so this ends.
        let mut suffix: BTreeMap<Local, usize> = BTreeMap::new();
        loop {
            let rewritten: Vec<(Local, Value)> =
                locals.iter().map(|(local, schema)| (local.clone(), rewrite(schema, &names))).collect();
            let clash = rewritten
                .iter()
                .find(|(local, schema)| self.entries.get(&names[local]).is_some_and(|existing| existing != schema));
            let Some((local, _)) = clash else {
                for (local, schema) in rewritten {
                    if !self.entries.contains(&names[&local]) {
                        self.entries.insert(names[&local].clone(), schema);
                    }
                }
                return Some(json!({ "$ref": format!("{PREFIX}{}", names[&Local::Root]) }));
            };
            let n = suffix.entry(local.clone()).or_insert(1);
            let name = loop {
                *n += 1;
                let name = match *n {
                    2 => format!("{}{}", wanted[local], direction.suffix()),
                    n => format!("{}{}{}", wanted[local], direction.suffix(), n - 1),
                };
                if !names.iter().any(|(other, taken)| other != local && *taken == name) && name != ERROR_SCHEMA {
                    break name;
                }
            };
            names.insert(local.clone(), name);
        }
    }

    /// `wanted`, or `wanted2`, `wanted3`, ...: the first not used by `taken` (this root's other
    /// types).
    fn fresh<'a>(wanted: &str, taken: impl Iterator<Item = &'a String> + Clone) -> String {
        let free = |name: &str| !taken.clone().any(|t| t == name) && name != ERROR_SCHEMA;
        if free(wanted) {
            return wanted.to_owned();
        }
        (2..).map(|i| format!("{wanted}{i}")).find(|n| free(n)).unwrap_or_default()
    }

    /// The schema a `$ref` into `components/schemas` points to.
    pub(super) fn resolve(&self, reference: &str) -> Option<&Value> {
        self.entries.get(reference.strip_prefix(PREFIX)?)
    }

    /// The schemas, in the order they were first seen.
    pub(super) fn into_components(self) -> Ordered<Value> {
        self.entries
    }
}

/// A name `components/schemas` accepts (`^[a-zA-Z0-9.\-_]+$`).
pub(super) fn sanitize(name: &str) -> String {
    let clean: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') { c } else { '_' }).collect();
    if clean.is_empty() { "_".to_owned() } else { clean }
}

/// `schema` with its `$ref`s pointing into `components/schemas` and in draft-07 spelling.
fn rewrite(schema: &Value, names: &BTreeMap<Local, String>) -> Value {
    match schema {
        Value::Object(map) => {
            let mut out = Map::new();
            for (key, value) in map {
                let value = match (key.as_str(), value) {
                    ("$ref", Value::String(target)) => Value::String(retarget(target, names)),
                    (k, v) if DATA_KEYWORDS.contains(&k) => v.clone(),
                    // A map from names to schemas: the names are data, each value a schema.
                    ("properties" | "patternProperties" | "dependentSchemas" | "$defs", Value::Object(members)) => {
                        Value::Object(members.iter().map(|(k, v)| (k.clone(), rewrite(v, names))).collect())
                    }
                    (_, v) => rewrite(v, names),
                };
                out.insert(key.clone(), value);
            }
            draft07(&mut out);
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| rewrite(v, names)).collect()),
        other => other.clone(),
    }
}

/// Where a root-relative `$ref` points once its root is hoisted.
fn retarget(target: &str, names: &BTreeMap<Local, String>) -> String {
    let Some(pointer) = target.strip_prefix('#') else { return target.to_owned() };
    if let Some(rest) = pointer.strip_prefix("/$defs/") {
        let (name, tail) = rest.split_once('/').map_or((rest, ""), |(n, t)| (n, t));
        let name = name.replace("~1", "/").replace("~0", "~");
        if let Some(hoisted) = names.get(&Local::Def(name)) {
            let tail = if tail.is_empty() { String::new() } else { format!("/{tail}") };
            return format!("{PREFIX}{hoisted}{tail}");
        }
        return target.to_owned();
    }
    format!("{PREFIX}{}{pointer}", names[&Local::Root])
}

/// Draft 2020-12 keywords schemars writes, in their draft-07 form: tuples (`prefixItems`, then
/// `items` for the rest) and `dependentRequired`/`dependentSchemas` (`dependencies`); an empty
/// `enum` (draft-07 wants one value at least) as `not: {}`, which matches nothing too.
fn draft07(schema: &mut Map<String, Value>) {
    if schema.get("enum").and_then(Value::as_array).is_some_and(Vec::is_empty) {
        schema.remove("enum");
        schema.insert("not".to_owned(), json!({}));
    }
    if let Some(prefix) = schema.remove("prefixItems") {
        if let Some(rest) = schema.remove("items") {
            schema.insert("additionalItems".to_owned(), rest);
        }
        schema.insert("items".to_owned(), prefix);
    }
    let mut dependencies = Map::new();
    for keyword in ["dependentRequired", "dependentSchemas"] {
        if let Some(Value::Object(members)) = schema.remove(keyword) {
            dependencies.extend(members);
        }
    }
    if !dependencies.is_empty() {
        schema.insert("dependencies".to_owned(), Value::Object(dependencies));
    }
}

fn error_schema() -> Value {
    json!({
        "title": ERROR_SCHEMA,
        "description": "Why a frame failed (docs/PROTOCOL.md, section 5). An error never closes the connection.",
        "type": "object",
        "properties": {
            "code": {
                "description": "`invalid_json`, `unknown_action`, `invalid_input`, `unauthorized`, `forbidden`, \
                                `rate_limited`, `internal`, or an application's own code.",
                "type": "string"
            },
            "message": { "description": "For people; not to be parsed.", "type": "string" },
            "details": { "description": "More about the error, e.g. for `invalid_input` `{\"path\":...,\"reason\":...}`." }
        },
        "required": ["code", "message"]
    })
}

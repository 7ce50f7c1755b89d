//! JSON Schema (draft 2020-12, as schemars writes it) to TypeScript types.
//!
//! What maps to what:
//! - `true`/`{}` → `unknown` (`serde_json::Value`), `false` → `never`;
//! - `type` → `string`, `number` (`integer` too), `boolean`, `null`, arrays, objects; a list of
//!   types → their union;
//! - `const`/`enum` → literal types (`enum: []` → `never`); `oneOf`/`anyOf` → a union; `allOf`
//!   and keywords side by side (an internally tagged variant's tag next to its `$ref`) → an
//!   intersection; `not: {}` (an enum without variants) → `never`;
//! - `properties`/`required` → members, optional (`?`) when not required: for what the server
//!   reads that is an `Option` or `#[serde(default)]` field, for what it writes a field skipped by
//!   `skip_serializing_if`;
//! - `additionalProperties` → `Record<string, T>` (maps) or an index signature next to members
//!   (a flattened map); `patternProperties` with a digits pattern → `` Record<`${number}`, T> ``;
//! - `prefixItems` → tuples; `items` → `T[]`, a tuple when `minItems` = `maxItems` (`[T; N]`:
//!   written out up to 16, `FixedArray<T, N>` up to 999), a tuple with a rest for `minItems`;
//! - `$ref` → the referenced type's name;
//! - `description` → JSDoc; formats that a `number` cannot hold exactly (64- and 128-bit
//!   integers) and string formats (UUID, RFC 3339 date-times) add a note.
//!
//! Validation keywords with no type-level meaning (`minimum`, `maxLength`, `pattern`, ...) are
//! left to the server. Shape keywords a type can only loosen (`maxItems`, `propertyNames`,
//! patterns of member names, `minProperties`) are kept as [`Approximation`]s, which the CLI
//! prints as warnings. Keywords that change the shape in ways a type cannot say at all (`not`,
//! `if`/`then`/`else`, `dependentSchemas`, `contains`, ...) are an error, never dropped silently.

use std::cell::RefCell;
use std::collections::BTreeSet;

use serde_json::{Map, Value};

use super::TsError;
use super::registry::{DEFS_PREFIX, Declaration, Direction, Registry};
use super::syntax::{indent, jsdoc, literal, property_name};

/// Keywords whose meaning a TypeScript type cannot carry.
const UNSUPPORTED: &[&str] =
    &["if", "then", "else", "dependentSchemas", "dependentRequired", "contains", "$dynamicRef", "$recursiveRef"];

/// The schema of a member that `required` names but `properties` does not describe.
static ANY: Value = Value::Bool(true);

/// Keywords that give a schema its shape: without them a bare `type` is only a constraint.
const SHAPE: &[&str] = &["properties", "additionalProperties", "patternProperties", "items", "prefixItems"];

/// Longest fixed-size array (`[T; N]`) written out as a tuple; longer ones are `FixedArray<T, N>`.
const MAX_FIXED_ARRAY: u64 = 16;

/// Longest array length `FixedArray` (the client runtime's) can say: TypeScript unrolls it one
/// element per step and stops at 1,000 steps. Longer ones are `T[]`, with a warning.
const MAX_FIXED_ARRAY_TYPE: u64 = 999;

/// Widest single-line union or object literal before it is broken over lines.
const MAX_INLINE: usize = 72;

/// How tightly a rendered type binds, for parentheses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Prec {
    /// A name, a literal, an object, a tuple, `T[]`.
    Atom,
    /// `A & B`.
    Intersection,
    /// `A | B`.
    Union,
}

/// A rendered type.
#[derive(Debug, Clone)]
pub(super) struct Ts {
    /// The text; continuation lines are indented for the level it was rendered at.
    pub text: String,
    prec: Prec,
    /// A union laid out one member per line, starting with a line break (`=\n  | A\n  | B`).
    pub leading_break: bool,
}

impl Ts {
    /// A type that needs no parentheses anywhere: a name, a literal, an object.
    pub(super) fn atom(text: impl Into<String>) -> Self {
        Self { text: text.into(), prec: Prec::Atom, leading_break: false }
    }

    /// The text, parenthesized when it binds looser than `context` needs.
    fn wrapped(&self, context: Prec) -> String {
        let needs = match context {
            Prec::Atom => self.prec != Prec::Atom,
            Prec::Intersection => self.prec == Prec::Union,
            Prec::Union => false,
        };
        if needs { format!("({})", self.text) } else { self.text.clone() }
    }

    /// `= T` / `: T` spacing: a leading-break union goes right after the `=` or `:`.
    pub(super) fn after_colon(&self) -> String {
        if self.leading_break { self.text.clone() } else { format!(" {}", self.text) }
    }
}

/// Where a type is written: at the top of a declaration or a member (a long union may break over
/// lines there), or inside another type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Position {
    /// Right after `type X =` or `member:`.
    Top,
    /// Inside a union, intersection, array or tuple.
    Nested,
}

/// Where in the manifest a schema is, for error messages.
#[derive(Debug, Clone)]
pub(super) struct Loc<'a> {
    origin: &'a str,
    ty: Option<&'a str>,
    pointer: String,
}

impl<'a> Loc<'a> {
    /// The top of a schema that was first seen at `origin`, declared as type `ty`.
    pub(super) fn new(origin: &'a str, ty: Option<&'a str>) -> Self {
        Self { origin, ty, pointer: String::new() }
    }

    fn at(&self, segment: impl std::fmt::Display) -> Self {
        Self { origin: self.origin, ty: self.ty, pointer: format!("{}/{segment}", self.pointer) }
    }

    fn error(&self, what: &str) -> TsError {
        TsError::unsupported(what, &self.describe())
    }

    /// Channel, function, type and JSON pointer, for messages.
    fn describe(&self) -> String {
        let mut location = self.origin.to_owned();
        if let Some(ty) = self.ty {
            location.push_str(&format!(", type `{ty}`"));
        }
        if !self.pointer.is_empty() {
            location.push_str(&format!(", at `{}`", self.pointer));
        }
        location
    }
}

/// A place where the generated type admits more than the schema does, because TypeScript (or
/// this generator) cannot say the constraint. The CLI prints each one; `--strict` refuses them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Approximation {
    /// Channel, function, type and JSON pointer.
    pub location: String,
    /// What is not expressed, and what the type says instead.
    pub what: String,
}

impl std::fmt::Display for Approximation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.location, self.what)
    }
}

/// Turns schemas into TypeScript, naming references through the registry.
pub(super) struct Renderer<'a> {
    registry: &'a Registry,
    approximations: RefCell<BTreeSet<Approximation>>,
}

impl<'a> Renderer<'a> {
    /// A renderer over a registry whose names are assigned.
    pub(super) fn new(registry: &'a Registry) -> Self {
        Self { registry, approximations: RefCell::default() }
    }

    /// What the rendered types admit beyond their schemas, in order, each once.
    pub(super) fn approximations(&self) -> Vec<Approximation> {
        self.approximations.borrow().iter().cloned().collect()
    }

    fn approximate(&self, loc: &Loc<'_>, what: String) {
        self.approximations.borrow_mut().insert(Approximation { location: loc.describe(), what });
    }

    /// `export interface` or `export type` for a named type, with its JSDoc.
    pub(super) fn declaration(&self, declaration: &Declaration<'_>) -> Result<String, TsError> {
        let name = declaration.name;
        let loc = Loc::new(&declaration.def.origin, Some(name));
        let body = &declaration.def.body;
        let direction = declaration.direction;
        let mut doc = vec![description(body)];
        if declaration.split {
            let (other, role) = match direction {
                Direction::Input => ("Output", "reads (the deserialize contract)"),
                Direction::Output => ("Input", "writes (the serialize contract)"),
            };
            doc.push(format!(
                "`{key}` as the server {role}; `{key}{other}` is the other direction.",
                key = declaration.key
            ));
        }
        if declaration.name != declaration.key && !declaration.split {
            doc.push(format!("The Rust schema's name is `{}`.", declaration.key));
        }
        if let Some(object) = body.as_object().filter(|o| is_plain_object(o)) {
            doc.extend(deprecated(body));
            let members = self.members(object, direction, 1, &loc)?;
            return Ok(format!("{}export interface {name} {{\n{members}}}\n", jsdoc(&doc, 0)));
        }
        doc.extend(notes(body));
        doc.extend(deprecated(body));
        let ts = self.expr(body, direction, 0, Position::Top, &loc)?;
        Ok(format!("{}export type {name} ={};\n", jsdoc(&doc, 0), ts.after_colon()))
    }

    /// The TypeScript type of `schema` for `direction`, rendered at indentation `level`.
    pub(super) fn expr(
        &self,
        schema: &Value,
        direction: Direction,
        level: usize,
        position: Position,
        loc: &Loc<'_>,
    ) -> Result<Ts, TsError> {
        match schema {
            Value::Bool(true) => Ok(Ts::atom("unknown")),
            Value::Bool(false) => Ok(Ts::atom("never")),
            Value::Object(object) => self.object_schema(object, direction, level, position, loc),
            _ => Err(loc.error("a schema that is neither an object nor a boolean")),
        }
    }

    fn object_schema(
        &self,
        o: &Map<String, Value>,
        direction: Direction,
        level: usize,
        position: Position,
        loc: &Loc<'_>,
    ) -> Result<Ts, TsError> {
        check_keywords(o, loc)?;
        if let Some(not) = o.get("not") {
            // `not: {}` matches nothing: schemars's enum without variants.
            if not == &Value::Bool(true) || not.as_object().is_some_and(Map::is_empty) {
                return Ok(Ts::atom("never"));
            }
            return Err(loc.at("not").error("the JSON Schema keyword `not`"));
        }
        self.approximate_keywords(o, loc);
        let combinators: Vec<(&str, &Vec<Value>)> =
            ["oneOf", "anyOf"].into_iter().filter_map(|k| o.get(k).and_then(Value::as_array).map(|v| (k, v))).collect();
        let all_of = o.get("allOf").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        let reference = o.get("$ref");
        let others = combinators.len() + all_of.len() + usize::from(reference.is_some());
        let base = self.base(o, direction, level, if others == 0 { position } else { Position::Nested }, loc)?;
        let mut parts = Vec::new();
        match base {
            // A bare `type: object` next to a union of object variants adds nothing.
            Some((_, true)) if others > 0 => {}
            Some((ts, _)) => parts.push(ts),
            None => {}
        }
        if let Some(target) = reference {
            parts.push(self.reference(target, direction, loc)?);
        }
        for (i, member) in all_of.iter().enumerate() {
            parts.push(self.expr(member, direction, level, Position::Nested, &loc.at(format!("allOf/{i}")))?);
        }
        let only = parts.is_empty() && combinators.len() == 1;
        for (keyword, members) in combinators {
            let position = if only { position } else { Position::Nested };
            parts.push(self.union_of_schemas(members, direction, level, position, &loc.at(keyword))?);
        }
        Ok(match parts.len() {
            0 => Ts::atom("unknown"),
            1 => parts.pop().expect("one part"),
            _ => intersection(parts),
        })
    }

    /// The shape given by `const`, `enum` or `type` (and its keywords), and whether it is only a
    /// bare `type` (a constraint that other parts make redundant).
    fn base(
        &self,
        o: &Map<String, Value>,
        direction: Direction,
        level: usize,
        position: Position,
        loc: &Loc<'_>,
    ) -> Result<Option<(Ts, bool)>, TsError> {
        if let Some(value) = o.get("const") {
            let text =
                literal(value).ok_or_else(|| loc.at("const").error("a `const` that is an object or an array"))?;
            return Ok(Some((Ts::atom(text), false)));
        }
        if let Some(values) = o.get("enum") {
            let values = values.as_array().ok_or_else(|| loc.at("enum").error("an `enum` that is not a list"))?;
            let literals = values
                .iter()
                .map(|v| literal(v).map(Ts::atom))
                .collect::<Option<Vec<Ts>>>()
                .ok_or_else(|| loc.at("enum").error("an `enum` member that is an object or an array"))?;
            return Ok(Some((union(literals, level, position, &[]), false)));
        }
        let types: Vec<&str> = match o.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts
                .iter()
                .map(|t| t.as_str().ok_or_else(|| loc.at("type").error("a `type` list with a non-string")))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(loc.at("type").error("a `type` that is not a string or a list")),
            None if o.contains_key("properties")
                || o.contains_key("additionalProperties")
                || o.contains_key("patternProperties") =>
            {
                vec!["object"]
            }
            None if o.contains_key("items") || o.contains_key("prefixItems") => vec!["array"],
            None => return Ok(None),
        };
        let bare = types.len() == 1 && !SHAPE.iter().any(|k| o.contains_key(*k));
        // Members of a union laid out per line sit two levels deeper.
        let member_level = if types.len() > 1 && position == Position::Top { level + 2 } else { level };
        let mut members = Vec::new();
        for t in types {
            let ts = match t {
                "null" => Ts::atom("null"),
                "boolean" => Ts::atom("boolean"),
                "string" => Ts::atom("string"),
                "number" | "integer" => Ts::atom("number"),
                "array" => self.array(o, direction, member_level, loc)?,
                "object" => self.object(o, direction, member_level, loc)?,
                other => return Err(loc.at("type").error(&format!("the type `{other}`"))),
            };
            members.push(ts);
        }
        Ok(Some((union(members, level, position, &[]), bare)))
    }

    /// Notes the keywords of `o` that constrain a shape in ways the generated type leaves out.
    fn approximate_keywords(&self, o: &Map<String, Value>, loc: &Loc<'_>) {
        if o.contains_key("propertyNames") {
            self.approximate(
                &loc.at("propertyNames"),
                "the names members may have (`propertyNames`) are not expressed: the type admits any `string` name"
                    .to_owned(),
            );
        }
        for keyword in ["minProperties", "maxProperties"] {
            if let Some(n) = o.get(keyword) {
                self.approximate(
                    &loc.at(keyword),
                    format!("`{keyword}: {n}` is not expressed: the type admits any number of members"),
                );
            }
        }
        for pattern in o.get("patternProperties").and_then(Value::as_object).into_iter().flat_map(|p| p.keys()) {
            if !is_digits_pattern(pattern) {
                self.approximate(
                    &loc.at(format!("patternProperties/{pattern}")),
                    format!("member names matching `{pattern}` are not expressed: the type admits any `string` name"),
                );
            }
        }
    }

    fn reference(&self, target: &Value, direction: Direction, loc: &Loc<'_>) -> Result<Ts, TsError> {
        let name = target
            .as_str()
            .and_then(|t| t.strip_prefix(DEFS_PREFIX))
            .and_then(|key| self.registry.name(direction, key))
            .ok_or_else(|| loc.at("$ref").error(&format!("the reference {target}")))?;
        Ok(Ts::atom(name))
    }

    /// `oneOf`/`anyOf`: each member, with its `description` as a comment when laid out per line.
    fn union_of_schemas(
        &self,
        members: &[Value],
        direction: Direction,
        level: usize,
        position: Position,
        loc: &Loc<'_>,
    ) -> Result<Ts, TsError> {
        let member_level = if position == Position::Top { level + 2 } else { level };
        let rendered = members
            .iter()
            .enumerate()
            .map(|(i, m)| self.expr(m, direction, member_level, Position::Nested, &loc.at(i)))
            .collect::<Result<Vec<_>, _>>()?;
        let docs: Vec<String> = members.iter().map(description).collect();
        Ok(union(rendered, level, position, &docs))
    }

    fn array(&self, o: &Map<String, Value>, direction: Direction, level: usize, loc: &Loc<'_>) -> Result<Ts, TsError> {
        if let Some(prefix) = o.get("prefixItems") {
            let prefix =
                prefix.as_array().ok_or_else(|| loc.at("prefixItems").error("`prefixItems` that is not a list"))?;
            let min = o.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let max = o.get("maxItems").and_then(Value::as_u64);
            let mut elements = Vec::new();
            for (i, item) in prefix.iter().enumerate() {
                let ts = self.expr(item, direction, level, Position::Nested, &loc.at(format!("prefixItems/{i}")))?;
                let optional = if (i as u64) < min { "" } else { "?" };
                elements.push(format!(
                    "{}{optional}",
                    ts.wrapped(if optional.is_empty() { Prec::Union } else { Prec::Atom })
                ));
            }
            match o.get("items") {
                Some(Value::Bool(false)) => {}
                None if max == Some(prefix.len() as u64) => {}
                Some(rest) => {
                    let ts = self.expr(rest, direction, level, Position::Nested, &loc.at("items"))?;
                    elements.push(format!("...{}[]", ts.wrapped(Prec::Atom)));
                }
                None => elements.push("...unknown[]".to_owned()),
            }
            return Ok(Ts::atom(format!("[{}]", elements.join(", "))));
        }
        let element = match o.get("items") {
            Some(items) => self.expr(items, direction, level, Position::Nested, &loc.at("items"))?,
            None => Ts::atom("unknown"),
        };
        let min = o.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = o.get("maxItems").and_then(Value::as_u64);
        if max == Some(min) {
            // `[T; N]`.
            return Ok(self
                .fixed_array(&element, min, loc, "")
                .unwrap_or_else(|| Ts::atom(format!("{}[]", element.wrapped(Prec::Atom)))));
        }
        if let Some(max) = max {
            self.approximate(
                &loc.at("maxItems"),
                format!("at most {max} elements (`maxItems`) is not expressed: the type admits longer arrays"),
            );
        }
        let rest = format!("...{}[]", element.wrapped(Prec::Atom));
        Ok(match self.fixed_array(&element, min, loc, &rest) {
            Some(ts) if min > 0 => ts,
            _ => Ts::atom(format!("{}[]", element.wrapped(Prec::Atom))),
        })
    }

    /// An array of exactly `n` elements, followed by `rest` (`...T[]`, or nothing): written out
    /// when short, `FixedArray<T, N>` (the client runtime's) up to what TypeScript can unroll;
    /// `None`, with an approximation noted, beyond.
    fn fixed_array(&self, element: &Ts, n: u64, loc: &Loc<'_>, rest: &str) -> Option<Ts> {
        let rest_part = if rest.is_empty() { String::new() } else { format!(", {rest}") };
        if n <= MAX_FIXED_ARRAY {
            let mut parts = vec![element.wrapped(Prec::Union); n as usize];
            if !rest.is_empty() {
                parts.push(rest.to_owned());
            }
            return Some(Ts::atom(format!("[{}]", parts.join(", "))));
        }
        if n <= MAX_FIXED_ARRAY_TYPE {
            let fixed = format!("FixedArray<{}, {n}>", element.text);
            return Some(Ts::atom(if rest.is_empty() { fixed } else { format!("[...{fixed}{rest_part}]") }));
        }
        self.approximate(
            &loc.at("minItems"),
            format!(
                "{n} elements (`minItems`) is more than a TypeScript tuple type can hold ({MAX_FIXED_ARRAY_TYPE}): the \
                 type admits arrays of any length"
            ),
        );
        None
    }

    /// An object type: a `Record` for maps, an object literal for structs.
    fn object(&self, o: &Map<String, Value>, direction: Direction, level: usize, loc: &Loc<'_>) -> Result<Ts, TsError> {
        let has_properties = o.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty());
        if has_properties {
            let members = self.members(o, direction, level + 1, loc)?;
            return Ok(Ts::atom(object_literal(&members, level)));
        }
        let index = self.index_signature(o, direction, level, loc)?;
        Ok(Ts::atom(match index {
            Some((key, value)) => format!("Record<{key}, {}>", value.text),
            None if o.contains_key("properties") || o.get("additionalProperties") == Some(&Value::Bool(false)) => {
                "Record<string, never>".to_owned()
            }
            None => "Record<string, unknown>".to_owned(),
        }))
    }

    /// The key and value type of extra members: `additionalProperties` and `patternProperties`.
    fn index_signature(
        &self,
        o: &Map<String, Value>,
        direction: Direction,
        level: usize,
        loc: &Loc<'_>,
    ) -> Result<Option<(&'static str, Ts)>, TsError> {
        let mut values = Vec::new();
        let mut numeric_keys = true;
        match o.get("additionalProperties") {
            None | Some(Value::Bool(false)) => {}
            Some(schema) => {
                numeric_keys = false;
                values.push(self.expr(schema, direction, level, Position::Nested, &loc.at("additionalProperties"))?);
            }
        }
        if let Some(patterns) = o.get("patternProperties") {
            let patterns = patterns
                .as_object()
                .ok_or_else(|| loc.at("patternProperties").error("`patternProperties` that is not an object"))?;
            for (pattern, schema) in patterns {
                numeric_keys &= is_digits_pattern(pattern);
                let at = loc.at(format!("patternProperties/{pattern}"));
                values.push(self.expr(schema, direction, level, Position::Nested, &at)?);
            }
        }
        if values.is_empty() {
            return Ok(None);
        }
        let key = if numeric_keys { "`${number}`" } else { "string" };
        Ok(Some((key, union(values, level, Position::Nested, &[]))))
    }

    /// The members of an object schema at `level`: required properties in declaration order
    /// (`required` keeps it; an internal tag comes first), then optional ones by name, then an
    /// index signature for extra members.
    fn members(
        &self,
        o: &Map<String, Value>,
        direction: Direction,
        level: usize,
        loc: &Loc<'_>,
    ) -> Result<String, TsError> {
        let empty = Map::new();
        let properties = o.get("properties").and_then(Value::as_object).unwrap_or(&empty);
        let required: Vec<&str> = o
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut optional: Vec<&str> = properties.keys().map(String::as_str).filter(|n| !required.contains(n)).collect();
        optional.sort_unstable();
        let pad = indent(level);
        let mut out = String::new();
        let mut member_types = Vec::new();
        for (name, is_optional) in required.iter().map(|n| (*n, false)).chain(optional.iter().map(|n| (*n, true))) {
            // A required member without a schema of its own may hold anything.
            let schema = properties.get(name).unwrap_or(&ANY);
            let at = loc.at(format!("properties/{name}"));
            let ts = self.expr(schema, direction, level, Position::Top, &at)?;
            let mut doc = vec![description(schema)];
            doc.extend(notes(schema));
            if is_optional && let Some(default) = schema.get("default") {
                doc.push(format!("Optional: the server uses `{default}` when it is missing."));
            }
            doc.extend(deprecated(schema));
            let mark = if is_optional { "?" } else { "" };
            out.push_str(&jsdoc(&doc, level));
            out.push_str(&format!("{pad}{}{mark}:{};\n", property_name(name), ts.after_colon()));
            member_types.push((ts, is_optional));
        }
        if let Some((key, value)) = self.index_signature(o, direction, level, loc)? {
            // Every member must fit the index signature's type.
            let text = if value.text == "unknown" {
                value.text
            } else {
                let mut seen = BTreeSet::new();
                let mut all = Vec::new();
                for ts in std::iter::once(&value).chain(member_types.iter().map(|(t, _)| t)) {
                    let text = ts.wrapped(Prec::Union).replace('\n', " ");
                    if seen.insert(text.clone()) {
                        all.push(text);
                    }
                }
                if member_types.iter().any(|(_, optional)| *optional) {
                    all.push("undefined".to_owned());
                }
                all.join(" | ")
            };
            out.push_str(&jsdoc(&["Further members (a flattened map).".to_owned()], level));
            out.push_str(&format!("{pad}[key: {key}]: {text};\n"));
        }
        Ok(out)
    }
}

/// An object literal from rendered members at `level - 1`: on one line when short and without
/// comments.
fn object_literal(members: &str, level: usize) -> String {
    let lines: Vec<&str> = members.lines().map(str::trim).collect();
    let compact = format!("{{ {} }}", lines.join(" ").trim_end_matches(';'));
    if !members.contains("/*") && compact.len() <= MAX_INLINE && !lines.is_empty() {
        return compact;
    }
    format!("{{\n{members}{}}}", indent(level))
}

/// A union of rendered members (deduplicated); laid out one per line with leading `|` at the
/// top of a declaration or member when long, multi-line or documented.
fn union(members: Vec<Ts>, level: usize, position: Position, docs: &[String]) -> Ts {
    let mut seen = BTreeSet::new();
    let mut kept: Vec<(Ts, &str)> = Vec::new();
    for (i, member) in members.into_iter().enumerate() {
        if seen.insert(member.text.clone()) {
            kept.push((member, docs.get(i).map_or("", String::as_str)));
        }
    }
    if kept.len() <= 1 {
        // No member (`enum: []`) matches nothing.
        return kept.pop().map_or_else(|| Ts::atom("never"), |(member, _)| member);
    }
    let inline = kept.iter().map(|(m, _)| m.wrapped(Prec::Union)).collect::<Vec<_>>().join(" | ");
    let documented = kept.iter().any(|(_, doc)| !doc.trim().is_empty());
    let fits = !inline.contains('\n') && inline.len() <= MAX_INLINE;
    if position == Position::Nested || (fits && !documented) {
        return Ts { text: inline, prec: Prec::Union, leading_break: false };
    }
    let pad = indent(level + 1);
    let mut text = String::new();
    for (member, doc) in &kept {
        text.push('\n');
        text.push_str(&jsdoc(&[(*doc).to_owned()], level + 1));
        text.push_str(&format!("{pad}| {}", member.wrapped(Prec::Union)));
    }
    Ts { text, prec: Prec::Union, leading_break: true }
}

fn intersection(parts: Vec<Ts>) -> Ts {
    let text = parts.iter().map(|p| p.wrapped(Prec::Intersection)).collect::<Vec<_>>().join(" & ");
    Ts { text, prec: Prec::Intersection, leading_break: false }
}

/// A `patternProperties` pattern of integer keys (schemars's maps keyed by integers).
fn is_digits_pattern(pattern: &str) -> bool {
    matches!(pattern, r"^\d+$" | r"^-?\d+$" | "^[0-9]+$" | "^-?[0-9]+$")
}

/// An object schema that is exactly a struct: written as an `interface`.
fn is_plain_object(o: &Map<String, Value>) -> bool {
    o.get("type").and_then(Value::as_str) == Some("object")
        && o.get("properties").and_then(Value::as_object).is_some_and(|p| !p.is_empty())
        && !["$ref", "allOf", "oneOf", "anyOf", "const", "enum"].iter().any(|k| o.contains_key(*k))
}

fn check_keywords(o: &Map<String, Value>, loc: &Loc<'_>) -> Result<(), TsError> {
    if let Some(keyword) = UNSUPPORTED.iter().find(|k| o.contains_key(**k)) {
        return Err(loc.at(keyword).error(&format!("the JSON Schema keyword `{keyword}`")));
    }
    for keyword in ["unevaluatedProperties", "unevaluatedItems"] {
        // `false` (closed) and `true` say nothing a structural type could.
        if o.get(keyword).is_some_and(|v| !v.is_boolean()) {
            return Err(loc.at(keyword).error(&format!("the JSON Schema keyword `{keyword}` with a schema")));
        }
    }
    Ok(())
}

fn description(schema: &Value) -> String {
    schema.get("description").and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn deprecated(schema: &Value) -> Option<String> {
    (schema.get("deprecated") == Some(&Value::Bool(true))).then(|| "@deprecated".to_owned())
}

/// Notes on the formats used in `schema` (not inside nested properties, which carry their own).
pub(super) fn notes(schema: &Value) -> Vec<String> {
    let mut formats = BTreeSet::new();
    collect_formats(schema, &mut formats);
    formats.iter().filter_map(|f| format_note(f)).collect()
}

fn collect_formats(schema: &Value, out: &mut BTreeSet<String>) {
    let Some(o) = schema.as_object() else { return };
    if let Some(format) = o.get("format").and_then(Value::as_str) {
        out.insert(format.to_owned());
    }
    for keyword in ["items", "additionalProperties"] {
        if let Some(sub) = o.get(keyword) {
            collect_formats(sub, out);
        }
    }
    for keyword in ["prefixItems", "allOf", "anyOf", "oneOf"] {
        for sub in o.get(keyword).and_then(Value::as_array).into_iter().flatten() {
            collect_formats(sub, out);
        }
    }
    for sub in o.get("patternProperties").and_then(Value::as_object).into_iter().flat_map(|p| p.values()) {
        collect_formats(sub, out);
    }
}

/// What a JSON Schema `format` means for a TypeScript user, if anything.
fn format_note(format: &str) -> Option<String> {
    let note = match format {
        "int64" | "uint64" | "int" | "uint" => format!(
            "`{format}` (64-bit) as a JavaScript `number`: exact up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`); larger \
             values lose precision."
        ),
        "int128" | "uint128" => format!(
            "`{format}` (128-bit) as a JavaScript `number`: exact up to 2^53 - 1 (`Number.MAX_SAFE_INTEGER`); larger \
             values lose precision."
        ),
        "uuid" => "A UUID string, e.g. `67e55044-10b1-426f-9247-bb680e5fe0c8`.".to_owned(),
        "date-time" => "An RFC 3339 date-time string, e.g. `2024-05-01T12:30:00Z`.".to_owned(),
        "partial-date-time" => "A date-time string without a time zone, e.g. `2024-05-01T12:30:00`.".to_owned(),
        "date" => "A calendar date string, `YYYY-MM-DD`.".to_owned(),
        "partial-time" | "time" => "A time-of-day string, e.g. `12:30:00`.".to_owned(),
        // Exact in a JavaScript number.
        "int8" | "int16" | "int32" | "uint8" | "uint16" | "uint32" | "float" | "double" => return None,
        other => format!("Format: `{other}`."),
    };
    Some(note)
}

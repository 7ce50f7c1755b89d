//! Named types: every user type of every schema in the manifest, per direction, under one
//! TypeScript name.
//!
//! Each schema of the manifest is a root with its own `$defs`; the same Rust type shows up in many
//! roots. Types are merged by name and body within a direction. Two different bodies under one
//! name (e.g. `Wrapper<A>` and `Wrapper<B>` as two roots, both titled `Wrapper`) get numbered names.
//! Across directions, a type whose body (and everything it refers to) is the same for what the
//! server reads and what it writes is one TypeScript type; otherwise it becomes two, `FooInput`
//! (the deserialize contract) and `FooOutput` (the serialize contract), so neither is wrong.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};

use super::TsError;
use super::syntax::sanitize_identifier;

/// Which contract a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Direction {
    /// What the server reads: opening data and inputs (the deserialize contract).
    Input,
    /// What the server writes: outputs and the connect frame (the serialize contract).
    Output,
}

/// The prefix of local references; after registration every `$ref` names a registry key.
pub(super) const DEFS_PREFIX: &str = "#/$defs/";

/// How a root schema is referred to.
#[derive(Debug, Clone)]
pub(super) enum RootType {
    /// `()`: no value (a unit input may be left out, a unit output has no `data`).
    Unit,
    /// A named type.
    Named(Direction, String),
    /// An anonymous schema (`Vec<Foo>`, `Option<u64>`, `String`), its references renamed to
    /// registry keys.
    Inline(Direction, Value),
}

/// One named type of one direction.
#[derive(Debug, Clone)]
pub(super) struct Def {
    /// The schema, its references renamed to registry keys.
    pub body: Value,
    /// Where it was first seen, for error messages.
    pub origin: String,
}

/// Titles schemars gives to the schemas of standard and well-known types: a root with such a
/// title is written inline, like the same type nested in a struct.
const INLINE_TITLES: &[&str] =
    &["AnyValue", "Character", "Uuid", "DateTime", "NaiveDate", "NaiveDateTime", "NaiveTime"];
const INLINE_TITLE_PREFIXES: &[&str] = &["Array_of_", "Array_size_", "Nullable_", "Map_of_", "Set_of_", "Tuple_of_"];

/// Whether a root's title names a user type (primitives are lowercase: `string`, `uint64`).
fn is_user_title(title: &str) -> bool {
    title.starts_with(|c: char| c.is_ascii_uppercase())
        && !INLINE_TITLES.contains(&title)
        && !INLINE_TITLE_PREFIXES.iter().any(|p| title.starts_with(p))
}

/// Every named type, collected root by root, then named.
#[derive(Debug, Default)]
pub(super) struct Registry {
    defs: BTreeMap<(Direction, String), Def>,
    /// Keys in the order they were first seen: the order of the generated declarations.
    order: Vec<String>,
    names: BTreeMap<(Direction, String), String>,
}

/// A named type to declare, with its TypeScript name.
pub(super) struct Declaration<'a> {
    /// The TypeScript name.
    pub name: &'a str,
    /// The registry key (the schema's name).
    pub key: &'a str,
    /// The direction whose body is declared.
    pub direction: Direction,
    /// Whether this type exists in both directions with different shapes.
    pub split: bool,
    /// The definition.
    pub def: &'a Def,
}

impl Registry {
    /// Adds a root schema of the manifest and tells how to refer to it.
    pub(super) fn add_root(&mut self, schema: &Value, direction: Direction, origin: &str) -> Result<RootType, TsError> {
        let Some(root) = schema.as_object() else {
            return Ok(RootType::Inline(direction, schema.clone()));
        };
        let title = root.get("title").and_then(Value::as_str);
        if title == Some("null") && root.get("type").and_then(Value::as_str) == Some("null") {
            return Ok(RootType::Unit);
        }
        let named = title.filter(|t| is_user_title(t));
        let mut local: BTreeMap<String, Value> = match root.get("$defs") {
            None => BTreeMap::new(),
            Some(Value::Object(defs)) => defs.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
            Some(_) => return Err(TsError::unsupported("`$defs` that is not an object", origin)),
        };
        let mut body: Map<String, Value> = root.clone();
        for meta in ["$schema", "$id", "title", "$defs"] {
            body.remove(meta);
        }
        let mut body = Value::Object(body);
        let self_ref = named.map(|t| format!("{DEFS_PREFIX}{}", escape_pointer(t)));
        if let Some(title) = named {
            if local.contains_key(title) {
                return Err(TsError::unsupported(
                    &format!("a schema titled `{title}` that also defines another `{title}` in its `$defs`"),
                    origin,
                ));
            }
            local.insert(title.to_owned(), body.clone());
        }
        // `#` is the root itself; name it like every other reference.
        for value in local.values_mut().chain(std::iter::once(&mut body)) {
            rewrite_refs(value, &mut |target| match target {
                "#" => self_ref.clone().ok_or_else(|| {
                    TsError::unsupported("a reference to an anonymous root schema (`$ref: \"#\"`)", origin)
                }),
                other => Ok(other.to_owned()),
            })?;
        }
        let mapping = self.merge(direction, &local, named, origin)?;
        match named {
            Some(title) => Ok(RootType::Named(direction, mapping[title].clone())),
            None => {
                rewrite_refs(&mut body, &mut |target| global_ref(target, &mapping, origin))?;
                Ok(RootType::Inline(direction, body))
            }
        }
    }

    /// Merges one root's local types into `direction`; returns local name → registry key.
    fn merge(
        &mut self,
        direction: Direction,
        local: &BTreeMap<String, Value>,
        root: Option<&str>,
        origin: &str,
    ) -> Result<BTreeMap<String, String>, TsError> {
        let mut mapping: BTreeMap<String, String> = local.keys().map(|k| (k.clone(), k.clone())).collect();
        // A local type that differs from the registered type of the same name gets a fresh name;
        // that changes the bodies that refer to it, so repeat until nothing conflicts (each round
        // renames at least one type, so this ends).
        let bodies = loop {
            let mut bodies = BTreeMap::new();
            for (name, body) in local {
                let mut body = body.clone();
                rewrite_refs(&mut body, &mut |target| global_ref(target, &mapping, origin))?;
                bodies.insert(name.clone(), body);
            }
            let conflicts: Vec<String> = bodies
                .iter()
                .filter(|(name, body)| {
                    self.defs.get(&(direction, mapping[*name].clone())).is_some_and(|def| &def.body != *body)
                })
                .map(|(name, _)| name.clone())
                .collect();
            if conflicts.is_empty() {
                break bodies;
            }
            for name in conflicts {
                let fresh = self.fresh_key(direction, &name, &bodies[&name], &mapping);
                mapping.insert(name, fresh);
            }
        };
        // The root first, then what it uses.
        let mut bodies: Vec<(String, Value)> = bodies.into_iter().collect();
        bodies.sort_by_key(|(name, _)| Some(name.as_str()) != root);
        for (name, body) in bodies {
            let key = mapping[&name].clone();
            if !self.order.contains(&key) {
                self.order.push(key.clone());
            }
            self.defs.entry((direction, key)).or_insert_with(|| Def { body, origin: origin.to_owned() });
        }
        Ok(mapping)
    }

    /// `base2`, `base3`, ...: the first that is free, or already holds this very body (a type
    /// renamed the same way in an earlier root).
    fn fresh_key(&self, direction: Direction, base: &str, body: &Value, mapping: &BTreeMap<String, String>) -> String {
        (2..)
            .map(|n| format!("{base}{n}"))
            .find(|k| {
                !mapping.values().any(|v| v == k)
                    && self.defs.get(&(direction, k.clone())).is_none_or(|def| &def.body == body)
            })
            .expect("an unused name exists")
    }

    /// Names every type, avoiding `taken` (and each other).
    pub(super) fn assign_names(&mut self, taken: &BTreeSet<String>) {
        let uniform = self.uniform_keys();
        let mut used: BTreeSet<String> = BTreeSet::new();
        let mut pick = |wanted: String| -> String {
            let base = if taken.contains(&wanted) { format!("{wanted}_") } else { wanted };
            let name = std::iter::once(base.clone())
                .chain((2..).map(|n| format!("{base}{n}")))
                .find(|n| !used.contains(n) && !taken.contains(n))
                .expect("an unused name exists");
            used.insert(name.clone());
            name
        };
        for key in &self.order {
            let ident = sanitize_identifier(key);
            let has = |d: Direction| self.defs.contains_key(&(d, key.clone()));
            if uniform.contains(key) || !(has(Direction::Input) && has(Direction::Output)) {
                let name = pick(ident);
                for d in [Direction::Input, Direction::Output] {
                    if has(d) {
                        self.names.insert((d, key.clone()), name.clone());
                    }
                }
            } else {
                self.names.insert((Direction::Input, key.clone()), pick(format!("{ident}Input")));
                self.names.insert((Direction::Output, key.clone()), pick(format!("{ident}Output")));
            }
        }
    }

    /// Keys present in both directions whose body, and every type it refers to, is the same.
    fn uniform_keys(&self) -> BTreeSet<String> {
        let mut uniform: BTreeSet<String> = self
            .order
            .iter()
            .filter(|k| {
                match (
                    self.defs.get(&(Direction::Input, (*k).clone())),
                    self.defs.get(&(Direction::Output, (*k).clone())),
                ) {
                    (Some(a), Some(b)) => a.body == b.body,
                    _ => false,
                }
            })
            .cloned()
            .collect();
        loop {
            let broken: Vec<String> = uniform
                .iter()
                .filter(|k| {
                    let body = &self.defs[&(Direction::Input, (*k).clone())].body;
                    refs_of(body).iter().any(|r| !uniform.contains(r))
                })
                .cloned()
                .collect();
            if broken.is_empty() {
                return uniform;
            }
            for k in broken {
                uniform.remove(&k);
            }
        }
    }

    /// The TypeScript name of a registered type.
    pub(super) fn name(&self, direction: Direction, key: &str) -> Option<&str> {
        self.names.get(&(direction, key.to_owned())).map(String::as_str)
    }

    /// The types to declare, in the order they were first seen (a type that is the same in both
    /// directions once).
    pub(super) fn declarations(&self) -> Vec<Declaration<'_>> {
        let mut out = Vec::new();
        for key in &self.order {
            let input = self.defs.get(&(Direction::Input, key.clone()));
            let output = self.defs.get(&(Direction::Output, key.clone()));
            let split = input.is_some()
                && output.is_some()
                && self.name(Direction::Input, key) != self.name(Direction::Output, key);
            for (direction, def) in [(Direction::Input, input), (Direction::Output, output)] {
                let Some(def) = def else { continue };
                let name = self.name(direction, key).expect("every type is named");
                if out.iter().any(|d: &Declaration<'_>| d.name == name) {
                    continue;
                }
                out.push(Declaration { name, key, direction, split, def });
            }
        }
        out
    }
}

/// Rewrites every `$ref` string in `value` with `f`.
fn rewrite_refs(value: &mut Value, f: &mut dyn FnMut(&str) -> Result<String, TsError>) -> Result<(), TsError> {
    match value {
        Value::Object(members) => {
            for (key, member) in members.iter_mut() {
                match member {
                    Value::String(target) if key == "$ref" => *target = f(target)?,
                    // `properties` and `$defs` map names to schemas: a property named `$ref` is a schema.
                    _ => rewrite_refs(member, f)?,
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                rewrite_refs(item, f)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// The registry keys a body refers to.
pub(super) fn refs_of(body: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut body = body.clone();
    let _ = rewrite_refs(&mut body, &mut |target| {
        if let Some(key) = target.strip_prefix(DEFS_PREFIX) {
            out.insert(key.to_owned());
        }
        Ok(target.to_owned())
    });
    out
}

/// A local `#/$defs/<name>` reference as a reference to the name's registry key.
fn global_ref(target: &str, mapping: &BTreeMap<String, String>, origin: &str) -> Result<String, TsError> {
    let local = target.strip_prefix(DEFS_PREFIX).map(unescape_pointer);
    match local.as_deref().and_then(|name| mapping.get(name)) {
        Some(key) => Ok(format!("{DEFS_PREFIX}{key}")),
        None => Err(TsError::unsupported(
            &format!("the reference `{target}` (only references into the schema's own `$defs` can be followed)"),
            origin,
        )),
    }
}

fn escape_pointer(name: &str) -> String {
    name.replace('~', "~0").replace('/', "~1")
}

fn unescape_pointer(name: &str) -> String {
    name.replace("~1", "/").replace("~0", "~")
}

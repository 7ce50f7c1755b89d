//! The conformance corpus: one channel whose actions cover every serde shape the README claims,
//! and the edge cases the generator must get exact or report. Each action takes and returns its
//! type, so every type is checked both ways: what serde writes must type-check as the output,
//! what serde reads must type-check as the input, and what serde refuses (or never writes) must
//! not. The other cases of `tests/codegen/data/` hold each shape's full set of variations; the
//! corpus reuses their types and adds the shapes no other case has.

use std::borrow::Cow;
use std::collections::BTreeMap;

use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::json;
use wirechan::prelude::*;

use super::defaults::Settings;
use super::enum_adjacent::Block;
use super::enum_external::Shape;
use super::enum_internal::Message;
use super::enum_untagged::Setting;
use super::external_types::Booking;
use super::flatten::Page;
use super::integers::Numbers;
use super::json_value::Envelope;
use super::maps::Maps;
use super::newtypes::Account;
use super::options::Profile;
use super::recursive::Tree;
use super::rename::UserInfo;
use super::skip_serializing::Event;
use super::tuples::Geo;
use super::unit_structs::Holder;
use crate::support::{Sample, input, output};

/// Fixed-size arrays: serde reads and writes exactly `N` elements.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Digests {
    pub sha256: [u8; 32],
    pub none: [u32; 0],
    pub rgb: [u8; 3],
}

/// Floats: the server never writes NaN or infinity (serde_json's `null`), it fails the call.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Reading {
    pub value: f64,
    pub gain: f32,
}

/// An enum without variants: no value is one.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub enum Never {}

/// A hand-written schema with `"enum": []`: no value matches it.
#[derive(Debug, Serialize, Deserialize)]
pub struct Nothing(String);

impl JsonSchema for Nothing {
    fn schema_name() -> Cow<'static, str> {
        "Nothing".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "enum": [] })
    }
}

/// A list that is never empty: its own `Deserialize` checks what its schema says (`minItems`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>")]
pub struct NonEmpty(Vec<String>);

impl TryFrom<Vec<String>> for NonEmpty {
    type Error = &'static str;

    fn try_from(items: Vec<String>) -> Result<Self, Self::Error> {
        if items.is_empty() { Err("at least one item") } else { Ok(Self(items)) }
    }
}

impl JsonSchema for NonEmpty {
    fn schema_name() -> Cow<'static, str> {
        "NonEmpty".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "array", "items": { "type": "string" }, "minItems": 1 })
    }
}

/// A hand-written schema whose `required` names a member `properties` does not describe: it
/// must be present, with any value.
#[derive(Debug, Serialize, Deserialize)]
pub struct Tagged {
    pub name: String,
    pub extra: serde_json::Value,
}

impl JsonSchema for Tagged {
    fn schema_name() -> Cow<'static, str> {
        "Tagged".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "properties": { "name": { "type": "string" } },
            "required": ["name", "extra"],
        })
    }
}

/// Hand-written schemas with constraints no TypeScript type says: the CLI warns about each
/// (`approximations` below) and refuses them under `--strict`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Headers(BTreeMap<String, String>);

impl JsonSchema for Headers {
    fn schema_name() -> Cow<'static, str> {
        "Headers".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "object",
            "patternProperties": { "^x-": { "type": "string" } },
            "propertyNames": { "pattern": "^x-" },
            "additionalProperties": false,
        })
    }
}

/// At most three: `maxItems`, which the type leaves out.
#[derive(Debug, Serialize, Deserialize)]
#[serde(try_from = "Vec<u8>")]
pub struct Few(Vec<u8>);

impl TryFrom<Vec<u8>> for Few {
    type Error = &'static str;

    fn try_from(items: Vec<u8>) -> Result<Self, Self::Error> {
        if items.len() > 3 { Err("at most three") } else { Ok(Self(items)) }
    }
}

impl JsonSchema for Few {
    fn schema_name() -> Cow<'static, str> {
        "Few".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "array", "items": { "type": "integer", "format": "uint8" }, "maxItems": 3 })
    }
}

/// `tag` on a struct: serde writes `"kind": "Joined"` and ignores `kind` when it reads.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "kind")]
pub struct Joined {
    pub name: String,
}

/// Aliases: serde reads a field under any one of its names.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Login {
    #[serde(alias = "user", alias = "login")]
    pub name: String,
    #[serde(alias = "n", default)]
    pub count: u8,
}

/// `other`: serde reads any unknown name as `Unknown`.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub enum Status {
    Active,
    Away,
    #[serde(other)]
    Unknown,
}

/// `other` in an internally tagged enum: any unknown tag, whatever else the object holds.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type")]
pub enum Signal {
    Start { at: u32 },
    Stop,
    #[serde(other)]
    Unknown,
}

/// Aliases of variants and of a variant's fields, internally tagged.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "op")]
pub enum Op {
    #[serde(alias = "add")]
    Add {
        #[serde(alias = "by")]
        amount: u32,
    },
    #[serde(alias = "reset")]
    Clear,
}

/// Aliases of variants, externally tagged: a unit variant and a newtype variant.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub enum Mode {
    #[serde(alias = "fast")]
    Fast,
    #[serde(alias = "s")]
    Slow(u8),
}

/// A flattened `Option` of a struct: serde writes all of its members or none of them.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Located {
    pub id: u32,
    #[serde(flatten)]
    pub place: Option<Place>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Place {
    pub lat: f64,
    pub lon: Option<f64>,
}

/// Standard types serde gives a shape of their own.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Std {
    pub set: std::collections::BTreeSet<u8>,
    pub duration: std::time::Duration,
    pub letter: char,
    pub maybe_maybe: Option<Option<u8>>,
    pub boxed: Box<str>,
    pub count: std::num::NonZeroU32,
    pub outcome: Result<u8, String>,
    pub id: Id,
    pub tiny: i8,
}

/// A transparent newtype: its content alone.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct Id {
    pub value: u64,
}

/// Every shape of the corpus, taken and given back.
macro_rules! echoes {
    ($($name:ident: $ty:ty),* $(,)?) => {
        $(
            #[channel_func(auth = false)]
            pub async fn $name(input: $ty) -> $ty {
                input
            }
        )*

        wire_channel! {
            name: "corpus",
            route: "/corpus",
            auth: false,
            on_message_wiring: { action: { $($name: $name),* } },
        }
    };
}

echoes! {
    options: Profile,
    defaults: Settings,
    skip_serializing: Event,
    renames: UserInfo,
    enum_external: Shape,
    enum_internal: Message,
    enum_adjacent: Block,
    enum_untagged: Setting,
    flatten: Page,
    maps: Maps,
    tuples: Geo,
    newtypes: Account,
    unit_structs: Holder,
    json_value: Envelope,
    integers: Numbers,
    recursive: Tree,
    external_types: Booking,
    fixed_arrays: Digests,
    floats: Reading,
    no_variants: Never,
    empty_enum: Nothing,
    min_items: NonEmpty,
    required_only: Tagged,
    key_patterns: Headers,
    max_items: Few,
    struct_tag: Joined,
    aliases: Login,
    other_external: Status,
    other_internal: Signal,
    flatten_option: Located,
    variant_aliases: Op,
    external_aliases: Mode,
    std_types: Std,
}

bootstrap! { corpus }

/// What the generated types admit beyond their schemas: each a warning of the CLI.
pub const APPROXIMATIONS: &[&str] = &[
    "member names matching `^x-` are not expressed",
    "the names members may have (`propertyNames`) are not expressed",
    "at most 3 elements (`maxItems`) is not expressed",
];

pub fn samples() -> Vec<Sample> {
    let spec = "CorpusChannel";
    let digests = Digests { sha256: [7; 32], none: [], rgb: [1, 2, 3] };
    let digests_json = serde_json::to_value(&digests).unwrap();
    let with = |base: &serde_json::Value, key: &str, value: serde_json::Value| {
        let mut v = base.clone();
        v[key] = value;
        v
    };
    let (fixed_in, fixed_out) = (input(spec, "fixed_arrays"), output(spec, "fixed_arrays"));
    vec![
        // Shapes the other cases cover in full: here once each way, on one channel.
        Sample::accepted::<Profile>(input(spec, "options"), json!({"name": "a", "nickname": null, "tags": null})),
        Sample::refused::<Profile>(input(spec, "options"), json!({"nickname": "b", "tags": null}), "`name` is missing"),
        Sample::sent(
            output(spec, "options"),
            &Profile { name: "a".into(), nickname: None, bio: Some("b".into()), age: None, tags: Some(vec![]) },
        ),
        Sample::never_sent::<Profile>(
            output(spec, "options"),
            json!({"name": "a", "nickname": null, "tags": null}),
            "`bio` is always written",
        ),
        Sample::accepted::<Settings>(input(spec, "defaults"), json!({"id": 1})),
        Sample::never_sent::<Settings>(output(spec, "defaults"), json!({"id": 1}), "defaults are written"),
        Sample::accepted::<Event>(input(spec, "skip_serializing"), json!({"kind": "k", "labels": []})),
        Sample::refused::<Event>(input(spec, "skip_serializing"), json!({"kind": "k"}), "`labels` is read"),
        Sample::never_sent::<Event>(
            output(spec, "skip_serializing"),
            json!({"kind": "k", "password": "p", "server_id": 1}),
            "`password` is never written",
        ),
        Sample::accepted::<UserInfo>(
            input(spec, "renames"),
            json!({"firstName": "a", "e-mail": "b", "isAdmin": true, "level": "urgent"}),
        ),
        Sample::refused::<UserInfo>(
            input(spec, "renames"),
            json!({"first_name": "a", "e-mail": "b", "isAdmin": true, "level": "urgent"}),
            "members are camelCase",
        ),
        Sample::sent(output(spec, "enum_external"), &Shape::Rect { w: 1, h: 2 }),
        Sample::refused::<Shape>(input(spec, "enum_external"), json!({"Rect": {"w": 1}}), "`h` is missing"),
        Sample::sent(output(spec, "enum_internal"), &Message::Text { body: "b".into() }),
        Sample::refused::<Message>(input(spec, "enum_internal"), json!({"type": "Other"}), "no such variant"),
        Sample::accepted::<Block>(input(spec, "enum_adjacent"), json!({"t": "Pair", "c": [1, 2]})),
        Sample::refused::<Block>(input(spec, "enum_adjacent"), json!({"t": "Pair", "c": [1]}), "a pair has two"),
        Sample::accepted::<Setting>(input(spec, "enum_untagged"), json!([1, "a"])),
        Sample::refused::<Setting>(input(spec, "enum_untagged"), json!({"x": 1}), "no variant matches"),
        Sample::accepted::<Page>(input(spec, "flatten"), json!({"title": "t", "author": "a", "more": [1]})),
        Sample::refused::<Page>(input(spec, "flatten"), json!({"title": "t"}), "the flattened `author` is missing"),
        Sample::accepted::<Maps>(
            input(spec, "maps"),
            json!({"by_name": {"a": 1}, "by_kind": {"Cat": "c"}, "by_id": {"1": true}, "loose": {}, "nested": {}}),
        ),
        Sample::refused::<Maps>(
            input(spec, "maps"),
            json!({"by_name": {"a": "1"}, "by_kind": {}, "by_id": {}, "loose": {}, "nested": {}}),
            "counts are numbers",
        ),
        Sample::refused::<Geo>(
            input(spec, "tuples"),
            json!({"point": [1.0], "rgb": [1, 2, 3], "labeled": ["a", 1, true], "list": [], "pair": [1, "a"]}),
            "a point has two numbers",
        ),
        Sample::accepted::<Account>(
            input(spec, "newtypes"),
            json!({"id": 1, "email": "e", "inner": {"a": true}, "friends": [2]}),
        ),
        Sample::refused::<Account>(
            input(spec, "newtypes"),
            json!({"id": {"0": 1}, "email": "e", "inner": {"a": true}, "friends": []}),
            "a newtype is its content",
        ),
        Sample::accepted::<Holder>(input(spec, "unit_structs"), json!({"ack": null, "unit": null})),
        Sample::refused::<Holder>(input(spec, "unit_structs"), json!({"ack": {}, "unit": null}), "a unit is null"),
        Sample::accepted::<Envelope>(input(spec, "json_value"), json!({"payload": [1, {"a": null}], "meta": 1, "list": []})),
        Sample::refused::<Envelope>(input(spec, "json_value"), json!({"payload": 1}), "`list` is missing"),
        Sample::refused::<Numbers>(
            input(spec, "integers"),
            json!({"small": 1, "medium": 1, "big": 1, "signed_big": 1, "huge": "1", "size": 1, "ratio": 1, "single": 1, "many": []}),
            "a u128 is a number",
        ),
        Sample::accepted::<Tree>(input(spec, "recursive"), json!({"value": 1, "children": [{"value": 2, "children": []}]})),
        Sample::refused::<Tree>(input(spec, "recursive"), json!({"value": 1, "children": [{"value": 2}]}), "children's children"),
        Sample::accepted::<Booking>(
            input(spec, "external_types"),
            json!({
                "id": "67e55044-10b1-426f-9247-bb680e5fe0c8",
                "created": "2024-05-01T12:30:00Z",
                "local": "2024-05-01T12:30:00+02:00",
                "day": "2024-05-01",
                "wall_clock": "2024-05-01T12:30:00",
                "guests": [],
                "cancelled": null,
            }),
        ),
        // Fixed-size arrays: exactly N, both ways; `[T; 0]` is the empty tuple.
        Sample::sent(fixed_out.clone(), &digests),
        Sample::accepted::<Digests>(fixed_in.clone(), digests_json.clone()),
        Sample::refused::<Digests>(fixed_in.clone(), with(&digests_json, "sha256", json!(vec![7u8; 31])), "31 bytes, not 32"),
        Sample::refused::<Digests>(fixed_in.clone(), with(&digests_json, "sha256", json!(vec![7u8; 33])), "33 bytes, not 32"),
        Sample::refused::<Digests>(fixed_in.clone(), with(&digests_json, "none", json!([1])), "`[u32; 0]` is empty"),
        Sample::refused::<Digests>(fixed_in, with(&digests_json, "rgb", json!([1, 2])), "three, not two"),
        Sample::never_sent::<Digests>(fixed_out, with(&digests_json, "sha256", json!([])), "32 bytes are written"),
        // Floats: numbers both ways; `null` is never written (the runtime refuses NaN and
        // infinities, `codec/finite.rs`) and never read.
        Sample::sent(output(spec, "floats"), &Reading { value: -0.5, gain: 1e30 }),
        Sample::never_sent::<Reading>(output(spec, "floats"), json!({"value": null, "gain": 1.0}), "NaN is refused"),
        Sample::refused::<Reading>(input(spec, "floats"), json!({"value": null, "gain": 1.0}), "null is no f64"),
        // No value at all.
        Sample::refused::<Never>(input(spec, "no_variants"), json!("A"), "there is no variant"),
        Sample::refused::<Never>(input(spec, "no_variants"), json!(null), "there is no variant"),
        Sample::ts(output(spec, "empty_enum"), "'x'", false, "`enum: []` matches nothing"),
        // Array lengths a tuple type can say.
        Sample::accepted::<NonEmpty>(input(spec, "min_items"), json!(["a"])),
        Sample::accepted::<NonEmpty>(input(spec, "min_items"), json!(["a", "b", "c"])),
        Sample::refused::<NonEmpty>(input(spec, "min_items"), json!([]), "at least one"),
        // A required member without a schema: any value, but present.
        Sample::accepted::<Tagged>(input(spec, "required_only"), json!({"name": "n", "extra": [1]})),
        Sample::refused::<Tagged>(input(spec, "required_only"), json!({"name": "n"}), "`extra` is required"),
        // Approximations, warned: the type admits these, the schema does not.
        Sample::accepted::<Headers>(input(spec, "key_patterns"), json!({"x-a": "1"})),
        Sample::accepted::<Few>(input(spec, "max_items"), json!([1, 2, 3])),
        Sample::refused::<Few>(input(spec, "max_items"), json!(["a"]), "bytes are numbers"),
        // serde attributes schemars's schemas leave out, added by wirechan's derive.
        Sample::sent(output(spec, "struct_tag"), &Joined { name: "a".into() }),
        Sample::never_sent::<Joined>(output(spec, "struct_tag"), json!({"name": "a"}), "the tag is always written"),
        Sample::never_sent::<Joined>(
            output(spec, "struct_tag"),
            json!({"kind": "Left", "name": "a"}),
            "the tag is the struct's name",
        ),
        Sample::accepted::<Joined>(input(spec, "struct_tag"), json!({"name": "a"})),
        Sample::accepted::<Joined>(input(spec, "struct_tag"), json!({"kind": 7, "name": "a"})),
        Sample::accepted::<Login>(input(spec, "aliases"), json!({"name": "a"})),
        Sample::accepted::<Login>(input(spec, "aliases"), json!({"user": "a", "n": 2})),
        Sample::accepted::<Login>(input(spec, "aliases"), json!({"login": "a", "count": 2})),
        Sample::refused::<Login>(input(spec, "aliases"), json!({"name": "a", "user": "b"}), "a duplicate field"),
        Sample::refused::<Login>(input(spec, "aliases"), json!({"count": 1, "n": 2}), "a duplicate, and no name"),
        Sample::refused::<Login>(input(spec, "aliases"), json!({"n": 2}), "no name under any alias"),
        Sample::sent(output(spec, "aliases"), &Login { name: "a".into(), count: 1 }),
        Sample::never_sent::<Login>(output(spec, "aliases"), json!({"user": "a", "count": 1}), "written as `name`"),
        Sample::accepted::<Status>(input(spec, "other_external"), json!("Active")),
        Sample::accepted::<Status>(input(spec, "other_external"), json!("Sleeping")),
        Sample::refused::<Status>(input(spec, "other_external"), json!({"Sleeping": 1}), "a unit variant holds nothing"),
        Sample::sent(output(spec, "other_external"), &Status::Unknown),
        Sample::never_sent::<Status>(output(spec, "other_external"), json!("Sleeping"), "written as `Unknown`"),
        Sample::accepted::<Signal>(input(spec, "other_internal"), json!({"type": "Pause", "for": 3})),
        Sample::accepted::<Signal>(input(spec, "other_internal"), json!({"type": "Start", "at": 1})),
        Sample::refused::<Signal>(input(spec, "other_internal"), json!({"type": 1}), "the tag is a string"),
        Sample::sent(output(spec, "other_internal"), &Signal::Unknown),
        Sample::never_sent::<Signal>(output(spec, "other_internal"), json!({"type": "Pause"}), "written as `Unknown`"),
        Sample::sent(output(spec, "flatten_option"), &Located { id: 1, place: None }),
        Sample::sent(output(spec, "flatten_option"), &Located { id: 1, place: Some(Place { lat: 1.5, lon: None }) }),
        Sample::never_sent::<Located>(output(spec, "flatten_option"), json!({"id": 1, "lat": 1.5}), "`lon` is written"),
        Sample::never_sent::<Located>(
            output(spec, "flatten_option"),
            json!({"id": 1, "lon": null}),
            "`lat` comes with `lon`",
        ),
        Sample::accepted::<Located>(input(spec, "flatten_option"), json!({"id": 1, "lat": 1.5})),
        Sample::accepted::<Located>(input(spec, "flatten_option"), json!({"id": 1, "lon": 2.0})),
        Sample::accepted::<Op>(input(spec, "variant_aliases"), json!({"op": "add", "by": 2})),
        Sample::accepted::<Op>(input(spec, "variant_aliases"), json!({"op": "Add", "amount": 2})),
        Sample::accepted::<Op>(input(spec, "variant_aliases"), json!({"op": "reset"})),
        Sample::refused::<Op>(input(spec, "variant_aliases"), json!({"op": "Add", "amount": 1, "by": 2}), "duplicate"),
        Sample::refused::<Op>(input(spec, "variant_aliases"), json!({"op": "add"}), "`amount` is missing"),
        Sample::refused::<Op>(input(spec, "variant_aliases"), json!({"op": "clear"}), "no such variant"),
        Sample::sent(output(spec, "variant_aliases"), &Op::Add { amount: 1 }),
        Sample::never_sent::<Op>(output(spec, "variant_aliases"), json!({"op": "add", "amount": 1}), "written as `Add`"),
        Sample::accepted::<Mode>(input(spec, "external_aliases"), json!("fast")),
        Sample::accepted::<Mode>(input(spec, "external_aliases"), json!({"s": 1})),
        Sample::accepted::<Mode>(input(spec, "external_aliases"), json!({"Slow": 1})),
        Sample::refused::<Mode>(input(spec, "external_aliases"), json!("slow"), "no such variant"),
        Sample::never_sent::<Mode>(output(spec, "external_aliases"), json!("fast"), "written as `Fast`"),
        Sample::sent(output(spec, "std_types"), &std_value()),
        Sample::accepted::<Std>(input(spec, "std_types"), serde_json::to_value(std_value()).unwrap()),
        Sample::accepted::<Std>(input(spec, "std_types"), with(&std_json(), "outcome", json!({"Err": "no"}))),
        Sample::refused::<Std>(input(spec, "std_types"), with(&std_json(), "outcome", json!(1)), "a Result is tagged"),
        Sample::refused::<Std>(input(spec, "std_types"), with(&std_json(), "duration", json!(1.5)), "secs and nanos"),
        Sample::refused::<Std>(input(spec, "std_types"), with(&std_json(), "id", json!({"value": 1})), "transparent"),
        Sample::refused::<Std>(input(spec, "std_types"), with(&std_json(), "set", json!(["a"])), "a set of numbers"),
        Sample::refused::<Std>(input(spec, "std_types"), with(&std_json(), "extra", json!(1)), "unknown fields are denied"),
        Sample::refused::<Std>(input(spec, "std_types"), with(&std_json(), "boxed", json!(null)), "a string, not null"),
    ]
}

fn std_value() -> Std {
    Std {
        set: [1, 2].into(),
        duration: std::time::Duration::from_millis(1500),
        letter: 'x',
        maybe_maybe: Some(None),
        boxed: "b".into(),
        count: std::num::NonZeroU32::new(3).unwrap(),
        outcome: Ok(1),
        id: Id { value: 7 },
        tiny: -1,
    }
}

fn std_json() -> serde_json::Value {
    serde_json::to_value(std_value()).unwrap()
}

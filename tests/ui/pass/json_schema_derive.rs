//! wirechan's `#[derive(JsonSchema)]` on the shapes a derive must get right: generics with
//! bounds, lifetimes and const parameters, a container `#[serde(default)]`, recursion, attributes
//! of other derives beside it, `#[deprecated]`. Names and schemas match schemars's own derive,
//! except for what wirechan adds (here `tag` on a struct).

#![deny(warnings)]

use schemars::generate::SchemaSettings;
use wirechan::prelude::*;

mod ours {
    use wirechan::prelude::*;

    #[derive(Serialize, Deserialize, JsonSchema)]
    pub struct Wrapper<'a, T: Clone + 'static, const N: usize>
    where
        T: std::fmt::Debug,
    {
        pub items: Vec<T>,
        #[serde(borrow)]
        pub label: std::borrow::Cow<'a, str>,
    }

    #[derive(Default, Serialize, Deserialize, JsonSchema)]
    #[serde(default)]
    pub struct Limits {
        pub max: u16,
        pub label: String,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    pub struct Tree {
        pub children: Vec<Tree>,
        #[deprecated]
        pub old: Option<u8>,
    }

    /// A topic: `#[topic]` belongs to another derive.
    #[derive(Topic, Deserialize, JsonSchema)]
    #[topic("room:{room}", payload = String)]
    pub struct Room {
        pub room: String,
    }

    #[derive(Serialize, JsonSchema)]
    #[serde(tag = "kind")]
    pub struct Tagged {
        pub a: u8,
    }
}

mod theirs {
    use schemars::JsonSchema;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, JsonSchema)]
    pub struct Wrapper<'a, T: Clone + 'static, const N: usize>
    where
        T: std::fmt::Debug,
    {
        pub items: Vec<T>,
        #[serde(borrow)]
        pub label: std::borrow::Cow<'a, str>,
    }

    #[derive(Default, Serialize, Deserialize, JsonSchema)]
    #[serde(default)]
    pub struct Limits {
        pub max: u16,
        pub label: String,
    }

    #[derive(Serialize, Deserialize, JsonSchema)]
    pub struct Tree {
        pub children: Vec<Tree>,
        #[deprecated]
        pub old: Option<u8>,
    }
}

fn schema<T: JsonSchema>(serialize: bool) -> serde_json::Value {
    let settings = SchemaSettings::draft2020_12();
    let settings = if serialize { settings.for_serialize() } else { settings.for_deserialize() };
    serde_json::to_value(settings.into_generator().into_root_schema_for::<T>()).unwrap()
}

fn same<A: JsonSchema, B: JsonSchema>() {
    assert_eq!(A::schema_name(), B::schema_name());
    for serialize in [false, true] {
        assert_eq!(schema::<A>(serialize), schema::<B>(serialize));
    }
}

fn main() {
    same::<ours::Wrapper<'static, u8, 4>, theirs::Wrapper<'static, u8, 4>>();
    same::<ours::Limits, theirs::Limits>();
    same::<ours::Tree, theirs::Tree>();
    assert!(ours::Tree::schema_id().ends_with("ours::Tree"));
    let tagged = schema::<ours::Tagged>(true);
    assert_eq!(tagged["required"], serde_json::json!(["kind", "a"]));
    assert_eq!(tagged["properties"]["kind"]["const"], "Tagged");
    let _ = ours::Room { room: String::new() };
}

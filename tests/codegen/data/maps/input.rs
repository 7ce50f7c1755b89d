//! Maps: string keys, enum keys, integer keys (JSON object keys are strings of digits), and
//! `serde_json::Map`.

use std::collections::{BTreeMap, HashMap};

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, JsonSchema)]
pub enum Kind {
    Cat,
    Dog,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Item {
    pub name: String,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Maps {
    pub by_name: HashMap<String, u32>,
    pub by_kind: BTreeMap<Kind, String>,
    pub by_id: BTreeMap<u32, bool>,
    pub loose: serde_json::Map<String, serde_json::Value>,
    pub nested: BTreeMap<String, Vec<Item>>,
}

#[channel_func(auth = false)]
pub async fn index(input: Maps) -> Maps {
    input
}

#[channel_func(auth = false)]
pub async fn scores(input: BTreeMap<String, i32>) -> BTreeMap<String, Item> {
    input.into_iter().map(|(k, v)| (k, Item { name: v.to_string() })).collect()
}

wire_channel! {
    name: "maps",
    route: "/maps",
    auth: false,
    on_message_wiring: { action: { index: index, scores: scores } },
}

bootstrap! { maps }

pub fn samples() -> Vec<Sample> {
    let spec = "MapsChannel";
    let maps = Maps {
        by_name: HashMap::from([("a".to_owned(), 1)]),
        by_kind: BTreeMap::from([(Kind::Cat, "c".to_owned())]),
        by_id: BTreeMap::from([(7, true), (42, false)]),
        loose: serde_json::Map::from_iter([("any".to_owned(), json!({"x": [1, null]}))]),
        nested: BTreeMap::from([("k".to_owned(), vec![Item { name: "i".into() }])]),
    };
    let empty = json!({"by_name": {}, "by_kind": {}, "by_id": {}, "loose": {}, "nested": {}});
    vec![
        Sample::sent(output(spec, "index"), &maps),
        Sample::accepted::<Maps>(input(spec, "index"), empty),
        Sample::refused::<Maps>(
            input(spec, "index"),
            json!({"by_name": {}, "by_kind": {}, "by_id": {"seven": true}, "loose": {}, "nested": {}}),
            "integer keys are digits",
        ),
        Sample::refused::<Maps>(
            input(spec, "index"),
            json!({"by_name": {"a": "1"}, "by_kind": {}, "by_id": {}, "loose": {}, "nested": {}}),
            "values are numbers",
        ),
        Sample::accepted::<BTreeMap<String, i32>>(input(spec, "scores"), json!({"a": -1})),
        Sample::sent(output(spec, "scores"), &BTreeMap::from([("a".to_owned(), Item { name: "1".into() })])),
        Sample::refused::<BTreeMap<String, i32>>(input(spec, "scores"), json!({"a": "x"}), "scores are numbers"),
    ]
}

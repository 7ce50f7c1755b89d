//! `skip_serializing_if`, `skip_serializing`, `skip_deserializing` and `skip`: a field the server
//! may leave out is optional in what it writes; one it never reads is absent from what it
//! reads, and the other way round.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Event {
    pub kind: String,
    /// Left out when empty, but required when read: a classic mismatch the types must show.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Read, never written.
    #[serde(skip_serializing, default)]
    pub password: String,
    /// Written, never read.
    #[serde(skip_deserializing)]
    pub server_id: u32,
    #[serde(skip)]
    pub cache: u32,
}

#[channel_func(auth = false)]
pub async fn record(input: Event) -> Event {
    input
}

wire_channel! {
    name: "skip_serializing",
    route: "/skip",
    auth: false,
    on_message_wiring: { action: { record: record } },
}

bootstrap! { skip_serializing }

pub fn samples() -> Vec<Sample> {
    let (i, o) = (input("SkipSerializingChannel", "record"), output("SkipSerializingChannel", "record"));
    let bare = Event { kind: "a".into(), labels: vec![], note: None, password: "p".into(), server_id: 7, cache: 1 };
    let full = Event { labels: vec!["l".into()], note: Some("n".into()), ..bare.clone() };
    // What serde reads: `password` yes, `server_id` and `cache` never.
    let read: Event =
        serde_json::from_value(json!({"kind": "a", "labels": [], "password": "p", "server_id": 9, "cache": 9}))
            .unwrap();
    assert_eq!((read.password.as_str(), read.server_id, read.cache), ("p", 0, 0));
    vec![
        Sample::sent(o.clone(), &bare),
        Sample::sent(o.clone(), &full),
        Sample::accepted::<Event>(i.clone(), json!({"kind": "a", "labels": []})),
        Sample::accepted::<Event>(i.clone(), json!({"kind": "a", "labels": ["l"], "note": "n", "password": "p"})),
        Sample::refused::<Event>(i.clone(), json!({"kind": "a"}), "`labels` is required when read"),
        Sample::refused::<Event>(i, json!({"kind": "a", "labels": [], "note": 5}), "`note` is a string"),
        Sample::never_sent::<Event>(o.clone(), json!({"kind": "a"}), "`server_id` is always written"),
        Sample::ts(o, r#"{"kind": "a", "server_id": 1, "password": "p"}"#, false, "`password` is never written"),
    ]
}

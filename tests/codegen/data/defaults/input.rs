//! `#[serde(default)]` on fields and on a whole struct: optional in what the server reads,
//! always present in what it writes.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

fn default_theme() -> String {
    "dark".to_owned()
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Settings {
    pub id: u32,
    #[serde(default)]
    pub volume: u8,
    #[serde(default = "default_theme")]
    pub theme: String,
    #[serde(default)]
    pub flags: Vec<String>,
}

#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
#[serde(default)]
pub struct Limits {
    pub max_users: u16,
    pub label: String,
}

#[channel_func(auth = false)]
pub async fn save(input: Settings) -> Settings {
    input
}

#[channel_func(auth = false)]
pub async fn limits(input: Limits) -> Limits {
    input
}

wire_channel! {
    name: "defaults",
    route: "/defaults",
    auth: false,
    on_message_wiring: { action: { save: save, limits: limits } },
}

bootstrap! { defaults }

pub fn samples() -> Vec<Sample> {
    let spec = "DefaultsChannel";
    let settings = Settings { id: 1, volume: 0, theme: "dark".into(), flags: vec![] };
    vec![
        Sample::sent(output(spec, "save"), &settings),
        Sample::accepted::<Settings>(input(spec, "save"), json!({"id": 1})),
        Sample::accepted::<Settings>(
            input(spec, "save"),
            json!({"id": 1, "volume": 3, "theme": "light", "flags": ["a"]}),
        ),
        Sample::refused::<Settings>(input(spec, "save"), json!({"volume": 3}), "`id` has no default"),
        Sample::refused::<Settings>(input(spec, "save"), json!({"id": 1, "volume": null}), "a default is not `null`"),
        Sample::never_sent::<Settings>(output(spec, "save"), json!({"id": 1}), "defaulted fields are written"),
        Sample::sent(output(spec, "limits"), &Limits::default()),
        Sample::accepted::<Limits>(input(spec, "limits"), json!({})),
        Sample::accepted::<Limits>(input(spec, "limits"), json!({"max_users": 5})),
        Sample::never_sent::<Limits>(output(spec, "limits"), json!({"label": "x"}), "`max_users` is written"),
    ]
}

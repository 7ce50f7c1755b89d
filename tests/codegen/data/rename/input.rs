//! `rename` and `rename_all`, on fields, structs and variants, including renames that differ
//! between serializing and deserializing.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    pub first_name: String,
    #[serde(rename = "e-mail")]
    pub email: String,
    pub is_admin: bool,
    pub level: Level,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Level {
    LowPriority,
    #[serde(rename = "urgent")]
    HighPriority,
}

/// Renamed as a whole: its TypeScript name follows the serde name.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename = "Renamed")]
pub struct Original {
    pub x: u8,
}

/// Read in snake_case, written in camelCase.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all(serialize = "camelCase", deserialize = "snake_case"))]
pub struct Asymmetric {
    pub some_field: u8,
    #[serde(rename(serialize = "outName", deserialize = "in_name"))]
    pub name: String,
}

#[channel_func(auth = false)]
pub async fn user(input: UserInfo) -> UserInfo {
    input
}

#[channel_func(auth = false)]
pub async fn original(input: Original) -> Original {
    input
}

#[channel_func(auth = false)]
pub async fn asymmetric(input: Asymmetric) -> Asymmetric {
    input
}

wire_channel! {
    name: "rename",
    route: "/rename",
    auth: false,
    on_message_wiring: { action: { user: user, original: original, asymmetric: asymmetric } },
}

bootstrap! { rename }

pub fn samples() -> Vec<Sample> {
    let spec = "RenameChannel";
    let user = UserInfo { first_name: "A".into(), email: "a@x".into(), is_admin: false, level: Level::HighPriority };
    let asym = Asymmetric { some_field: 1, name: "n".into() };
    vec![
        Sample::sent(output(spec, "user"), &user),
        Sample::sent(output(spec, "user"), &UserInfo { level: Level::LowPriority, ..user }),
        Sample::accepted::<UserInfo>(
            input(spec, "user"),
            json!({"firstName": "A", "e-mail": "a@x", "isAdmin": true, "level": "LOW_PRIORITY"}),
        ),
        Sample::refused::<UserInfo>(
            input(spec, "user"),
            json!({"first_name": "A", "e-mail": "a@x", "isAdmin": true, "level": "urgent"}),
            "fields are camelCase",
        ),
        Sample::refused::<UserInfo>(
            input(spec, "user"),
            json!({"firstName": "A", "e-mail": "a@x", "isAdmin": true, "level": "HIGH_PRIORITY"}),
            "the variant is renamed `urgent`",
        ),
        Sample::sent(output(spec, "original"), &Original { x: 1 }),
        Sample::sent(output(spec, "asymmetric"), &asym),
        Sample::accepted::<Asymmetric>(input(spec, "asymmetric"), json!({"some_field": 1, "in_name": "n"})),
        Sample::refused::<Asymmetric>(
            input(spec, "asymmetric"),
            json!({"someField": 1, "outName": "n"}),
            "read in snake_case",
        ),
        Sample::never_sent::<Asymmetric>(
            output(spec, "asymmetric"),
            json!({"some_field": 1, "in_name": "n"}),
            "written in camelCase",
        ),
    ]
}

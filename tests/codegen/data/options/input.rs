//! `Option` vs a missing field vs `null`. serde reads a missing `Option` field as `None`, so for
//! what the server reads the field is optional and nullable (`?: T | null`); it always writes
//! the field, `null` for `None` (`: T | null`), unless `skip_serializing_if` leaves it out.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Profile {
    pub name: String,
    pub nickname: Option<String>,
    #[serde(default)]
    pub bio: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<u8>,
    pub tags: Option<Vec<String>>,
}

#[channel_func(auth = false)]
pub async fn echo(input: Profile) -> Profile {
    input
}

wire_channel! {
    name: "options",
    route: "/options",
    auth: false,
    on_message_wiring: { action: { echo: echo } },
}

bootstrap! { options }

pub fn samples() -> Vec<Sample> {
    let (i, o) = (input("OptionsChannel", "echo"), output("OptionsChannel", "echo"));
    let none = Profile { name: "Ann".into(), nickname: None, bio: None, age: None, tags: None };
    let some = Profile {
        name: "Bob".into(),
        nickname: Some("b".into()),
        bio: Some("hi".into()),
        age: Some(30),
        tags: Some(vec!["x".into()]),
    };
    vec![
        Sample::sent(o.clone(), &none),
        Sample::sent(o.clone(), &some),
        Sample::accepted::<Profile>(i.clone(), json!({"name": "Ann"})),
        Sample::accepted::<Profile>(
            i.clone(),
            json!({"name": "Ann", "nickname": null, "bio": null, "age": null, "tags": null}),
        ),
        Sample::accepted::<Profile>(i.clone(), serde_json::to_value(&some).unwrap()),
        Sample::refused::<Profile>(i.clone(), json!({"nickname": "b"}), "`name` is required"),
        Sample::refused::<Profile>(i.clone(), json!({"name": null}), "`name` is not an Option"),
        Sample::refused::<Profile>(i, json!({"name": "Ann", "age": "30"}), "`age` is a number"),
        Sample::never_sent::<Profile>(
            o.clone(),
            json!({"name": "Ann"}),
            "`nickname`, `bio` and `tags` are always written",
        ),
        Sample::never_sent::<Profile>(
            o,
            json!({"name": "Ann", "bio": null, "tags": null}),
            "`nickname` is always written",
        ),
    ]
}

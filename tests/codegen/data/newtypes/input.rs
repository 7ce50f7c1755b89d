//! Newtype structs are their inner value on the wire; their names stay as type aliases.

use serde_json::json;
use wirechan::prelude::*;

use crate::support::{Sample, input, output};

/// A user's id.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct UserId(pub u32);

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Email(pub String);

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Inner {
    pub a: bool,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Wrapper(pub Inner);

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Account {
    pub id: UserId,
    pub email: Email,
    pub inner: Wrapper,
    pub friends: Vec<UserId>,
}

#[channel_func(auth = false)]
pub async fn open(input: Account) -> Account {
    input
}

#[channel_func(auth = false)]
pub async fn lookup(input: Email) -> UserId {
    UserId(input.0.len() as u32)
}

wire_channel! {
    name: "newtypes",
    route: "/newtypes",
    auth: false,
    on_message_wiring: { action: { open: open, lookup: lookup } },
}

bootstrap! { newtypes }

pub fn samples() -> Vec<Sample> {
    let spec = "NewtypesChannel";
    let account = Account {
        id: UserId(1),
        email: Email("e".into()),
        inner: Wrapper(Inner { a: true }),
        friends: vec![UserId(2)],
    };
    vec![
        Sample::sent(output(spec, "open"), &account),
        Sample::refused::<Account>(
            input(spec, "open"),
            json!({"id": {"0": 1}, "email": "e", "inner": {"a": true}, "friends": []}),
            "a newtype is its inner value",
        ),
        Sample::refused::<Account>(
            input(spec, "open"),
            json!({"id": 1, "email": "e", "inner": [{"a": true}], "friends": []}),
            "a newtype is not a one-element array",
        ),
        Sample::accepted::<Email>(input(spec, "lookup"), json!("someone@example.com")),
        Sample::sent(output(spec, "lookup"), &UserId(5)),
        Sample::refused::<Email>(input(spec, "lookup"), json!(5), "an email is a string"),
    ]
}

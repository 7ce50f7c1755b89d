//! Typed topics: a struct whose fields are a topic's parameters, its name pattern and the one
//! payload type it carries. `#[derive(Topic)]` describes the struct (`TopicDef`); listing it in a
//! channel's `topics` makes it a [`Topic`] that the hub publishes to, so a publication's type is
//! checked at compile time and the channel's manifest (and so its generated client) knows it.

use std::fmt::{self, Display, Write as _};

use schemars::JsonSchema;
use serde::Serialize;

/// A topic declared by a channel: the type of its parameters (`Self`), its name pattern and its
/// payload. Implemented by `wire_channel!` for every type listed in its `topics` (which derives
/// [`macro@crate::Topic`]); a type belongs to one channel.
///
/// ```
/// use wirechan::prelude::*;
///
/// #[derive(Serialize, JsonSchema)]
/// #[serde(tag = "kind", rename_all = "camelCase")]
/// enum RoomEvent {
///     Message { from: String, text: String },
/// }
///
/// /// A chat room.
/// #[derive(Topic, Deserialize, JsonSchema)]
/// #[topic("room:{room}", payload = RoomEvent)]
/// struct Room {
///     room: String,
/// }
///
/// wire_channel! {
///     name: "chat",
///     route: "/chat",
///     topics: { room: Room },
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), ChannelError> {
/// assert_eq!(wirechan::Topic::name(&Room { room: "general".into() }), "room:general");
/// let hub = wirechan::Hub::memory();
/// let event = RoomEvent::Message { from: "ada".into(), text: "hello".into() };
/// hub.publish(&Room { room: "general".into() }, None, &event).await?;
/// # Ok(()) }
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a topic of any channel",
    label = "not listed in a channel's `topics`",
    note = "derive `wirechan::Topic` on it (`#[topic(\"room:{{room}}\", payload = RoomEvent)]`) and list it in its channel: `wire_channel! {{ topics: {{ room: Room }}, .. }}`; a topic named by a string is untyped: `publish_untyped`"
)]
pub trait Topic: Send + Sync + 'static {
    /// What the topic carries: every publication to it is a value of this type.
    type Payload: Serialize + JsonSchema + Send + Sync + 'static;
    /// The name pattern, e.g. `room:{room}`.
    const PATTERN: &'static str;
    /// The topic's name in its channel's `topics` (`room`): the value of a subscription frame.
    const NAME: &'static str;
    /// The history the topic keeps (`history: { size, ttl }` in its channel's `topics`): with
    /// one, its publications carry positions and subscriptions can recover what they missed.
    const HISTORY: Option<crate::History>;
    /// The topic's name for these parameters, e.g. `room:general` (`TopicName`).
    fn name(&self) -> String;
}

/// What `#[derive(Topic)]` writes: the pattern, the payload and the name of a topic type, before a
/// channel lists it.
#[doc(hidden)]
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a topic type",
    label = "a channel's `topics` lists types that derive `wirechan::Topic`",
    note = "add `#[derive(wirechan::Topic)]` and `#[topic(\"room:{{room}}\", payload = RoomEvent)]` to `{Self}`"
)]
pub trait TopicDef: Send + Sync + 'static {
    type Payload: Serialize + JsonSchema + Send + Sync + 'static;
    const PATTERN: &'static str;
    const PARAMS: &'static [&'static str];
    fn name(&self) -> String;
}

/// One parameter of a topic name: its `Display` text with `%` and `:` escaped (`%25`, `%3A`), so
/// that a parameter never reads as another pattern's separator (`room:a:b` is never the room `a:b`).
#[diagnostic::on_unimplemented(
    message = "a topic parameter must implement `Display`, and `{Self}` does not",
    label = "this field's value is written into the topic's name",
    note = "use a type that implements `std::fmt::Display` (`String`, an integer, a `Uuid`, ..)"
)]
pub trait TopicParam {
    /// Writes the escaped parameter.
    fn write_param(&self, out: &mut String);
}

impl<T: Display + ?Sized> TopicParam for T {
    fn write_param(&self, out: &mut String) {
        struct Escaped<'a>(&'a mut String);
        impl fmt::Write for Escaped<'_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                for c in s.chars() {
                    match c {
                        '%' => self.0.push_str("%25"),
                        ':' => self.0.push_str("%3A"),
                        c => self.0.push(c),
                    }
                }
                Ok(())
            }
        }
        // Writing into a String cannot fail; a `Display` that fails leaves what it wrote.
        let _ = write!(Escaped(out), "{self}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(value: &dyn Display) -> String {
        let mut out = String::new();
        struct D<'a>(&'a dyn Display);
        impl Display for D<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
        D(value).write_param(&mut out);
        out
    }

    #[test]
    fn a_parameter_cannot_read_as_a_separator() {
        assert_eq!(param(&"general"), "general");
        assert_eq!(param(&"a:b"), "a%3Ab");
        assert_eq!(param(&"100%"), "100%25");
        assert_eq!(param(&"%3A"), "%253A");
        assert_eq!(param(&42u64), "42");
        assert_eq!(param(&"é:☃"), "é%3A☃");
    }
}

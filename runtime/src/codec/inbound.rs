//! Parses one inbound frame into its routing-key candidates, id and raw input without
//! deserializing the input itself: the input is decoded once, straight into the handler's type.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, IntoDeserializer, MapAccess, Visitor};
use serde_json::value::RawValue;
use smallvec::SmallVec;

use crate::error::{ChannelError, codes};

/// The members of a frame. Frames have a few members (an envelope has three): they are kept on
/// the stack rather than in an allocation per frame.
type Members<'a> = SmallVec<[(Cow<'a, str>, &'a RawValue); 4]>;

/// A frame that is a JSON object: its top-level members, values kept as raw JSON.
pub(crate) struct Inbound<'a> {
    members: Members<'a>,
}

/// Why a frame could not be read as an object.
pub(crate) enum InboundError {
    /// Not JSON, or JSON that is not an object.
    NotAnObject(String),
}

impl InboundError {
    pub(crate) fn into_channel_error(self) -> ChannelError {
        match self {
            InboundError::NotAnObject(reason) => ChannelError::new(codes::INVALID_JSON, reason),
        }
    }
}

impl<'a> Inbound<'a> {
    pub(crate) fn parse(text: &'a str) -> Result<Self, InboundError> {
        let mut de = serde_json::Deserializer::from_str(text);
        let members = de.deserialize_map(MembersVisitor).map_err(|e| {
            if e.classify() == serde_json::error::Category::Data {
                InboundError::NotAnObject("the frame must be a JSON object".to_owned())
            } else {
                InboundError::NotAnObject(format!("the frame is not valid JSON: {e}"))
            }
        })?;
        de.end().map_err(|e| InboundError::NotAnObject(format!("the frame is not valid JSON: {e}")))?;
        Ok(Self { members })
    }

    /// The raw value of a top-level member (the last one when a key repeats).
    pub(crate) fn get(&self, key: &str) -> Option<&'a RawValue> {
        self.members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// The first of `names` that the frame has more than once (names compared unescaped).
    pub(crate) fn repeated<'n>(&self, names: impl IntoIterator<Item = &'n str>) -> Option<&'n str> {
        names.into_iter().find(|name| self.members.iter().filter(|(k, _)| k == name).nth(1).is_some())
    }

    /// The string value of a top-level member, if it is a JSON string.
    pub(crate) fn get_str(&self, key: &str) -> Option<Cow<'a, str>> {
        let raw = self.get(key)?;
        serde_json::from_str::<FrameStr<'a>>(raw.get()).ok().map(|s| s.0)
    }

    /// The members except `skip`, as the input of a flat-mode call.
    pub(crate) fn flat_input<'s>(&'s self, skip: Option<&'s str>) -> RawInput<'s> {
        RawInput::Flat { members: &self.members, skip }
    }
}

/// A string of the frame, borrowed from it unless it has escapes to undo. (A bare `Cow<str>`
/// always copies, which cost an allocation per member of every frame; `borrow` makes serde borrow.)
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub(super) struct FrameStr<'a>(#[serde(borrow)] pub(super) Cow<'a, str>);

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Members::new();
        while let Some(FrameStr(key)) = map.next_key::<FrameStr<'de>>()? {
            let value: &'de RawValue = map.next_value()?;
            members.push((key, value));
        }
        Ok(members)
    }
}

/// The input of one call before it is deserialized into the handler's type.
pub(crate) enum RawInput<'a> {
    /// Flat mode: the frame's members minus the routing key.
    Flat { members: &'a [(Cow<'a, str>, &'a RawValue)], skip: Option<&'a str> },
    /// Envelope mode: the `data` member, absent for a unit input.
    Data(Option<&'a RawValue>),
    /// Flat mode, a frame that opens with its routing key: decoded in one pass
    /// (`flat_frame`). Its errors only send the frame down the general path.
    Frame { text: &'a str, rest: &'a str, routing_keys: &'a super::RoutingKeys },
}

impl RawInput<'_> {
    /// Deserializes the input; a failure is `invalid_input` naming the field path and the reason.
    pub(crate) fn decode<T: DeserializeOwned + 'static>(&self) -> Result<T, ChannelError> {
        if std::any::TypeId::of::<T>() == std::any::TypeId::of::<Box<RawValue>>() {
            // `Box<RawValue>` is the input as JSON text: serde_json can only make one from its
            // own deserializer, so the runtime hands it the input's text instead.
            let mut raw = Some(self.raw()?);
            let slot = (&mut raw as &mut dyn std::any::Any).downcast_mut::<Option<T>>();
            return slot.and_then(Option::take).ok_or_else(ChannelError::internal);
        }
        if let RawInput::Frame { text, routing_keys, .. } = *self {
            let unit = std::any::TypeId::of::<T>() == std::any::TypeId::of::<()>();
            // A unit input still has the whole frame checked, as the general path parses it.
            let decoded = if unit {
                super::flat_frame::decode_frame::<de::IgnoredAny>(text, routing_keys.names())
                    .and_then(|_| serde_json::from_str("null"))
            } else {
                super::flat_frame::decode_frame::<T>(text, routing_keys.names())
            };
            return decoded.map_err(|e| ChannelError::invalid_input(".", e.to_string()));
        }
        if std::any::TypeId::of::<T>() == std::any::TypeId::of::<()>() {
            // A unit input ignores whatever the frame carries besides its routing key.
            return serde_json::from_str("null").map_err(|e| ChannelError::invalid_input(".", e.to_string()));
        }
        // The happy path decodes without tracking the field path; only a failure decodes again
        // with `serde_path_to_error` to name the field. Decoding is deterministic, so the second
        // pass fails the same way.
        match self.decode_with(|de| T::deserialize(de), |de| T::deserialize(de)) {
            Ok(value) => Ok(value),
            Err(_) => match self
                .decode_with(|de| serde_path_to_error::deserialize(de), |de| serde_path_to_error::deserialize(de))
            {
                Ok(value) => Ok(value),
                Err(e) => {
                    let path = e.path().to_string();
                    Err(ChannelError::invalid_input(&path, e.into_inner().to_string()))
                }
            },
        }
    }

    /// The input as JSON text: the members but the routing key (flat mode), `data` (`null`
    /// when absent).
    fn raw(&self) -> Result<Box<RawValue>, ChannelError> {
        let invalid = |e: serde_json::Error| ChannelError::invalid_input(".", e.to_string());
        match self {
            RawInput::Frame { rest, routing_keys, .. } => super::flat_frame::input_text(rest, routing_keys)
                .ok_or_else(|| ChannelError::invalid_input(".", "decided by the general path")),
            // `data` was checked to be JSON when the frame was parsed: copied, not checked again.
            RawInput::Data(Some(raw)) => Ok((*raw).to_owned()),
            RawInput::Data(None) => RawValue::from_string("null".to_owned()).map_err(invalid),
            RawInput::Flat { members, skip } => {
                let mut json = String::from("{");
                for (key, value) in members.iter().filter(|(k, _)| Some(k.as_ref()) != *skip) {
                    if json.len() > 1 {
                        json.push(',');
                    }
                    super::frames::push_str_json(&mut json, key);
                    json.push(':');
                    json.push_str(value.get());
                }
                json.push('}');
                RawValue::from_string(json).map_err(invalid)
            }
        }
    }

    /// Runs `flat` on the frame's members (the routing key left out) or `data` on the envelope's
    /// `data` member (`null` when absent).
    fn decode_with<T, E>(
        &self,
        flat: impl FnOnce(FlatDe<'_>) -> Result<T, E>,
        data: impl FnOnce(&mut serde_json::Deserializer<serde_json::de::StrRead<'_>>) -> Result<T, E>,
    ) -> Result<T, E> {
        match self {
            RawInput::Flat { members, skip } => {
                flat(de::value::MapDeserializer::new(FlatMembers { members: members.iter(), skip: *skip }))
            }
            RawInput::Data(raw) => {
                let mut de = serde_json::Deserializer::from_str(raw.map_or("null", |raw| raw.get()));
                data(&mut de)
            }
            // `decode` answers frames itself; were one to get here, empty text fails to decode
            // rather than yielding a wrong input.
            RawInput::Frame { .. } => data(&mut serde_json::Deserializer::from_str("")),
        }
    }
}

/// The members of a flat frame but the routing key, as `MapDeserializer` takes them.
struct FlatMembers<'a> {
    members: std::slice::Iter<'a, (Cow<'a, str>, &'a RawValue)>,
    skip: Option<&'a str>,
}

impl<'a> Iterator for FlatMembers<'a> {
    type Item = (KeyDe<'a>, RawDe<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let skip = self.skip;
        self.members.by_ref().find(|(k, _)| Some(k.as_ref()) != skip).map(|(k, v)| (KeyDe(k.as_ref()), RawDe(v)))
    }
}

/// A deserializer over the members of a flat frame.
type FlatDe<'a> = de::value::MapDeserializer<'a, FlatMembers<'a>, serde_json::Error>;

/// A member name, fed to `MapDeserializer` as a borrowed string.
struct KeyDe<'a>(&'a str);

impl<'de, 'a: 'de> IntoDeserializer<'de, serde_json::Error> for KeyDe<'a> {
    type Deserializer = de::value::BorrowedStrDeserializer<'de, serde_json::Error>;

    fn into_deserializer(self) -> Self::Deserializer {
        de::value::BorrowedStrDeserializer::new(self.0)
    }
}

/// A raw member value, deserialized by serde_json on demand: `&RawValue` hands each method to
/// serde_json's own, so a value reads the same here as in envelope mode's `data` and on the
/// one-pass path (an ignored member is skipped without being range-checked, an `i128` field takes
/// integers beyond 64 bits).
struct RawDe<'a>(&'a RawValue);

impl<'de, 'a: 'de> IntoDeserializer<'de, serde_json::Error> for RawDe<'a> {
    type Deserializer = &'de RawValue;

    fn into_deserializer(self) -> Self::Deserializer {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_borrowed_from_the_frame_unless_escaped() {
        let inbound = Inbound::parse(r#"{"action":"echo","a\u0063tion":"e\u0063ho","id":7}"#).ok().unwrap();
        let keys: Vec<_> = inbound.members.iter().map(|(k, _)| k).collect();
        assert!(matches!(keys[0], Cow::Borrowed("action")));
        assert!(matches!(keys[1], Cow::Owned(k) if k == "action"));
        // The last of a repeated key counts, its escapes undone.
        assert!(matches!(inbound.get_str("action"), Some(Cow::Owned(v)) if v == "echo"));
        assert_eq!(inbound.get("id").map(RawValue::get), Some("7"));
        assert_eq!(inbound.repeated(["id", "action"]), Some("action"));
        assert_eq!(inbound.repeated(["id", "type"]), None);
        let plain = Inbound::parse(r#"{"type":"ping"}"#).ok().unwrap();
        assert!(matches!(plain.get_str("type"), Some(Cow::Borrowed("ping"))));
        assert_eq!(plain.get_str("missing"), None);
    }
}

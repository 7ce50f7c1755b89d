//! The part of the AsyncAPI 3.0.0 object model the generator writes. Typed structs rather than
//! `json!` so that the document's members come out in the specification's order, whatever order
//! `serde_json` keeps for maps; schemas stay JSON values.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

/// The AsyncAPI version written.
pub(super) const ASYNCAPI_VERSION: &str = "3.0.0";

/// The whole document.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Document {
    pub asyncapi: &'static str,
    pub info: Info,
    pub servers: BTreeMap<String, Server>,
    pub default_content_type: &'static str,
    pub channels: Ordered<Channel>,
    pub operations: Ordered<Operation>,
    pub components: Components,
}

/// `info`.
#[derive(Debug, Serialize)]
pub(super) struct Info {
    pub title: String,
    pub version: String,
    pub description: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// A server: where the channels are served.
#[derive(Debug, Serialize)]
pub(super) struct Server {
    pub host: String,
    pub protocol: &'static str,
    pub description: String,
    pub variables: BTreeMap<String, ServerVariable>,
}

/// A variable of a server's `host`.
#[derive(Debug, Serialize)]
pub(super) struct ServerVariable {
    pub default: String,
    pub description: String,
}

/// A tag.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Tag {
    pub name: String,
}

/// A channel: one wirechan channel, at its route.
#[derive(Debug, Serialize)]
pub(super) struct Channel {
    pub address: String,
    pub title: String,
    pub description: String,
    #[serde(skip_serializing_if = "Ordered::is_empty")]
    pub parameters: Ordered<Parameter>,
    pub messages: Ordered<Message>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bindings: Option<ChannelBindings>,
}

/// A `{param}` of a channel's address.
#[derive(Debug, Serialize)]
pub(super) struct Parameter {
    pub description: String,
}

/// The WebSocket binding of a channel: the upgrade request.
#[derive(Debug, Serialize)]
pub(super) struct ChannelBindings {
    pub ws: WsChannelBinding,
}

/// `bindings.ws` of a channel (binding version 0.1.0).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WsChannelBinding {
    pub method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub query: Option<Value>,
    pub headers: Value,
    pub binding_version: &'static str,
}

/// A message: one kind of frame.
#[derive(Debug, Serialize)]
pub(super) struct Message {
    pub name: String,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Left out when it would only repeat the summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub payload: Value,
}

/// An operation: what the server receives or sends on a channel.
#[derive(Debug, Serialize)]
pub(super) struct Operation {
    pub action: Action,
    pub channel: Ref,
    pub title: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    pub description: String,
    pub messages: Vec<Ref>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reply: Option<Reply>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
}

/// `send` or `receive`, from the server's point of view.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "lowercase")]
pub(super) enum Action {
    Send,
    Receive,
}

/// The answer to a received message.
#[derive(Debug, Serialize)]
pub(super) struct Reply {
    pub channel: Ref,
    pub messages: Vec<Ref>,
}

/// A `$ref`.
#[derive(Debug, Clone, Serialize)]
pub(super) struct Ref {
    #[serde(rename = "$ref")]
    pub target: String,
}

impl Ref {
    pub(super) fn to(target: String) -> Self {
        Self { target }
    }
}

/// `components`.
#[derive(Debug, Serialize)]
pub(super) struct Components {
    pub schemas: Ordered<Value>,
}

/// A map that keeps insertion order, so that the document follows the manifest.
#[derive(Debug)]
pub(super) struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> Ordered<T> {
    pub(super) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(super) fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    pub(super) fn get(&self, key: &str) -> Option<&T> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    pub(super) fn insert(&mut self, key: String, value: T) {
        self.0.push((key, value));
    }
}

impl<T: Serialize> Serialize for Ordered<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().map(|(k, v)| (k, v)))
    }
}

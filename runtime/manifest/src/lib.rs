//! The manifest of wirechan channels: their wiring and a JSON Schema for every type that crosses
//! the wire, as `bootstrap!` writes it from compiled code and the `wirechan` CLI reads it to write
//! TypeScript and AsyncAPI. Shared by the runtime (which builds it) and the CLI (which reads it),
//! so that the CLI needs no server to know its shape.
//!
//! ```
//! let json = r#"{"version":1,"channels":[]}"#;
//! let manifest: wirechan_manifest::Manifest = serde_json::from_str(json).unwrap();
//! assert_eq!(manifest.version, wirechan_manifest::MANIFEST_VERSION);
//! ```

use schemars::Schema;
use serde::{Deserialize, Serialize};

/// Version of the manifest format.
pub const MANIFEST_VERSION: u32 = 1;

/// All channels of one bootstrap.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Format version ([`MANIFEST_VERSION`]).
    pub version: u32,
    /// The channels.
    pub channels: Vec<ChannelManifest>,
}

/// One channel.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ChannelManifest {
    /// The channel's name.
    pub name: String,
    /// The route pattern.
    pub route: String,
    /// The route's `:params`.
    pub params: Vec<String>,
    /// Whether messages need a session unless an action says otherwise.
    pub auth: bool,
    /// Routing keys, in the order they are tried.
    pub routing_keys: Vec<String>,
    /// Tags.
    pub tags: Vec<String>,
    /// Schema of the opening data (deserialize contract).
    pub opening_data: Schema,
    /// `on_connect`: its output is the first frame.
    pub connect: Option<FunctionManifest>,
    /// `on_disconnect`.
    pub disconnect: Option<FunctionManifest>,
    /// `on_message`, the fallback.
    pub fallback: Option<ActionManifest>,
    /// The routed actions.
    pub actions: Vec<ActionManifest>,
    /// The declared topics.
    #[serde(default)]
    pub topics: Vec<TopicManifest>,
}

/// One declared topic.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TopicManifest {
    /// Its name in subscription frames and clients (`room`).
    pub name: String,
    /// The Rust type of its parameters.
    pub rust_type: String,
    /// Its name pattern (`room:{room}`): a publication's `topic` is this with the parameters'
    /// values, `%` and `:` in them escaped as `%25` and `%3A`.
    pub pattern: String,
    /// The parameters, in pattern order.
    pub params: Vec<String>,
    /// What every publication carries (serialize contract).
    pub payload: Schema,
    /// Clients may subscribe to it themselves: how (`None`: only the server subscribes
    /// connections).
    pub subscribe: Option<TopicSubscribe>,
    /// The history it keeps (`None`: none, and its publications carry no position).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<TopicHistory>,
}

/// The history a topic keeps: its publications carry positions, and a subscription can recover
/// what it missed (docs/PROTOCOL.md, "Topics with history").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicHistory {
    /// The most publications kept.
    pub size: u64,
    /// How long a publication is kept, in milliseconds.
    pub ttl_ms: u64,
}

/// How clients subscribe to a topic.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TopicSubscribe {
    /// The authorization function.
    pub function: String,
    /// Whether subscribing needs a session.
    pub auth: bool,
    /// The authorization function's doc comment.
    pub summary: String,
    /// The parameters a subscription frame carries (deserialize contract).
    pub params: Schema,
}

/// A lifecycle function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FunctionManifest {
    /// The Rust function.
    pub function: String,
    /// Its doc comment.
    pub summary: String,
    /// Its output (serialize contract).
    pub output: Schema,
}

/// One action.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionManifest {
    /// The routing key it is wired under.
    pub key: String,
    /// The action's name (the routing key's value).
    pub action: String,
    /// The Rust function.
    pub function: String,
    /// Whether it needs a session.
    pub auth: bool,
    /// The function's doc comment.
    pub summary: String,
    /// Input schema (deserialize contract: what the server accepts).
    pub input: Schema,
    /// Output schema (serialize contract: what the server sends).
    pub output: Schema,
    /// What the function sends while it runs (its `Progress<T>`; serialize contract): progress
    /// frames of an envelope call, pushes otherwise. `None`: it sends nothing but its reply.
    #[serde(default)]
    pub progress: Option<Schema>,
}

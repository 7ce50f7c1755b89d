//! The manifest of a channel: its wiring plus a JSON Schema for every opening-data, input and
//! output type. The CLI turns it into TypeScript; nothing parses Rust a second time.

use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings};
use serde::{Deserialize, Serialize};

use crate::function::ChannelFunction;

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
}

fn schema_for<T: JsonSchema>(deserialize: bool) -> Schema {
    let settings = SchemaSettings::draft2020_12();
    let settings = if deserialize { settings.for_deserialize() } else { settings.for_serialize() };
    SchemaGenerator::new(settings).into_root_schema_for::<T>()
}

/// Builds a channel's manifest; used by generated code.
#[doc(hidden)]
pub struct ManifestBuilder {
    m: ChannelManifest,
}

impl ManifestBuilder {
    pub fn new<O: JsonSchema>(name: &str, route: &str, auth: bool, routing_keys: &[&str], tags: &[&str]) -> Self {
        let params = route.split('/').filter_map(|s| s.strip_prefix(':')).map(str::to_owned).collect();
        Self {
            m: ChannelManifest {
                name: name.to_owned(),
                route: route.to_owned(),
                params,
                auth,
                routing_keys: routing_keys.iter().map(|s| (*s).to_owned()).collect(),
                tags: tags.iter().map(|s| (*s).to_owned()).collect(),
                opening_data: schema_for::<O>(true),
                connect: None,
                disconnect: None,
                fallback: None,
                actions: Vec::new(),
            },
        }
    }

    fn action_manifest<F>(&self, key: &str, action: &str, auth: Option<bool>) -> ActionManifest
    where
        F: ChannelFunction,
        F::Input: JsonSchema,
        F::Output: JsonSchema,
    {
        ActionManifest {
            key: key.to_owned(),
            action: action.to_owned(),
            function: F::NAME.to_owned(),
            auth: auth.or(F::AUTH).unwrap_or(self.m.auth),
            summary: F::DOC.to_owned(),
            input: schema_for::<F::Input>(true),
            output: schema_for::<F::Output>(false),
        }
    }

    pub fn action<F>(mut self, key: &str, action: &str, auth: Option<bool>) -> Self
    where
        F: ChannelFunction,
        F::Input: JsonSchema,
        F::Output: JsonSchema,
    {
        let a = self.action_manifest::<F>(key, action, auth);
        self.m.actions.push(a);
        self
    }

    pub fn fallback<F>(mut self, auth: Option<bool>) -> Self
    where
        F: ChannelFunction,
        F::Input: JsonSchema,
        F::Output: JsonSchema,
    {
        self.m.fallback = Some(self.action_manifest::<F>("", "", auth));
        self
    }

    fn lifecycle<F: ChannelFunction>() -> FunctionManifest
    where
        F::Output: JsonSchema,
    {
        FunctionManifest {
            function: F::NAME.to_owned(),
            summary: F::DOC.to_owned(),
            output: schema_for::<F::Output>(false),
        }
    }

    pub fn connect<F: ChannelFunction>(mut self) -> Self
    where
        F::Output: JsonSchema,
    {
        self.m.connect = Some(Self::lifecycle::<F>());
        self
    }

    pub fn disconnect<F: ChannelFunction>(mut self) -> Self
    where
        F::Output: JsonSchema,
    {
        self.m.disconnect = Some(Self::lifecycle::<F>());
        self
    }

    pub fn build(self) -> ChannelManifest {
        self.m
    }
}

//! The manifest of a channel (its types are in the `wirechan-manifest` crate, which the CLI reads
//! it with): its wiring plus a JSON Schema for every opening-data, input and output type, built
//! here from the compiled functions. Nothing parses Rust a second time.

use schemars::{JsonSchema, Schema, SchemaGenerator, generate::SchemaSettings};
pub use wirechan_manifest::{
    ActionManifest, ChannelManifest, FunctionManifest, MANIFEST_VERSION, Manifest, TopicHistory, TopicManifest,
    TopicSubscribe,
};

use crate::function::ChannelFunction;
use crate::hub::History;
use crate::topic::TopicDef;

fn schema_for<T: JsonSchema>(deserialize: bool) -> Schema {
    let settings = SchemaSettings::draft2020_12();
    let settings = if deserialize { settings.for_deserialize() } else { settings.for_serialize() };
    SchemaGenerator::new(settings).into_root_schema_for::<T>()
}

/// Builds a channel's manifest; used by generated code.
#[doc(hidden)]
#[derive(Debug)]
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
                topics: Vec::new(),
            },
        }
    }

    fn action_manifest<F>(&self, key: &str, action: &str, auth: Option<bool>) -> ActionManifest
    where
        F: ChannelFunction,
        F::Input: JsonSchema,
        F::Output: JsonSchema,
        F::Progress: JsonSchema,
    {
        ActionManifest {
            key: key.to_owned(),
            action: action.to_owned(),
            function: F::NAME.to_owned(),
            auth: auth.or(F::AUTH).unwrap_or(self.m.auth),
            summary: F::DOC.to_owned(),
            input: schema_for::<F::Input>(true),
            output: schema_for::<F::Output>(false),
            progress: F::HAS_PROGRESS.then(|| schema_for::<F::Progress>(false)),
        }
    }

    pub fn action<F>(mut self, key: &str, action: &str, auth: Option<bool>) -> Self
    where
        F: ChannelFunction,
        F::Input: JsonSchema,
        F::Output: JsonSchema,
        F::Progress: JsonSchema,
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
        F::Progress: JsonSchema,
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

    fn topic<T: TopicDef>(name: &str, subscribe: Option<TopicSubscribe>, history: Option<History>) -> TopicManifest {
        TopicManifest {
            name: name.to_owned(),
            rust_type: std::any::type_name::<T>().rsplit("::").next().unwrap_or_default().to_owned(),
            pattern: T::PATTERN.to_owned(),
            params: T::PARAMS.iter().map(|p| (*p).to_owned()).collect(),
            payload: schema_for::<T::Payload>(false),
            subscribe,
            history: history.map(|h| TopicHistory { size: h.size() as u64, ttl_ms: h.ttl().as_millis() as u64 }),
        }
    }

    /// A topic only the server subscribes connections to.
    pub fn server_topic<T: TopicDef>(mut self, name: &str, history: Option<History>) -> Self {
        self.m.topics.push(Self::topic::<T>(name, None, history));
        self
    }

    /// A topic clients subscribe to, authorized by `F`.
    pub fn client_topic<T: TopicDef + JsonSchema, F: ChannelFunction>(
        mut self,
        name: &str,
        history: Option<History>,
    ) -> Self {
        let subscribe = TopicSubscribe {
            function: F::NAME.to_owned(),
            auth: F::AUTH.unwrap_or(self.m.auth),
            summary: F::DOC.to_owned(),
            params: schema_for::<T>(true),
        };
        self.m.topics.push(Self::topic::<T>(name, Some(subscribe), history));
        self
    }

    pub fn build(self) -> ChannelManifest {
        self.m
    }
}

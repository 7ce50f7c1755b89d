//! The only paths generated code uses. Not part of the public API: it may change in any release.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::function::{
    ChannelFunction, ChannelFuture, Invoke, IsChannelFunction, OpensWith, assert_channel_function, assert_input,
    assert_opening_data, assert_opens_with, assert_output,
};
pub use crate::manifest::ManifestBuilder;
pub use crate::topic::{TopicDef, TopicParam};
pub use schemars;

/// What `#[derive(JsonSchema)]` adds to schemars's schemas.
pub mod serde_facts {
    pub use crate::serde_facts::{Aliased, Representation, SerdeFacts, VariantFacts, apply};
}
pub use serde;
pub use serde_json;

use crate::channel::{Action, Base, Channel, Lifecycle};
use crate::codec::{Encoded, RawInput};
use crate::context::{Call, Ctx};
use crate::error::ChannelError;
use crate::error_event::ErrorEvent;
use crate::function::{NoInput, NoOutput};
use crate::manifest::ChannelManifest;
use crate::middleware::{BoxFuture, Middleware};
use crate::route::RoutePattern;

/// Implemented by the marker type of each `wire_channel!` for every services type `S` its
/// functions accept.
pub trait ChannelFor<S> {
    /// The channel's name.
    const NAME: &'static str;
    /// Builds the channel.
    fn build() -> Channel<S>;
}

/// Converts what a channel function returns into `Result<Output, ChannelError>`.
pub fn ok<T>(value: T) -> Result<T, ChannelError> {
    Ok(value)
}

/// Converts a function's `Result<T, E>` into `Result<T, ChannelError>`.
pub fn result<T, E: Into<ChannelError>>(value: Result<T, E>) -> Result<T, ChannelError> {
    value.map_err(Into::into)
}

fn ctx<O: Send + Sync + 'static, S>(base: &Base<S>, call: Call) -> Result<Ctx<O, S>, ChannelError> {
    let opening = base.opening.clone().downcast::<O>().map_err(|_| {
        tracing::error!("opening data of an unexpected type: the channel was built inconsistently");
        ChannelError::internal()
    })?;
    Ok(Ctx { conn: base.conn.clone(), opening, services: base.services.clone(), call })
}

fn encode<T: Serialize + 'static>(out: T) -> Result<Encoded, ChannelError> {
    if std::any::TypeId::of::<T>() == std::any::TypeId::of::<()>() {
        return Ok(Encoded::unit());
    }
    let mut slot = Some(out);
    let any: &mut dyn std::any::Any = &mut slot;
    if let Some(raw) = any.downcast_mut::<Option<Box<serde_json::value::RawValue>>>().and_then(Option::take) {
        // Raw JSON is its own encoding: its buffer is taken as it is, not copied.
        return Ok(Encoded(Box::<str>::from(raw).into_string()));
    }
    slot.as_ref().map_or_else(|| Ok(Encoded::unit()), Encoded::new)
}

fn run_action<F, O, S>(
    base: &Base<S>,
    call: Call,
    input: &RawInput<'_>,
) -> Result<BoxFuture<Result<Encoded, ChannelError>>, ChannelError>
where
    F: Invoke<Ctx<O, S>>,
    F::Input: DeserializeOwned,
    F::Output: Serialize,
    O: Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    let input: F::Input = input.decode()?;
    let ctx = if F::TAKES_CTX { Some(ctx::<O, S>(base, call)?) } else { None };
    Ok(Box::pin(async move {
        let out = F::invoke(ctx, input).await?;
        encode(out)
    }))
}

/// A routed action served by `F`. `auth` is the wiring's override, if any.
pub fn action<F, O, S>(name: &'static str, key: &'static str, auth: Option<bool>) -> Action<S>
where
    F: Invoke<Ctx<O, S>>,
    F::Input: DeserializeOwned,
    F::Output: Serialize,
    O: Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    Action {
        name,
        key,
        auth: auth.or(F::AUTH),
        run: run_action::<F, O, S>,
        middleware: Vec::new(),
        metrics: Default::default(),
    }
}

/// The `on_message` fallback served by `F`; its name labels its metrics.
pub fn fallback_action<F, O, S>(auth: Option<bool>) -> Action<S>
where
    F: Invoke<Ctx<O, S>>,
    F::Input: DeserializeOwned,
    F::Output: Serialize,
    O: Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    action::<F, O, S>("on_message", "", auth)
}

/// Implemented by an authorization function for the topic it authorizes: its input is the
/// topic's parameters ([`AuthorizerInput`]) and it returns nothing ([`AuthorizerOutput`]).
pub trait Authorizes<T>: ChannelFunction {
    /// The parameters, as the function's input.
    fn input(topic: T) -> Self::Input;
}

impl<F: ChannelFunction, T> Authorizes<T> for F
where
    F::Input: AuthorizerInput<T>,
    F::Output: AuthorizerOutput,
{
    fn input(topic: T) -> F::Input {
        F::Input::from_topic(topic)
    }
}

/// The input of an authorization function: the parameters of the topic it authorizes.
#[diagnostic::on_unimplemented(
    message = "an authorization function of topic `{T}` takes a `{T}`, not a `{Self}`",
    label = "this function is not an authorization function of `{T}`",
    note = "an authorization function takes the topic's parameters and returns `Result<(), ChannelError>`: `#[channel_func] async fn may_join(ctx: Ctx<..>, topic: {T}) -> Result<(), ChannelError>`"
)]
pub trait AuthorizerInput<T> {
    /// The parameters as this input.
    fn from_topic(topic: T) -> Self;
}

impl<T> AuthorizerInput<T> for T {
    fn from_topic(topic: T) -> T {
        topic
    }
}

/// The output of an authorization function: none (`Ok(())` lets the subscription through).
#[diagnostic::on_unimplemented(
    message = "an authorization function returns `Result<(), ChannelError>`, not `{Self}` in `Ok`",
    label = "this function returns a value",
    note = "return `Ok(())` to let the subscription through and an error (e.g. `ChannelError::forbidden(..)`) to refuse it"
)]
pub trait AuthorizerOutput {}

impl AuthorizerOutput for () {}

/// What a subscription or unsubscription answers: the name of the topic, which publications carry.
/// For a topic with history, the start position and, when the subscription gave `since`,
/// whether everything after it was recovered (docs/PROTOCOL.md, "Topics with history").
#[derive(Serialize)]
struct Subscribed {
    topic: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    recovered: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    epoch: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<u64>,
}

impl Subscribed {
    fn to(topic: String) -> Self {
        Self { topic, recovered: None, epoch: None, offset: None }
    }
}

fn run_subscription<F, T, O, S>(
    base: &Base<S>,
    call: Call,
    input: &RawInput<'_>,
) -> Result<BoxFuture<Result<Encoded, ChannelError>>, ChannelError>
where
    F: Invoke<Ctx<O, S>> + Authorizes<T>,
    T: crate::Topic + DeserializeOwned,
    O: Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    let topic: T = input.decode()?;
    // Read only for a topic with history; the members mean nothing to one without.
    let resume: Option<crate::hub::Resume> = T::HISTORY.map(|_| input.decode()).transpose()?;
    let name = topic.name();
    let ctx = ctx::<O, S>(base, call)?;
    let authorizer_ctx = F::TAKES_CTX.then(|| ctx.clone());
    Ok(Box::pin(async move {
        F::invoke(authorizer_ctx, F::input(topic)).await?;
        let (Some(history), Some(resume)) = (T::HISTORY, resume) else {
            ctx.hub().subscribe_untyped(&name)?;
            return Encoded::new(&Subscribed::to(name));
        };
        let replay = ctx.hub().subscribe_recovering(&name, history, &resume).await?;
        Encoded::new(&Subscribed {
            topic: name,
            recovered: replay.recovered,
            epoch: Some(replay.start.epoch),
            offset: Some(replay.start.offset),
        })
    }))
}

fn run_unsubscription<T, O, S>(
    base: &Base<S>,
    call: Call,
    input: &RawInput<'_>,
) -> Result<BoxFuture<Result<Encoded, ChannelError>>, ChannelError>
where
    T: crate::Topic + DeserializeOwned,
    O: Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    let name = input.decode::<T>()?.name();
    let ctx = ctx::<O, S>(base, call)?;
    // Inside the future, so that the channel's middleware runs around it as around any call.
    Ok(Box::pin(async move {
        ctx.hub().unsubscribe_untyped(&name);
        Encoded::new(&Subscribed::to(name))
    }))
}

fn refuse_subscription<S>(
    _: &Base<S>,
    call: Call,
    _: &RawInput<'_>,
) -> Result<BoxFuture<Result<Encoded, ChannelError>>, ChannelError> {
    let name = call.action.map_or("", |a| a.name);
    Err(ChannelError::forbidden(format!(
        "clients may not subscribe to or leave `{name}`: the server subscribes connections to it"
    )))
}

/// The routing key of subscription frames.
pub const SUBSCRIBE: &str = "subscribe";
/// The routing key of unsubscription frames.
pub const UNSUBSCRIBE: &str = "unsubscribe";

/// Client subscriptions to the topic `name`, authorized by `F`.
pub fn subscription<F, T, O, S>(name: &'static str) -> Action<S>
where
    F: Invoke<Ctx<O, S>> + Authorizes<T>,
    T: crate::Topic + DeserializeOwned,
    O: Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    Action {
        name,
        key: SUBSCRIBE,
        auth: F::AUTH,
        run: run_subscription::<F, T, O, S>,
        middleware: Vec::new(),
        metrics: Default::default(),
    }
}

/// A subscription or unsubscription frame (`key`) for a topic that only the server subscribes
/// connections to: `forbidden`.
pub fn server_only_topic<S>(name: &'static str, key: &'static str) -> Action<S> {
    Action {
        name,
        key,
        auth: Some(false),
        run: refuse_subscription::<S>,
        middleware: Vec::new(),
        metrics: Default::default(),
    }
}

/// Client unsubscriptions from the topic `name`: leaving needs no session.
pub fn unsubscription<T, O, S>(name: &'static str) -> Action<S>
where
    T: crate::Topic + DeserializeOwned,
    O: Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    Action {
        name,
        key: UNSUBSCRIBE,
        auth: Some(false),
        run: run_unsubscription::<T, O, S>,
        middleware: Vec::new(),
        metrics: Default::default(),
    }
}

/// Adds middleware to one action.
pub fn with_middleware<S>(mut action: Action<S>, mw: impl Middleware) -> Action<S> {
    action.middleware.push(Arc::new(mw));
    action
}

fn run_lifecycle<F, O, S>(base: &Base<S>) -> BoxFuture<Result<Encoded, ChannelError>>
where
    F: Invoke<Ctx<O, S>>,
    F::Input: NoInput,
    F::Output: Serialize,
    O: Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    let ctx = ctx::<O, S>(base, Call::default());
    Box::pin(async move {
        let out = F::invoke(Some(ctx?), NoInput::none()).await?;
        encode(out)
    })
}

/// `on_connect`: `F` takes no input; its output is the first frame.
pub fn connect<F, O, S>() -> Lifecycle<S>
where
    F: Invoke<Ctx<O, S>>,
    F::Input: NoInput,
    F::Output: Serialize,
    O: Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    Lifecycle(run_lifecycle::<F, O, S>)
}

/// `on_disconnect`: `F` takes no input and returns nothing.
pub fn disconnect<F, O, S>() -> Lifecycle<S>
where
    F: Invoke<Ctx<O, S>>,
    F::Input: NoInput,
    F::Output: NoOutput + Serialize,
    O: Send + Sync + 'static,
    S: Send + Sync + 'static,
{
    Lifecycle(run_lifecycle::<F, O, S>)
}

/// Builds a [`Channel`]; generated code calls it once per `wire_channel!`.
#[derive(Debug)]
pub struct ChannelBuilder<S> {
    channel: Channel<S>,
}

impl<S: Send + Sync + 'static> ChannelBuilder<S> {
    #[allow(clippy::too_many_arguments)]
    pub fn new<O: DeserializeOwned + Send + Sync + 'static>(
        name: &'static str,
        route: &'static str,
        auth: bool,
        routing_keys: &'static [&'static str],
        router: fn(usize, &str) -> Option<usize>,
        manifest: fn() -> ChannelManifest,
    ) -> Self {
        // The macro validated the route with the same rules at compile time.
        let route = RoutePattern::parse(route).unwrap_or_else(|e| panic!("invalid route `{route}`: {e}"));
        Self {
            channel: Channel {
                name,
                route,
                auth,
                binary: false,
                topics: false,
                routing_keys: crate::codec::RoutingKeys::new(routing_keys),
                router,
                actions: Vec::new(),
                fallback: None,
                on_connect: None,
                on_disconnect: None,
                on_error: None,
                middleware: Vec::new(),
                opening: crate::opening::decode::<O>,
                manifest,
                transport: Default::default(),
                metrics: crate::metrics::ChannelMetrics::new(name),
            },
        }
    }

    pub fn action(mut self, action: Action<S>) -> Self {
        self.channel.actions.push(action);
        self
    }

    pub fn fallback(mut self, action: Action<S>) -> Self {
        self.channel.fallback = Some(action);
        self
    }

    pub fn on_connect(mut self, f: Lifecycle<S>) -> Self {
        self.channel.on_connect = Some(f.0);
        self
    }

    pub fn on_disconnect(mut self, f: Lifecycle<S>) -> Self {
        self.channel.on_disconnect = Some(f.0);
        self
    }

    pub fn on_error(mut self, f: impl Fn(&ErrorEvent<'_>) + Send + Sync + 'static) -> Self {
        self.channel.on_error = Some(Arc::new(f));
        self
    }

    pub fn middleware(mut self, mw: impl Middleware) -> Self {
        self.channel.middleware.push(Arc::new(mw));
        self
    }

    /// Marks the channel's last two routing keys as `subscribe` and `unsubscribe`: a value they
    /// do not know is an `unknown_topic`.
    pub fn topics(mut self) -> Self {
        self.channel.topics = true;
        self
    }

    pub fn binary(mut self, binary: bool) -> Self {
        self.channel.binary = binary;
        self
    }

    pub fn build(self) -> Channel<S> {
        self.channel
    }
}

/// Const string equality, for the bootstrap's duplicate-name check.
pub const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// The body of the test `bootstrap!` generates (`__wirechan_export_manifest`), which the CLI runs
/// to read the manifest. It checks what the code generator relies on, so that a broken manifest
/// fails in the user's own `cargo test` too: one manifest per listed channel, in order, and every
/// JSON Schema self-contained (each `$ref` resolves inside its own schema). With
/// `WIRECHAN_MANIFEST_OUT` set, it writes the manifest there with `create_new`: a package with two
/// `bootstrap!`s must not have one silently replace the other.
pub fn export_manifest(manifest: crate::Manifest, names: &[&str]) {
    assert_eq!(manifest.version, crate::MANIFEST_VERSION);
    assert!(!manifest.channels.is_empty(), "a bootstrap lists at least one channel");
    let listed: Vec<&str> = manifest.channels.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(listed, names, "the manifest lists every channel of the bootstrap, in order");
    for channel in &manifest.channels {
        check_schema(&channel.name, "opening data", &channel.opening_data);
        for function in channel.connect.iter().chain(&channel.disconnect) {
            check_schema(&channel.name, &function.function, &function.output);
        }
        for action in channel.actions.iter().chain(&channel.fallback) {
            assert!(!action.function.is_empty(), "channel `{}`: an action without its function's name", channel.name);
            check_schema(&channel.name, &format!("{} input", action.function), &action.input);
            check_schema(&channel.name, &format!("{} output", action.function), &action.output);
        }
    }
    let text = serde_json::to_string_pretty(&manifest).expect("a manifest serializes to JSON");
    let read: crate::Manifest = serde_json::from_str(&text).expect("the manifest reads back from its JSON");
    assert_eq!(read.channels.len(), manifest.channels.len());
    if let Some(path) = std::env::var_os("WIRECHAN_MANIFEST_OUT") {
        use std::io::Write as _;
        let path = std::path::PathBuf::from(path);
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).open(&path).unwrap_or_else(|e| {
            panic!("cannot create {}: {e} (a package has one `bootstrap!`; is there a second one?)", path.display())
        });
        file.write_all(text.as_bytes()).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
    }
}

/// Asserts that `schema` is a JSON Schema whose every `$ref` points inside itself.
fn check_schema(channel: &str, what: &str, schema: &schemars::Schema) {
    use serde_json::Value;
    let root = schema.as_value();
    assert!(
        root.is_object() || root.is_boolean(),
        "channel `{channel}`, {what}: a JSON Schema is an object or a boolean"
    );
    let defs = root.get("$defs").and_then(Value::as_object);
    let mut pending = vec![root];
    while let Some(value) = pending.pop() {
        match value {
            Value::Object(members) => {
                if let Some(Value::String(target)) = members.get("$ref") {
                    let local = target.strip_prefix("#/$defs/").map(|name| name.replace("~1", "/").replace("~0", "~"));
                    let resolves =
                        target == "#" || local.is_some_and(|name| defs.is_some_and(|defs| defs.contains_key(&name)));
                    assert!(
                        resolves,
                        "channel `{channel}`, {what}: `$ref` {target} does not resolve inside the schema"
                    );
                }
                pending.extend(members.values());
            }
            Value::Array(items) => pending.extend(items),
            _ => {}
        }
    }
}

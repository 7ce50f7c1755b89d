//! The only paths generated code uses. Not part of the public API: it may change in any release.

use std::sync::Arc;

use serde::Serialize;
use serde::de::DeserializeOwned;

pub use crate::function::{
    ChannelFunction, ChannelFuture, Invoke, IsChannelFunction, OpensWith, assert_channel_function, assert_input,
    assert_opening_data, assert_opens_with, assert_output,
};
pub use crate::manifest::ManifestBuilder;
pub use schemars;
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

//! [`Channel`]: one wired channel, type-erased over its functions, as the server runs it.
//! `wire_channel!` builds it through `__private`; users only pass it to [`crate::App`].

use std::sync::Arc;

use crate::codec::{Encoded, RawInput};
use crate::connection::ConnShared;
use crate::context::Call;
use crate::error::ChannelError;
use crate::error_event::ErrorHook;
use crate::manifest::ChannelManifest;
use crate::middleware::{BoxFuture, Middleware};
use crate::opening::ErasedOpening;
use crate::route::RoutePattern;

/// What every invocation on a connection starts from.
pub(crate) struct Base<S> {
    pub(crate) conn: Arc<ConnShared>,
    pub(crate) opening: ErasedOpening,
    pub(crate) services: Arc<S>,
}

/// Decodes the input and returns the call's future; a decode failure is returned at once.
pub(crate) type ActionFn<S> =
    fn(&Base<S>, Call, &RawInput<'_>) -> Result<BoxFuture<Result<Encoded, ChannelError>>, ChannelError>;

/// A connect or disconnect function.
pub(crate) type LifecycleFn<S> = fn(&Base<S>) -> BoxFuture<Result<Encoded, ChannelError>>;

/// A channel's `on_connect` or `on_disconnect`, as generated code hands it to the builder.
pub struct Lifecycle<S>(pub(crate) LifecycleFn<S>);

pub(crate) type OpeningFn =
    fn(&[(&'static str, std::borrow::Cow<'_, str>)], Option<&str>) -> Result<ErasedOpening, ChannelError>;

/// One routed action, or the fallback (the channel's `fallback`, which dispatch tells apart by
/// where it is, not by its fields).
pub struct Action<S> {
    /// The action's name (`on_message` for the fallback, whose calls carry the client's value).
    pub(crate) name: &'static str,
    /// The routing key it is wired under (none for the fallback: empty, and never read).
    pub(crate) key: &'static str,
    pub(crate) auth: Option<bool>,
    pub(crate) run: ActionFn<S>,
    pub(crate) middleware: Vec<Arc<dyn Middleware>>,
    /// Metric handles (`metrics.rs`); without the `metrics` feature, an unread unit.
    #[cfg_attr(not(feature = "metrics"), allow(dead_code))]
    pub(crate) metrics: crate::metrics::ActionMetrics,
}

/// A channel, ready to be served by an [`crate::App`].
pub struct Channel<S> {
    pub(crate) name: &'static str,
    pub(crate) route: RoutePattern,
    pub(crate) auth: bool,
    pub(crate) binary: bool,
    /// Whether the channel declares topics: its routing keys end with `subscribe` and
    /// `unsubscribe`, whose unknown values are `unknown_topic`s.
    pub(crate) topics: bool,
    pub(crate) routing_keys: crate::codec::RoutingKeys,
    pub(crate) router: fn(usize, &str) -> Option<usize>,
    pub(crate) actions: Vec<Action<S>>,
    pub(crate) fallback: Option<Action<S>>,
    pub(crate) on_connect: Option<LifecycleFn<S>>,
    pub(crate) on_disconnect: Option<LifecycleFn<S>>,
    pub(crate) on_error: Option<ErrorHook>,
    pub(crate) middleware: Vec<Arc<dyn Middleware>>,
    pub(crate) opening: OpeningFn,
    pub(crate) manifest: fn() -> ChannelManifest,
    /// Heartbeat, slow-consumer and rate-limit overrides (`server/transport.rs`).
    pub(crate) transport: crate::server::ChannelTransport,
    /// Metric handles (`metrics.rs`; nothing without the `metrics` feature).
    pub(crate) metrics: crate::metrics::ChannelMetrics,
}

impl<S> Channel<S> {
    /// The channel's name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// The channel's route pattern.
    pub fn route(&self) -> &'static str {
        self.route.as_str()
    }

    /// The channel's manifest: wiring and JSON Schemas.
    pub fn manifest(&self) -> ChannelManifest {
        (self.manifest)()
    }

    /// Whether `action` needs a session.
    pub(crate) fn needs_auth(&self, action: &Action<S>) -> bool {
        action.auth.unwrap_or(self.auth)
    }

    /// Whether `key` is the routing key of subscription or unsubscription frames.
    pub(crate) fn is_topic_key(&self, key: &str) -> bool {
        self.topics && (key == crate::__private::SUBSCRIBE || key == crate::__private::UNSUBSCRIBE)
    }

    /// Finds the action a frame routes to: routing keys in declaration order, the first whose
    /// value is wired wins. Returns the key used and its value even when nothing is wired.
    pub(crate) fn route_frame<'f>(
        &self,
        value_of: impl Fn(&str) -> Option<std::borrow::Cow<'f, str>>,
    ) -> RouteResult<'f> {
        let mut seen = None;
        for (i, key) in self.routing_keys.names().iter().enumerate() {
            if let Some(value) = value_of(key) {
                if let Some(idx) = (self.router)(i, &value) {
                    return RouteResult::Action(idx);
                }
                if seen.is_none() {
                    seen = Some((*key, value));
                }
            }
        }
        match seen {
            Some((key, value)) => RouteResult::Unknown { key, value },
            None => RouteResult::NoKey,
        }
    }
}

pub(crate) enum RouteResult<'f> {
    Action(usize),
    Unknown { key: &'static str, value: std::borrow::Cow<'f, str> },
    NoKey,
}

impl<S> std::fmt::Debug for Lifecycle<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Lifecycle(..)")
    }
}

impl<S> std::fmt::Debug for Action<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Action")
            .field("name", &self.name)
            .field("key", &self.key)
            .field("auth", &self.auth)
            .field("middleware", &self.middleware.len())
            .finish_non_exhaustive()
    }
}

impl<S> std::fmt::Debug for Channel<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Channel")
            .field("name", &self.name)
            .field("route", &self.route.as_str())
            .field("auth", &self.auth)
            .field("routing_keys", &self.routing_keys.names())
            .field("actions", &self.actions.iter().map(|a| a.name).collect::<Vec<_>>())
            .field("fallback", &self.fallback.is_some())
            .finish_non_exhaustive()
    }
}

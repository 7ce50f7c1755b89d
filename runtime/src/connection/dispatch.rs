//! Turns one inbound text frame into an immediate error frame or a running call, following
//! PROTOCOL.md: routing keys, ids, auth, input decoding, middleware, panics.

use std::borrow::Cow;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use super::guard::{self, Outcome};
use crate::channel::{Action, Base, Channel, RouteResult};
use crate::codec::{self, Encoded, Inbound, RawInput};
use crate::context::{ActionRef, Call};
use crate::error::{ChannelError, codes};
use crate::middleware::BoxFuture;
use crate::session::SessionState;

/// A call's result, ready to be written: the reply (if any) and the error to report (boxed:
/// a `Finished` is moved several times on its way to the socket, and errors are rare).
pub(crate) struct Finished {
    pub(crate) reply: Reply,
    pub(crate) error: Option<Box<(Option<&'static str>, ChannelError)>>,
}

/// What a call answers. A flat-mode reply is built by the connection that writes it, which has
/// the channel's routing keys at hand (`RoutingKeys`).
pub(crate) enum Reply {
    /// Nothing: an envelope-mode notification that succeeded.
    Nothing,
    /// A frame built already.
    Frame(String),
    /// A flat-mode reply: the output under the routing key.
    Flat { key: &'static str, action: Cow<'static, str>, out: Encoded },
}

impl Reply {
    pub(crate) fn is_some(&self) -> bool {
        !matches!(self, Reply::Nothing)
    }

    /// The frame to write, if any.
    pub(crate) fn into_frame(self, keys: &codec::RoutingKeys) -> Option<String> {
        match self {
            Reply::Nothing => None,
            Reply::Frame(frame) => Some(frame),
            Reply::Flat { key, action, out } => Some(codec::flat_reply(Some(keys), key, &action, out)),
        }
    }
}

/// What the connection does with a frame.
pub(crate) enum Dispatch {
    /// Write this error frame now (boxed, as the rare case, to keep `Dispatch` small).
    Reject(Box<Rejected>),
    /// Run this call.
    Run(RunningCall),
}

/// A frame refused before anything ran.
pub(crate) struct Rejected {
    /// The error frame to write.
    pub(crate) frame: String,
    /// The action the frame named, for the error hook.
    pub(crate) action: Option<String>,
    pub(crate) error: ChannelError,
}

fn reject(call: Option<(&str, &str)>, id: Option<&str>, error: ChannelError) -> Dispatch {
    let frame = codec::error_frame(call, id, &error);
    Dispatch::Reject(Box::new(Rejected { frame, action: call.map(|(_, a)| a.to_owned()), error }))
}

/// Refuses a frame without running it (the rate limit), tagged as its call's error would be:
/// the routing key and action when it has them, the id in envelope mode.
pub(crate) fn refuse<S>(channel: &Channel<S>, envelope: bool, text: &str, error: ChannelError) -> Dispatch {
    let Ok(inbound) = Inbound::parse(text) else { return reject(None, None, error) };
    if repeated_member(channel, envelope, &inbound).is_some() {
        return reject(None, None, error);
    }
    let id = if envelope { inbound.get("id").and_then(|raw| codec::canonical_id(raw.get())) } else { None };
    let tag = match channel.route_frame(|key| inbound.get_str(key)) {
        RouteResult::Action(idx) => {
            let action = &channel.actions[idx];
            Some((action.key, Cow::Borrowed(action.name)))
        }
        RouteResult::Unknown { key, value } => Some((key, value)),
        RouteResult::NoKey => None,
    };
    reject(tag.as_ref().map(|(key, action)| (*key, action.as_ref())), id.as_deref(), error)
}

/// The routing key (or, in envelope mode, `id` or `data`) that the frame has more than once:
/// such a frame could be read two ways, so it is refused whichever way the frame takes.
fn repeated_member<S>(channel: &Channel<S>, envelope: bool, inbound: &Inbound<'_>) -> Option<&'static str> {
    const ENVELOPE: [&str; 2] = ["id", "data"];
    let envelope_members = if envelope { &ENVELOPE[..] } else { &[] };
    inbound.repeated(channel.routing_keys.names().iter().chain(envelope_members).copied())
}

pub(crate) fn dispatch<S: Send + Sync + 'static>(channel: &Arc<Channel<S>>, base: &Base<S>, text: &str) -> Dispatch {
    dispatch_with(channel, base, text, true)
}

/// `dispatch`, with the one-pass path of flat frames on or off: the fuzz target runs both and
/// requires the same answers.
pub(crate) fn dispatch_with<S: Send + Sync + 'static>(
    channel: &Arc<Channel<S>>,
    base: &Base<S>,
    text: &str,
    one_pass: bool,
) -> Dispatch {
    let envelope = base.conn.envelope;
    if one_pass
        && let Some(run) = if envelope {
            dispatch_leading_envelope(channel, base, text)
        } else {
            dispatch_leading_key(channel, base, text)
        }
    {
        return run;
    }
    let inbound = match Inbound::parse(text) {
        Ok(inbound) => inbound,
        Err(e) => {
            crate::metrics::message_unrouted(channel);
            return reject(None, None, e.into_channel_error());
        }
    };
    if let Some(name) = repeated_member(channel, envelope, &inbound) {
        crate::metrics::message_unrouted(channel);
        let msg = format!("the frame has the member `{name}` more than once");
        return reject(None, None, ChannelError::new(codes::INVALID_JSON, msg));
    }
    let id_raw = if envelope { inbound.get("id") } else { None };
    let id_owned = match id_raw.map(|raw| codec::canonical_id(raw.get())) {
        None => None,
        Some(Some(id)) => Some(id),
        Some(None) => {
            let msg = "`id` must be a number or a string";
            crate::metrics::message_unrouted(channel);
            return reject(None, None, ChannelError::new(codes::INVALID_JSON, msg));
        }
    };
    let id = id_owned.as_deref();
    let target = match channel.route_frame(|key| inbound.get_str(key)) {
        RouteResult::Action(idx) => Target::Routed(&channel.actions[idx]),
        RouteResult::Unknown { key, value } if channel.is_topic_key(key) => {
            crate::metrics::message_unrouted(channel);
            let msg = format!("no topic `{value}` in channel `{}`", channel.name);
            return reject(Some((key, &value)), id, ChannelError::new(codes::UNKNOWN_TOPIC, msg));
        }
        RouteResult::Unknown { key, value } => match &channel.fallback {
            Some(fallback) => Target::Fallback(fallback, Some((key, value))),
            None => {
                crate::metrics::message_unrouted(channel);
                let msg = format!("no action `{value}` under `{key}`");
                return reject(Some((key, &value)), id, ChannelError::new(codes::UNKNOWN_ACTION, msg));
            }
        },
        RouteResult::NoKey => match &channel.fallback {
            Some(fallback) => Target::Fallback(fallback, None),
            None => {
                crate::metrics::message_unrouted(channel);
                let keys = channel.routing_keys.names().join("`, `");
                let msg = format!("the frame has no routing key (`{keys}`)");
                return reject(None, id, ChannelError::new(codes::UNKNOWN_ACTION, msg));
            }
        },
    };
    let action = target.action();
    crate::metrics::message_in(channel, action);
    let call_tag = target.tag();
    if channel.needs_auth(action) {
        match base.conn.session_state() {
            SessionState::Active => {}
            SessionState::None => {
                let msg = "this action needs an authenticated session";
                return reject(call_tag, id, ChannelError::unauthorized(msg));
            }
            SessionState::Expired => return reject(call_tag, id, ChannelError::session_expired()),
        }
    }
    let routed = target.routed();
    let raw = if envelope {
        RawInput::Data(inbound.get("data"))
    } else {
        // The fallback gets the whole frame, routing key included.
        inbound.flat_input(routed.map(|a| a.key))
    };
    let call = Call { action: routed, id: id_owned.clone() };
    let timer = crate::metrics::call_timer(channel, action);
    let started = match guard::start("input decoding", || (action.run)(base, call, &raw)) {
        Ok(fut) => fut,
        Err(e) => return reject(call_tag, id, e),
    };
    let tag = target.into_tag();
    Dispatch::Run(running(channel, base, action, routed, tag, id_owned, started, timer))
}

/// What a frame routes to.
enum Target<'c, 'f, S> {
    /// A wired action.
    Routed(&'c Action<S>),
    /// The `on_message` fallback, with the routing key and the client's value of it when the
    /// frame had one (the reply echoes them).
    Fallback(&'c Action<S>, Option<(&'static str, Cow<'f, str>)>),
}

impl<'c, S> Target<'c, '_, S> {
    fn action(&self) -> &'c Action<S> {
        match self {
            Target::Routed(action) | Target::Fallback(action, _) => action,
        }
    }

    fn routed(&self) -> Option<ActionRef> {
        match self {
            Target::Routed(action) => Some(ActionRef { key: action.key, name: action.name }),
            Target::Fallback(..) => None,
        }
    }

    /// The routing key and value an error or reply carries.
    fn tag(&self) -> Option<(&'static str, &str)> {
        match self {
            Target::Routed(action) => Some((action.key, action.name)),
            Target::Fallback(_, tag) => tag.as_ref().map(|(key, value)| (*key, value.as_ref())),
        }
    }

    /// [`Target::tag`], owned: a routed action's name is static; only the fallback copies the
    /// client's value.
    fn into_tag(self) -> Option<(&'static str, Cow<'static, str>)> {
        match self {
            Target::Routed(action) => Some((action.key, Cow::Borrowed(action.name))),
            Target::Fallback(_, tag) => tag.map(|(key, value)| (key, Cow::Owned(value.into_owned()))),
        }
    }
}

/// Flat mode's common case, decided in one pass over the frame (`codec::flat_frame`): the frame
/// opens with a routing key naming a wired action the connection may call, and its input
/// decodes. `None` for anything else, which the general path then answers; nothing has run.
fn dispatch_leading_key<S: Send + Sync + 'static>(
    channel: &Arc<Channel<S>>,
    base: &Base<S>,
    text: &str,
) -> Option<Dispatch> {
    let leading = codec::leading_routing_key(text, channel.routing_keys.names())?;
    let index = (channel.router)(leading.index, leading.value)?;
    let raw = RawInput::Frame { text, rest: leading.rest, routing_keys: &channel.routing_keys };
    start_one_pass(channel, base, index, None, &raw)
}

/// Envelope mode's common case, decided in one pass (`codec::envelope_frame`): the frame is
/// `{"<key>":"<action>","id":<id>,"data":<input>}` naming a wired action the connection may call,
/// and its input decodes. `None` for anything else, which the general path then answers.
fn dispatch_leading_envelope<S: Send + Sync + 'static>(
    channel: &Arc<Channel<S>>,
    base: &Base<S>,
    text: &str,
) -> Option<Dispatch> {
    let frame = codec::leading_envelope(text, &channel.routing_keys)?;
    let index = (channel.router)(frame.key.index, frame.key.value)?;
    start_one_pass(channel, base, index, frame.id.map(Arc::from), &RawInput::Data(frame.data))
}

/// Starts the call a one-pass path routed to the action at `index`, when the connection may make
/// it and its input decodes; `None` leaves the frame to the general path, which reports what
/// went wrong (a missing session, a decoding error or panic).
fn start_one_pass<S: Send + Sync + 'static>(
    channel: &Arc<Channel<S>>,
    base: &Base<S>,
    index: usize,
    id: Option<Arc<str>>,
    raw: &RawInput<'_>,
) -> Option<Dispatch> {
    let action = &channel.actions[index];
    if channel.needs_auth(action) && base.conn.session_state() != SessionState::Active {
        return None;
    }
    let routed = ActionRef { key: action.key, name: action.name };
    let call = Call { action: Some(routed), id: id.clone() };
    let timer = crate::metrics::call_timer(channel, action);
    // Quietly: the general path runs the frame again and reports what went wrong.
    let started = std::panic::catch_unwind(AssertUnwindSafe(|| (action.run)(base, call, raw))).ok()?.ok()?;
    crate::metrics::message_in(channel, action);
    let tag = Some((action.key, Cow::Borrowed(action.name)));
    Some(Dispatch::Run(running(channel, base, action, Some(routed), tag, id, started, timer)))
}

/// A started call inside its middleware, with what its reply needs.
#[allow(clippy::too_many_arguments)]
fn running<S: Send + Sync + 'static>(
    channel: &Arc<Channel<S>>,
    base: &Base<S>,
    action: &Action<S>,
    routed: Option<ActionRef>,
    tag: Option<(&'static str, Cow<'static, str>)>,
    id: Option<Arc<str>>,
    started: BoxFuture<Outcome>,
    timer: crate::metrics::CallTimer,
) -> RunningCall {
    let name = routed.map(|a| a.name);
    let fut = guard::within_middleware(channel, base, name, &[&channel.middleware, &action.middleware], started);
    let span = match &tag {
        Some((_, value)) => tracing::debug_span!("message", action = %value),
        None => tracing::debug_span!("message", action = ""),
    };
    RunningCall { fut, envelope: base.conn.envelope, tag, action: name, id, span, timer: Some(timer) }
}

/// A call in flight: the handler's future (inside its middleware), and what its reply needs.
/// A named future rather than an `async` block, so that it needs no second allocation.
pub(crate) struct RunningCall {
    fut: BoxFuture<Outcome>,
    envelope: bool,
    /// The routing key and value the reply carries: `None` for a fallback call whose frame had
    /// no routing key.
    tag: Option<(&'static str, Cow<'static, str>)>,
    /// The routed action, for the error hook; `None` for the fallback, whose name is the client's.
    action: Option<&'static str>,
    id: Option<Arc<str>>,
    span: tracing::Span,
    /// Taken when the call finishes: the handler latency metric.
    timer: Option<crate::metrics::CallTimer>,
}

impl Future for RunningCall {
    type Output = Finished;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Finished> {
        let this = &mut *self;
        let result = {
            let _entered = this.span.enter();
            match guard::poll_caught(&mut this.fut, cx, "handler") {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(result) => result,
            }
        };
        if let Some(timer) = this.timer.take() {
            timer.stop();
        }
        Poll::Ready(match result {
            Ok(out) => Finished { reply: this.reply(out), error: None },
            Err(e) => {
                let tag = this.tag.as_ref().map(|(key, value)| (*key, value.as_ref()));
                let frame = codec::error_frame(tag, this.id.as_deref(), &e);
                Finished { reply: Reply::Frame(frame), error: Some(Box::new((this.action, e))) }
            }
        })
    }
}

impl RunningCall {
    fn reply(&mut self, out: Encoded) -> Reply {
        let id = self.id.as_deref();
        match (self.envelope, self.tag.take()) {
            // A notification (no id) is answered only when it fails.
            (true, _) if id.is_none() => Reply::Nothing,
            (true, Some((key, action))) => Reply::Frame(codec::envelope_reply(key, &action, id, "data", &out)),
            (true, None) => Reply::Frame(codec::envelope_reply_untagged(id, &out)),
            (false, Some((key, action))) => Reply::Flat { key, action, out },
            (false, None) if out.is_unit() => Reply::Nothing,
            (false, None) => Reply::Frame(out.0),
        }
    }
}

//! [`Ctx`]: what a channel function sees of its connection, its app and the call it serves.

use std::any::{Any, TypeId};
use std::sync::Arc;

use serde::Serialize;

use crate::codec::{self, Encoded};
use crate::connection::ConnShared;
use crate::connection_id::ConnectionId;
use crate::error::ChannelError;
use crate::hub::HubHandle;
use crate::outbound::OutFrame;
use crate::session::Session;

/// The call a context serves: the routed action (none for `on_connect`, `on_disconnect` and the
/// fallback) and, in envelope mode, the client's id.
#[derive(Clone, Default)]
pub(crate) struct Call {
    pub(crate) action: Option<ActionRef>,
    pub(crate) id: Option<Arc<str>>,
}

/// A routed action: the routing key it is wired under and its name.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ActionRef {
    pub(crate) key: &'static str,
    pub(crate) name: &'static str,
}

/// The context of a channel function: `O` is the channel's opening data, `S` the application's
/// services. Cheap to clone; a clone may outlive the call (e.g. in a spawned task) and still send.
///
/// ```
/// use wirechan::prelude::*;
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Room { room: String } // opening data: /chat?room=general
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Login { user: String }
///
/// struct User(String);
///
/// /// Signs in: the session authorizes this connection's later calls; joins the room.
/// #[channel_func(auth = false)]
/// async fn login(ctx: Ctx<Room>, input: Login) -> Result<String, ChannelError> {
///     ctx.session().set(User(input.user.clone()));
///     ctx.hub().subscribe_untyped(&format!("room:{}", ctx.opening_data().room))?;
///     Ok(format!("{} joined {} on connection {}", input.user, ctx.opening_data().room, ctx.connection_id()))
/// }
///
/// /// Needs the session `login` set (the channel's default, `auth: true`).
/// #[channel_func]
/// async fn whoami(ctx: Ctx<Room>) -> Result<String, ChannelError> {
///     let user = ctx.session().get::<User>().ok_or_else(|| ChannelError::unauthorized("sign in first"))?;
///     Ok(user.0.clone())
/// }
///
/// wire_channel! {
///     name: "chat",
///     route: "/chat",
///     opening_data: Room,
///     on_message_wiring: { action: { login: login, whoami: whoami } },
/// }
///
/// fn main() {
///     let manifest = chat::manifest();
///     let auth: Vec<_> = manifest.actions.iter().map(|a| (a.action.as_str(), a.auth)).collect();
///     assert_eq!(auth, [("login", false), ("whoami", true)]);
/// }
/// ```
pub struct Ctx<O = (), S = ()> {
    pub(crate) conn: Arc<ConnShared>,
    pub(crate) opening: Arc<O>,
    pub(crate) services: Arc<S>,
    pub(crate) call: Call,
}

impl<O, S> Clone for Ctx<O, S> {
    fn clone(&self) -> Self {
        Self {
            conn: self.conn.clone(),
            opening: self.opening.clone(),
            services: self.services.clone(),
            call: self.call.clone(),
        }
    }
}

impl<O, S> std::fmt::Debug for Ctx<O, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ctx")
            .field("channel", &self.conn.channel())
            .field("connection_id", self.conn.id())
            .field("action", &self.action())
            .finish_non_exhaustive()
    }
}

/// A close code and reason, as `Ctx::close` takes them.
pub mod close_code {
    /// Normal closure.
    pub const NORMAL: u16 = 1000;
    /// Going away: server shutdown or heartbeat timeout.
    pub const GOING_AWAY: u16 = 1001;
    /// Policy violation.
    pub const POLICY: u16 = 1008;
    /// Message too big.
    pub const TOO_BIG: u16 = 1009;
    /// Unrecoverable server error.
    pub const INTERNAL: u16 = 1011;
    /// Refused connect-time authentication (the default of the authenticate hook).
    pub const UNAUTHORIZED: u16 = 4001;
}

impl<O, S> Ctx<O, S> {
    /// The id of this connection.
    pub fn connection_id(&self) -> &ConnectionId {
        self.conn.id()
    }

    /// The name of the channel.
    pub fn channel_name(&self) -> &'static str {
        self.conn.channel()
    }

    /// The opening data: route params and query, validated at the upgrade.
    pub fn opening_data(&self) -> &O {
        &self.opening
    }

    /// The application's services, as given to `App::new`.
    pub fn services(&self) -> &S {
        &self.services
    }

    /// The action this call serves (`None` in `on_connect` and `on_disconnect`).
    pub fn action(&self) -> Option<&'static str> {
        self.call.action.map(|a| a.name)
    }

    /// The session of this connection.
    pub fn session(&self) -> Session<'_> {
        Session { conn: &self.conn }
    }

    /// The event hub, bound to this connection.
    pub fn hub(&self) -> HubHandle<'_> {
        HubHandle { hub: &self.conn.hub, subscriber: &self.conn.subscriber }
    }

    /// Reads or changes this connection's state of type `T` (created with `T::default()`).
    pub fn with_state<T: Default + Send + 'static, R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        let mut guard = self.conn.state.lock();
        let map = guard.get_or_insert_with(Default::default);
        let slot = map.entry(TypeId::of::<T>()).or_insert_with(|| Box::new(T::default()) as Box<dyn Any + Send>);
        // The map is keyed by the TypeId of what it holds, so the downcast cannot fail.
        let value = slot.downcast_mut::<T>().expect("state slot holds its key's type");
        f(value)
    }

    /// Closes the connection with `code` (1000 for a normal closure, 4000-4999 for the
    /// application's own) and `reason` (at most 123 bytes; longer reasons are cut).
    pub async fn close(&self, code: u16, reason: &str) {
        let mut reason = reason.to_owned();
        if reason.len() > 123 {
            let mut cut = 123;
            while !reason.is_char_boundary(cut) {
                cut -= 1;
            }
            reason.truncate(cut);
        }
        let _ = self.conn.subscriber.out.send(OutFrame::Close(code, reason)).await;
    }
}

/// Sends `value` to the connection now, shaped for the call it belongs to: in envelope mode inside a
/// call with an id a `progress` frame; otherwise a frame tagged with the action. In flat mode the
/// value goes as a reply would.
pub(crate) async fn send_now<T: Serialize + ?Sized>(
    conn: &ConnShared,
    call: &Call,
    value: &T,
) -> Result<(), ChannelError> {
    let value = Encoded::new(value)?;
    let frame = match (call.action, conn.envelope) {
        (Some(ActionRef { key, name }), true) => match &call.id {
            Some(id) => codec::envelope_reply(key, name, Some(id), "progress", &value),
            None => codec::envelope_reply(key, name, None, "data", &value),
        },
        (Some(ActionRef { key, name }), false) => codec::flat_reply(None, key, name, value),
        (None, true) => codec::connect_event(&value),
        (None, false) => value.as_json().to_owned(),
    };
    if conn.subscriber.out.send(OutFrame::Text(conn.hub.outbound_memory().frame(frame))).await {
        Ok(())
    } else {
        Err(ChannelError::new("closed", "the connection is closed"))
    }
}

//! [`Progress`]: the typed values a channel function sends while it runs.

use std::marker::PhantomData;
use std::sync::Arc;

use serde::Serialize;

use crate::connection::ConnShared;
use crate::context::{Call, Ctx};
use crate::error::ChannelError;

/// What a channel function sends to its client while it runs, all of type `T`: a function declares
/// it by taking a `Progress<T>` as its last parameter, and the manifest (and so the generated
/// client) types what it sends. In envelope mode, inside a call with an id, each value is a
/// progress frame of that call (`{"action":"x","id":7,"progress":<value>}`); otherwise (flat mode,
/// a notification) a push tagged with the action, shaped like a reply.
///
/// ```
/// use wirechan::prelude::*;
///
/// #[derive(Deserialize, JsonSchema)]
/// struct Upload { chunks: u32 }
///
/// #[derive(Serialize, JsonSchema)]
/// struct Uploaded { percent: u32 }
///
/// /// Reports how far the upload got, then answers how many chunks it took.
/// #[channel_func(auth = false)]
/// async fn upload(input: Upload, progress: Progress<Uploaded>) -> Result<u32, ChannelError> {
///     for done in 1..=input.chunks {
///         progress.send(&Uploaded { percent: done * 100 / input.chunks }).await?;
///     }
///     Ok(input.chunks)
/// }
///
/// wire_channel! {
///     name: "files",
///     route: "/files",
///     on_message_wiring: { action: { upload: upload } },
/// }
///
/// fn main() {
///     // The client is typed for what `upload` sends: its schema is in the manifest.
///     assert!(files::manifest().actions[0].progress.is_some());
/// }
/// ```
pub struct Progress<T> {
    conn: Arc<ConnShared>,
    call: Call,
    /// `fn(&T)`: a `Progress` takes `T`s and holds none, so it is `Send` and `Sync` whatever `T` is.
    payload: PhantomData<fn(&T)>,
}

impl<T> std::fmt::Debug for Progress<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress").field("action", &self.call.action.map(|a| a.name)).finish_non_exhaustive()
    }
}

impl<T> Clone for Progress<T> {
    fn clone(&self) -> Self {
        Self { conn: self.conn.clone(), call: self.call.clone(), payload: PhantomData }
    }
}

impl<T: Serialize> Progress<T> {
    /// The progress of the call `ctx` serves; made by `#[channel_func]`.
    #[doc(hidden)]
    pub fn of<O, S>(ctx: &Ctx<O, S>) -> Self {
        Self { conn: ctx.conn.clone(), call: ctx.call.clone(), payload: PhantomData }
    }

    /// Sends `value` to the client now, before the call's reply. Waits while the connection's
    /// outbound queue is full (backpressure on this call); fails with `closed` once the connection
    /// has ended.
    pub async fn send(&self, value: &T) -> Result<(), ChannelError> {
        crate::context::send_now(&self.conn, &self.call, value).await
    }
}

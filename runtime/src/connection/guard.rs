//! How every piece of application code runs, calls and lifecycle hooks alike: started with a
//! panic caught, inside the channel's (and the action's) middleware, and polled with panics
//! caught. A panic is logged and becomes an `internal` error; the connection keeps serving.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::channel::{Base, Channel};
use crate::codec::Encoded;
use crate::error::ChannelError;
use crate::middleware::{self, BoxFuture, Invocation, Middleware};

/// What application code returns: its output, encoded, or its error.
pub(super) type Outcome = Result<Encoded, ChannelError>;

/// Builds a call's future with `start` (which decodes its input); a panic there is an error.
pub(super) fn start(
    what: &'static str,
    start: impl FnOnce() -> Result<BoxFuture<Outcome>, ChannelError>,
) -> Result<BoxFuture<Outcome>, ChannelError> {
    match std::panic::catch_unwind(AssertUnwindSafe(start)) {
        Ok(started) => started,
        Err(panic) => {
            tracing::error!(panic = panic_message(&*panic), "{what} panicked");
            Err(ChannelError::internal())
        }
    }
}

/// `fut` inside the middleware `layers` (outermost first), as the invocation of `action`.
pub(super) fn within_middleware<S: Send + Sync + 'static>(
    channel: &Channel<S>,
    base: &Base<S>,
    action: Option<&'static str>,
    layers: &[&[Arc<dyn Middleware>]],
    fut: BoxFuture<Outcome>,
) -> BoxFuture<Outcome> {
    if layers.iter().all(|layer| layer.is_empty()) {
        return fut;
    }
    let conn = &base.conn;
    let invocation = || Invocation {
        channel: channel.name,
        action,
        connection_id: conn.id().clone(),
        session: conn.active_session(),
        services: base.services.clone(),
    };
    middleware::wrap(layers, invocation, fut)
}

/// Polls application code; a panic becomes an `internal` error.
pub(super) fn poll_caught(fut: &mut BoxFuture<Outcome>, cx: &mut Context<'_>, what: &'static str) -> Poll<Outcome> {
    match std::panic::catch_unwind(AssertUnwindSafe(|| fut.as_mut().poll(cx))) {
        Ok(poll) => poll,
        Err(panic) => {
            tracing::error!(panic = panic_message(&*panic), "{what} panicked");
            Poll::Ready(Err(ChannelError::internal()))
        }
    }
}

/// Runs `fut` to its end with panics caught.
pub(super) async fn run_caught(mut fut: BoxFuture<Outcome>, what: &'static str) -> Outcome {
    std::future::poll_fn(|cx| poll_caught(&mut fut, cx, what)).await
}

pub(super) fn panic_message(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(non-string panic payload)")
}

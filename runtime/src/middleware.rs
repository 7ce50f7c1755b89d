//! Middleware: code around every invocation of a channel's functions, which may refuse it.

use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::codec::Encoded;
use crate::connection_id::ConnectionId;
use crate::error::ChannelError;
use crate::session::SessionValue;

pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// A function's serialized output, as middleware sees it.
pub type Reply = Encoded;

/// What middleware knows about the invocation it wraps.
#[derive(Debug)]
pub struct Invocation {
    pub(crate) channel: &'static str,
    pub(crate) action: Option<&'static str>,
    pub(crate) connection_id: ConnectionId,
    pub(crate) session: Option<SessionValue>,
    pub(crate) services: Arc<dyn Any + Send + Sync>,
}

impl Invocation {
    /// The channel's name.
    pub fn channel(&self) -> &'static str {
        self.channel
    }

    /// The action invoked (`None` for `on_connect`, `on_disconnect` and the fallback).
    pub fn action(&self) -> Option<&'static str> {
        self.action
    }

    /// The connection's id.
    pub fn connection_id(&self) -> &ConnectionId {
        &self.connection_id
    }

    /// The session at the time of the call, if it is a `T`.
    pub fn session<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.session.as_ref()?.downcast()
    }

    /// The application's services, if they are an `S`.
    pub fn services<S: Send + Sync + 'static>(&self) -> Option<&S> {
        self.services.downcast_ref()
    }
}

/// The rest of the chain: the next middleware, or the function itself.
pub struct Next {
    pub(crate) fut: BoxFuture<Result<Reply, ChannelError>>,
}

impl std::fmt::Debug for Next {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Next(..)")
    }
}

impl Next {
    /// Runs the rest of the chain.
    pub async fn run(self) -> Result<Reply, ChannelError> {
        self.fut.await
    }
}

/// Middleware around every invocation. Any `async fn(Invocation, Next) -> Result<Reply,
/// ChannelError>` is one; returning an error without calling `next.run()` refuses the call.
pub trait Middleware: Send + Sync + 'static {
    /// Wraps one invocation.
    fn call(&self, inv: Invocation, next: Next) -> BoxFuture<Result<Reply, ChannelError>>;
}

impl<F, Fut> Middleware for F
where
    F: Fn(Invocation, Next) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Reply, ChannelError>> + Send + 'static,
{
    fn call(&self, inv: Invocation, next: Next) -> BoxFuture<Result<Reply, ChannelError>> {
        Box::pin(self(inv, next))
    }
}

/// Wraps `inner` in `chain`, the first element outermost.
pub(crate) fn wrap(
    chain: &[&[Arc<dyn Middleware>]],
    make_inv: impl Fn() -> Invocation,
    inner: BoxFuture<Result<Reply, ChannelError>>,
) -> BoxFuture<Result<Reply, ChannelError>> {
    let mut fut = inner;
    for layer in chain.iter().rev() {
        for mw in layer.iter().rev() {
            fut = mw.call(make_inv(), Next { fut });
        }
    }
    fut
}

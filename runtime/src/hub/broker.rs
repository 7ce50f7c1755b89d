//! What links the hub of one process to the others: a message broker. The hub delivers each
//! publication to its own subscribers and hands the encoded frame to its broker once; the broker
//! carries it to the other processes and hands what they publish to this process's subscribers
//! (`LocalHub::fan_out`), subscribing with the broker only to the topics this process has
//! subscribers for (`InterestLog`). Redis (`hub/redis/`, feature `redis`) is one; another broker
//! implements this trait and nothing in the connection code changes.

use std::future::Future;
use std::pin::Pin;

use std::sync::Arc;

use super::health::HubHealth;
use super::{History, Replay, Resume};
use crate::connection_id::ConnectionId;
use crate::error::ChannelError;
use crate::outbound::Outbound;

/// A boxed publication on its way to the broker.
pub(crate) type Publishing<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// A boxed subscription reading a topic's history.
pub(crate) type Recovering<'a> = Pin<Box<dyn Future<Output = Result<Replay, ChannelError>> + Send + 'a>>;

pub(crate) trait Broker: Send + Sync {
    /// Sends an encoded publication frame of `topic` to the other processes, for every
    /// subscriber but `exclude`. May wait when publications come faster than the broker takes
    /// them; must not wait on a broker that is unreachable.
    fn publish<'a>(&'a self, topic: &'a str, exclude: Option<&'a ConnectionId>, frame: &'a str) -> Publishing<'a>;

    /// Sends a publication of a topic with history (`frame` without its position): the broker
    /// gives it its position and keeps it, and every node, this one too, delivers it.
    fn publish_recorded<'a>(
        &'a self,
        topic: &'a str,
        history: History,
        exclude: Option<&'a ConnectionId>,
        frame: &'a str,
    ) -> Publishing<'a>;

    /// Joins a connection to a topic with history, with what `resume` recovers queued first
    /// (`LocalHub::subscribe_recovering` for the broker's histories).
    fn subscribe_recovering<'a>(
        &'a self,
        topic: &'a Arc<str>,
        history: History,
        resume: &'a Resume,
        id: &'a ConnectionId,
        out: &'a Outbound,
    ) -> Recovering<'a>;

    /// The link's state, as the health check reports it.
    fn health(&self) -> HubHealth;
}

//! What links the hub of one process to the others: a message broker. The hub delivers each
//! publication to its own subscribers and hands the encoded frame to its broker once; the broker
//! carries it to the other processes and hands what they publish to this process's subscribers
//! (`LocalHub::fan_out`), subscribing with the broker only to the topics this process has
//! subscribers for (`InterestLog`). Redis (`hub/redis/`, feature `redis`) is one; another broker
//! implements this trait and nothing in the connection code changes.

use std::future::Future;
use std::pin::Pin;

use super::health::HubHealth;
use crate::connection_id::ConnectionId;

/// A boxed publication on its way to the broker.
pub(crate) type Publishing<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

pub(crate) trait Broker: Send + Sync {
    /// Sends an encoded publication frame of `topic` to the other processes, for every
    /// subscriber but `exclude`. May wait when publications come faster than the broker takes
    /// them; must not wait on a broker that is unreachable.
    fn publish<'a>(&'a self, topic: &'a str, exclude: Option<&'a ConnectionId>, frame: &'a str) -> Publishing<'a>;

    /// The link's state, as the health check reports it.
    fn health(&self) -> HubHealth;
}

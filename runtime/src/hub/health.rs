//! What the health check says about the event hub ([`HubHealth`]).

use serde::Serialize;

/// The state of the event hub. The health check puts it under `"hub"` (PROTOCOL.md, section 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "broker", rename_all = "lowercase")]
#[non_exhaustive]
pub enum HubHealth {
    /// The in-memory hub of one process: nothing can be degraded.
    Memory,
    /// The Redis hub: `{"broker":"redis","connected":...,"subscriptions":...,"buffered":...,"dropped":...}`.
    #[cfg(feature = "redis")]
    Redis(RedisHealth),
}

/// The Redis hub's link to its broker.
#[cfg(feature = "redis")]
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct RedisHealth {
    /// Connected, and subscribed to every topic that has local subscribers.
    pub connected: bool,
    /// Redis channels this node is subscribed to: one per topic with local subscribers while
    /// connected, 0 while not.
    pub subscriptions: usize,
    /// Publications waiting to be sent to Redis (while disconnected: the outage buffer).
    pub buffered: usize,
    /// Publications that never reached Redis since the hub started: evicted, oldest first, from
    /// the full outage buffer, or in flight when the connection broke (never re-sent, so never
    /// duplicated). They were still delivered to this node's subscribers.
    pub dropped: u64,
}

impl HubHealth {
    /// `true` when publications cannot currently cross to other nodes.
    pub fn is_degraded(&self) -> bool {
        match self {
            HubHealth::Memory => false,
            #[cfg(feature = "redis")]
            HubHealth::Redis(r) => !r.connected,
        }
    }
}

//! The heartbeat: whether the peer is alive, decided once per interval by the connection's one
//! timer rather than per frame (PROTOCOL.md section 7).

use tokio::time::Instant;

use crate::server::Heartbeat;

/// Whether the peer is alive. Reading a frame only sets `heard` (no clock read per message);
/// the timer turns that into pings and the timeout once per interval.
pub(super) struct Liveness {
    pub(super) heartbeat: Heartbeat,
    pub(super) heard: bool,
    /// When the peer was last known to be alive (a timer tick that found `heard` set).
    pub(super) alive_at: Instant,
    pub(super) next_check: Instant,
}

/// What the heartbeat decides at a tick.
pub(super) enum Beat {
    Nothing,
    Ping,
    Timeout,
}

impl Liveness {
    pub(super) fn tick(&mut self, now: Instant) -> Beat {
        if now < self.next_check {
            return Beat::Nothing;
        }
        let Heartbeat { interval, timeout } = self.heartbeat;
        if std::mem::take(&mut self.heard) {
            self.alive_at = now;
            self.next_check = now + interval;
            Beat::Nothing
        } else if now.duration_since(self.alive_at) >= timeout {
            Beat::Timeout
        } else {
            self.next_check = (now + interval).min(self.alive_at + timeout);
            Beat::Ping
        }
    }
}

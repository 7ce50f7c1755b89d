//! The session of a connection: set by an `authenticate`-style action or the connect-time hook,
//! it authorizes every later message on that socket, until it is cleared or, when it was given
//! an expiry (a token's `exp`), until that passes. An expired session is no session: actions
//! that need one get `session_expired` until the client authenticates again on the same socket.

use std::any::Any;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use crate::connection::ConnShared;

/// A session value, type-erased so that each application chooses its own session type, with an
/// optional expiry.
#[derive(Clone)]
pub struct SessionValue {
    value: Arc<dyn Any + Send + Sync>,
    expiry: Option<Expiry>,
}

/// When a session expires: on the monotonic clock that decides it, and as the wall-clock time
/// it was given.
#[derive(Clone, Copy)]
struct Expiry {
    at: Instant,
    wall: SystemTime,
}

/// Whether a connection has a session that authorizes its messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SessionState {
    Active,
    None,
    Expired,
}

impl SessionValue {
    /// Wraps an application's session; it does not expire.
    pub fn new<T: Send + Sync + 'static>(value: T) -> Self {
        SessionValue { value: Arc::new(value), expiry: None }
    }

    /// The same session, expiring at `expires_at` (e.g. a token's `exp`). A time already past
    /// gives a session that is expired at once.
    pub fn until(mut self, expires_at: SystemTime) -> Self {
        let left = expires_at.duration_since(SystemTime::now()).unwrap_or_default();
        self.expiry = Some(Expiry { at: Instant::now() + left, wall: expires_at });
        self
    }

    /// The session as `T`, if it is one (expired or not).
    pub fn downcast<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.value.clone().downcast::<T>().ok()
    }

    /// When the session expires, if it was given an expiry.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expiry.map(|e| e.wall)
    }

    /// Whether the session has expired. Reads the clock only for a session that can expire.
    pub fn is_expired(&self) -> bool {
        self.expiry.is_some_and(|e| Instant::now() >= e.at)
    }
}

impl std::fmt::Debug for SessionValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionValue").field("expires_at", &self.expires_at()).finish_non_exhaustive()
    }
}

impl ConnShared {
    /// The connection's session, unless it has none or it expired.
    pub(crate) fn active_session(&self) -> Option<SessionValue> {
        self.session.lock().clone().filter(|s| !s.is_expired())
    }

    pub(crate) fn session_state(&self) -> SessionState {
        match &*self.session.lock() {
            None => SessionState::None,
            Some(s) if s.is_expired() => SessionState::Expired,
            Some(_) => SessionState::Active,
        }
    }
}

/// The session of the connection a handler serves.
pub struct Session<'a> {
    pub(crate) conn: &'a ConnShared,
}

impl std::fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("value", &*self.conn.session.lock()).finish()
    }
}

impl Session<'_> {
    /// Sets the session: later messages that need authentication are accepted.
    pub fn set<T: Send + Sync + 'static>(&self, value: T) {
        self.set_value(SessionValue::new(value));
    }

    /// Sets a session that expires at `expires_at` (e.g. the `exp` of the token it was made
    /// from). Once that passes, actions that need a session get `session_expired` until the
    /// session is set again: the client renews it on the same socket, e.g. by authenticating
    /// with a fresh token.
    pub fn set_until<T: Send + Sync + 'static>(&self, value: T, expires_at: SystemTime) {
        self.set_value(SessionValue::new(value).until(expires_at));
    }

    /// Sets the session from a [`SessionValue`] (with its expiry, if any).
    pub fn set_value(&self, value: SessionValue) {
        *self.conn.session.lock() = Some(value);
    }

    /// The session, if one is set, it has not expired, and it is a `T`.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.conn.active_session()?.downcast()
    }

    /// Whether a session is set and has not expired.
    pub fn is_set(&self) -> bool {
        self.conn.session_state() == SessionState::Active
    }

    /// When the session expires, if one is set with an expiry.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.conn.session.lock().as_ref()?.expires_at()
    }

    /// Clears the session (logs out): later messages that need authentication are refused.
    pub fn clear(&self) {
        *self.conn.session.lock() = None;
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_session_expires_at_its_time() {
        let forever = SessionValue::new(7u32);
        assert!(!forever.is_expired());
        assert_eq!(forever.expires_at(), None);
        let past = SessionValue::new(7u32).until(SystemTime::now() - Duration::from_secs(1));
        assert!(past.is_expired());
        assert_eq!(past.downcast::<u32>().as_deref(), Some(&7));
        let at = SystemTime::now() + Duration::from_secs(60);
        let later = SessionValue::new(7u32).until(at);
        assert!(!later.is_expired());
        assert_eq!(later.expires_at(), Some(at));
    }
}

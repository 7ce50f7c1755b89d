//! The session of a connection: set by an `authenticate`-style action or the connect-time hook,
//! it authorizes every later message on that socket.

use std::any::Any;
use std::sync::Arc;

use crate::connection::ConnShared;

/// A session value, type-erased so that each application chooses its own session type.
#[derive(Clone)]
pub struct SessionValue(Arc<dyn Any + Send + Sync>);

impl SessionValue {
    /// Wraps an application's session.
    pub fn new<T: Send + Sync + 'static>(value: T) -> Self {
        SessionValue(Arc::new(value))
    }

    /// The session as `T`, if it is one.
    pub fn downcast<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.0.clone().downcast::<T>().ok()
    }
}

impl std::fmt::Debug for SessionValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionValue(..)")
    }
}

/// The session of the connection a handler serves.
pub struct Session<'a> {
    pub(crate) conn: &'a ConnShared,
}

impl Session<'_> {
    /// Sets the session: later messages that need authentication are accepted.
    pub fn set<T: Send + Sync + 'static>(&self, value: T) {
        *self.conn.session.lock() = Some(SessionValue::new(value));
    }

    /// The session, if one is set and it is a `T`.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        self.conn.session.lock().as_ref()?.downcast()
    }

    /// Whether a session is set.
    pub fn is_set(&self) -> bool {
        self.conn.session.lock().is_some()
    }

    /// Clears the session (logs out): later messages that need authentication are refused.
    pub fn clear(&self) {
        *self.conn.session.lock() = None;
    }
}

//! A publication on its way to many subscribers: one encoded frame, shared by their queues, and
//! (with compression) its deflated form, made by the first subscriber's socket that needs it and
//! shared by the others whose connections deflate alike (no context takeover, the server's level
//! and window). A publication to a thousand compressed subscribers is deflated once.

use std::sync::Arc;
#[cfg(feature = "compression")]
use std::sync::OnceLock;

#[cfg(feature = "compression")]
use bytes::Bytes;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// One publication's frame, for every subscriber it is offered to.
pub(crate) struct Publication {
    pub(crate) text: Utf8Bytes,
    /// The deflated payload, for connections without server context takeover at the server's
    /// level and window.
    #[cfg(feature = "compression")]
    pub(crate) deflated: OnceLock<Bytes>,
}

impl Publication {
    pub(crate) fn shared(text: &Utf8Bytes) -> Arc<Self> {
        Arc::new(Self {
            text: text.clone(),
            #[cfg(feature = "compression")]
            deflated: OnceLock::new(),
        })
    }
}

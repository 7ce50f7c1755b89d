//! The entry point of the fuzz target (`runtime/fuzz/`, feature `fuzzing`, not an API): inbound
//! frames through decode and dispatch exactly as the connection task runs them, on a
//! connection that has no socket, so that millions of frames a minute can be tried.

use std::sync::Arc;

use super::dispatch::{Dispatch, dispatch_with, refuse};
use super::shared::ConnShared;
use crate::channel::{Base, Channel};
use crate::connection_id::ConnectionId;
use crate::error::{ChannelError, codes};
use crate::hub::{Hub, Subscriber};
use crate::outbound::{OutFrame, Outbound, OutboundReceiver, QueueLimits};
use crate::server::SlowConsumer;

/// One connection of `channel`, without a socket.
pub struct FuzzConnection<S> {
    channel: Arc<Channel<S>>,
    base: Base<S>,
    rx: OutboundReceiver,
    one_pass: bool,
}

impl<S: Send + Sync + 'static> FuzzConnection<S> {
    /// Opens a connection with `query` as its opening data (`None` when the channel refuses
    /// it). Its queue is large enough for every push a handler of the fuzz channel makes.
    pub fn open(channel: Arc<Channel<S>>, services: Arc<S>, envelope: bool, query: Option<&str>) -> Option<Self> {
        let opening = (channel.opening)(&[], query).ok()?;
        let hub = Hub::default();
        let limits = QueueLimits { frames: 1024, bytes: usize::MAX };
        let memory = hub.outbound_memory().clone();
        let (out, rx) = Outbound::channel(limits, SlowConsumer::DropNewest, channel.metrics.clone(), memory);
        let conn = Arc::new(ConnShared {
            subscriber: Subscriber::new(ConnectionId::generate(), channel.name, out, 64),
            envelope,
            hub,
            session: parking_lot::Mutex::new(None),
            state: parking_lot::Mutex::new(None),
        });
        Some(Self { channel, base: Base { conn, opening, services }, rx, one_pass: true })
    }

    /// This connection without the one-pass path of flat frames: every frame goes the general
    /// way, for a differential check of the two.
    pub fn general_path_only(mut self) -> Self {
        self.one_pass = false;
        self
    }

    /// Handles one text frame as the connection task would and returns the frames it would
    /// write, in order: what the call queued (pushes, progress; a close as `close <code>`),
    /// then its reply or error.
    pub async fn message(&mut self, text: &str) -> Vec<String> {
        let mut written = Vec::new();
        match dispatch_with(&self.channel, &self.base, text, self.one_pass) {
            Dispatch::Reject(rejected) => written.push(rejected.frame),
            Dispatch::Run(call) => {
                let done = call.await;
                while let Some(frame) = self.rx.try_recv() {
                    written.push(match frame {
                        OutFrame::Text(text) => text.to_string(),
                        OutFrame::Publication(publication) => publication.text.to_string(),
                        OutFrame::Close(code, _) => format!("close {code}"),
                    });
                }
                written.extend(done.reply.into_frame(&self.channel.routing_keys));
            }
        }
        written
    }

    /// The `rate_limited` answer the connection task would write instead of running `text`.
    pub fn rate_limited(&self, text: &str) -> Option<String> {
        let error = ChannelError::new(codes::RATE_LIMITED, "too many messages");
        match refuse(&self.channel, self.base.conn.envelope, text, error) {
            Dispatch::Reject(rejected) => Some(rejected.frame),
            Dispatch::Run(_) => None,
        }
    }

    /// Leaves the topics the calls subscribed to, as a closing connection does.
    pub fn close(self) {
        self.base.conn.leave_all_topics();
    }
}

impl<S> std::fmt::Debug for FuzzConnection<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FuzzConnection").field("channel", &self.channel.name).finish_non_exhaustive()
    }
}

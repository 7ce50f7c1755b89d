//! `on_connect` and `on_disconnect`: run inside the channel's middleware with panics caught, as
//! every call is (`guard.rs`); `on_connect`'s output is the connection's first frame.

use tokio::io::{AsyncRead, AsyncWrite};
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::guard::{self, Outcome};
use super::task::Conn;
use crate::channel::{Base, Channel, LifecycleFn};
use crate::codec;
use crate::error_event::ErrorKind;

impl<T: AsyncRead + AsyncWrite + Unpin, S: Send + Sync + 'static> Conn<T, S> {
    /// The connection's start: the close of a connect-time refusal, or `on_connect`, whose output
    /// (or error) is the first frame.
    pub(super) async fn open(&mut self, refused: Option<(u16, String)>) {
        if let Some((code, reason)) = refused {
            self.start_close(code, &reason).await;
            return;
        }
        let Some(on_connect) = self.channel.on_connect else { return };
        match run_lifecycle(&self.channel, &self.base, on_connect, "on_connect").await {
            Ok(out) if out.is_unit() => {}
            Ok(out) => {
                crate::metrics::message_out(&self.channel, crate::metrics::Sent::Connect);
                let frame = if self.base.conn.envelope { codec::connect_event(&out) } else { out.as_json().to_owned() };
                self.feed_text(Utf8Bytes::from(frame)).await;
            }
            Err(e) => {
                self.report(None, ErrorKind::Sent(&e));
                crate::metrics::message_out(&self.channel, crate::metrics::Sent::Error);
                self.feed_text(Utf8Bytes::from(codec::error_frame(None, None, &e))).await;
            }
        }
    }

    /// The connection's end, whatever ended it: what the peer still sends after a failed read is
    /// discarded until its close (`linger`), the connection leaves its topics, and
    /// `on_disconnect` runs.
    pub(super) async fn close_down(&mut self)
    where
        T: Send,
    {
        if let Some(deadline) = self.closing
            && self.unread_input
        {
            super::task::linger(self.ws.io_mut(), deadline).await;
        }
        self.base.conn.leave_all_topics();
        if let Some(on_disconnect) = self.channel.on_disconnect
            && let Err(e) = run_lifecycle(&self.channel, &self.base, on_disconnect, "on_disconnect").await
        {
            self.report(None, ErrorKind::Sent(&e));
        }
    }
}

/// Runs `on_connect` or `on_disconnect` like any call (`guard.rs`). Takes the parts it needs, not
/// the whole connection: the socket is not `Sync`.
async fn run_lifecycle<S: Send + Sync + 'static>(
    channel: &Channel<S>,
    base: &Base<S>,
    f: LifecycleFn<S>,
    what: &'static str,
) -> Outcome {
    let fut = guard::start(what, || Ok(f(base)))?;
    guard::run_caught(guard::within_middleware(channel, base, None, &[&channel.middleware], fut), what).await
}

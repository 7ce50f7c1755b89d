//! Metrics through the [`metrics`](https://docs.rs/metrics) facade: the cargo feature `metrics`
//! (off by default). wirechan only records; the application installs a recorder (e.g.
//! `metrics-exporter-prometheus`) **before it serves**: the handles are resolved once, when the
//! server starts, and stay bound to the recorder found then; every series exists from then on,
//! at zero. Without the feature every function here is an empty `#[inline(always)]` one: the
//! hot path pays nothing.
//!
//! | Metric | Type | Labels | What it counts |
//! |---|---|---|---|
//! | `wirechan_connections_open` | gauge | `channel` | Connections open now (connect-time refusals excluded). |
//! | `wirechan_connections_total` | counter | `channel` | Connections opened since start. |
//! | `wirechan_messages_received_total` | counter | `channel`, `action` | Data frames, by the action they routed to; `_fallback` for the `on_message` fallback, `_unrouted` for frames that reached no action (not JSON, bad id, unknown action or no routing key without a fallback). Rate-limited frames count only as errors. |
//! | `wirechan_messages_sent_total` | counter | `channel`, `kind` | Frames written: `reply` (a call's result), `error` (an error frame), `event` (a push or publication from the outbound queue), `connect` (`on_connect`'s first frame). |
//! | `wirechan_errors_total` | counter | `channel`, `code` | Errors reported to `on_error`: the error code sent, or `transport` when the socket failed. |
//! | `wirechan_handler_duration_seconds` | histogram | `channel`, `action` | A call from its dispatch (input decoding and middleware included) to its result; calls refused before they run are not timed. |
//! | `wirechan_queue_dropped_total` | counter | `channel`, `policy` | Publications a full outbound queue cost a subscriber (`drop_newest`, `drop_oldest`, `close`). |
//! | `wirechan_hub_published_total` | counter | | Publications made on this node. |
//! | `wirechan_hub_received_total` | counter | | Publications received from other nodes (Redis hub). |
//! | `wirechan_hub_delivered_total` | counter | | Publication frames queued to subscribers of this node, from either origin. |
//! | `wirechan_hub_outbox_dropped_total` | counter | | Publications the Redis hub could not send to other nodes (outage buffer full, or in flight when the link broke). |
//!
//! Labels are bounded: `channel` and `action` come from the wiring, never from the client, and
//! `code` from the error codes the application returns. The histogram's unit is seconds; the
//! Prometheus exporter renders histograms as summaries unless it is given buckets
//! (`DURATION_BUCKETS` suits most handlers).
//!
//! Cost when on: per-channel and per-action handles are built once, so a message costs a few
//! atomic increments and no label allocation. Only an error looks its counter up in the
//! recorder, since its code is not known in advance.

#[cfg(not(feature = "metrics"))]
pub(crate) use disabled::*;
#[cfg(feature = "metrics")]
pub use enabled::*;

/// What kind of frame was written ([`message_out`]).
#[derive(Debug, Clone, Copy)]
// Without the feature, `Reply` is only named where it is recorded.
#[cfg_attr(not(feature = "metrics"), allow(dead_code))]
pub(crate) enum Sent {
    /// A call's result.
    Reply,
    /// An error frame.
    Error,
    /// A push or publication from the outbound queue.
    Event,
    /// `on_connect`'s first frame.
    Connect,
}

#[cfg(feature = "metrics")]
mod enabled {
    use std::borrow::Cow;
    use std::sync::{Arc, OnceLock};
    use std::time::Instant;

    use metrics::{Counter, Gauge, Histogram, SharedString, Unit};

    use super::Sent;
    use crate::channel::{Action, Channel};
    use crate::error::codes;
    use crate::error_event::ErrorKind;
    use crate::hub::Delivery;
    use crate::outbound::OutFrame;
    use crate::server::SlowConsumer;

    /// Open connections, by channel (gauge).
    pub const CONNECTIONS_OPEN: &str = "wirechan_connections_open";
    /// Connections opened, by channel (counter).
    pub const CONNECTIONS_TOTAL: &str = "wirechan_connections_total";
    /// Data frames received, by channel and action (counter).
    pub const MESSAGES_RECEIVED: &str = "wirechan_messages_received_total";
    /// Frames written, by channel and kind (counter).
    pub const MESSAGES_SENT: &str = "wirechan_messages_sent_total";
    /// Errors, by channel and code (counter).
    pub const ERRORS: &str = "wirechan_errors_total";
    /// Call duration in seconds, by channel and action (histogram).
    pub const HANDLER_DURATION: &str = "wirechan_handler_duration_seconds";
    /// Publications lost to full outbound queues, by channel and policy (counter).
    pub const QUEUE_DROPPED: &str = "wirechan_queue_dropped_total";
    /// Publications made on this node (counter).
    pub const HUB_PUBLISHED: &str = "wirechan_hub_published_total";
    /// Publications received from other nodes (counter).
    pub const HUB_RECEIVED: &str = "wirechan_hub_received_total";
    /// Publication frames queued to this node's subscribers (counter).
    pub const HUB_DELIVERED: &str = "wirechan_hub_delivered_total";
    /// Publications the Redis hub could not send to other nodes (counter).
    pub const HUB_OUTBOX_DROPPED: &str = "wirechan_hub_outbox_dropped_total";

    /// Histogram buckets (seconds) for [`HANDLER_DURATION`], from 100µs to 10s, e.g. for
    /// `PrometheusBuilder::set_buckets_for_metric`.
    pub const DURATION_BUCKETS: &[f64] =
        &[0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

    /// The label of the `on_message` fallback's messages and calls.
    const FALLBACK: &str = "_fallback";
    /// The label of frames that reached no action.
    const UNROUTED: &str = "_unrouted";
    /// The error code of a failed socket.
    const TRANSPORT: &str = "transport";
    /// The protocol's codes, so that their labels are not allocated per error.
    const KNOWN_CODES: &[&str] = &[
        codes::INVALID_JSON,
        codes::UNKNOWN_ACTION,
        codes::INVALID_INPUT,
        codes::UNAUTHORIZED,
        codes::FORBIDDEN,
        codes::RATE_LIMITED,
        codes::INTERNAL,
        codes::TOO_MANY_TOPICS,
        codes::SESSION_EXPIRED,
    ];

    /// The handles of one channel, shared with its connections' outbound queues.
    #[derive(Clone)]
    pub(crate) struct ChannelMetrics(Arc<ChannelCell>);

    struct ChannelCell {
        name: &'static str,
        handles: OnceLock<ChannelHandles>,
        /// By [`policy_index`]; only the policies in use get a series.
        dropped: [OnceLock<Counter>; 3],
    }

    struct ChannelHandles {
        open: Gauge,
        opened: Counter,
        unrouted: Counter,
        /// By [`Sent`] as an index.
        sent: [Counter; 4],
    }

    impl ChannelMetrics {
        pub(crate) fn new(name: &'static str) -> Self {
            Self(Arc::new(ChannelCell { name, handles: OnceLock::new(), dropped: Default::default() }))
        }

        fn handles(&self) -> &ChannelHandles {
            let channel = self.0.name;
            self.0.handles.get_or_init(|| {
                describe();
                ChannelHandles {
                    open: metrics::gauge!(CONNECTIONS_OPEN, "channel" => channel),
                    opened: metrics::counter!(CONNECTIONS_TOTAL, "channel" => channel),
                    unrouted: metrics::counter!(MESSAGES_RECEIVED, "channel" => channel, "action" => UNROUTED),
                    sent: ["reply", "error", "event", "connect"]
                        .map(|kind| metrics::counter!(MESSAGES_SENT, "channel" => channel, "kind" => kind)),
                }
            })
        }
    }

    /// The handles of one action (or the fallback).
    #[derive(Default)]
    pub(crate) struct ActionMetrics(OnceLock<ActionHandles>);

    struct ActionHandles {
        received: Counter,
        duration: Histogram,
    }

    impl ActionMetrics {
        fn handles<S>(&self, channel: &Channel<S>, action: &Action<S>) -> &ActionHandles {
            self.0.get_or_init(|| {
                let (channel, action) = (channel.name, if action.name.is_empty() { FALLBACK } else { action.name });
                ActionHandles {
                    received: metrics::counter!(MESSAGES_RECEIVED, "channel" => channel, "action" => action),
                    duration: metrics::histogram!(HANDLER_DURATION, "channel" => channel, "action" => action),
                }
            })
        }
    }

    /// Registers the help texts once, with the recorder installed at the first use.
    fn describe() {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            metrics::describe_gauge!(CONNECTIONS_OPEN, Unit::Count, "Connections open now.");
            metrics::describe_counter!(CONNECTIONS_TOTAL, Unit::Count, "Connections opened.");
            metrics::describe_counter!(MESSAGES_RECEIVED, Unit::Count, "Data frames received, by routed action.");
            metrics::describe_counter!(MESSAGES_SENT, Unit::Count, "Frames written, by kind.");
            metrics::describe_counter!(ERRORS, Unit::Count, "Errors sent or transport failures, by code.");
            metrics::describe_histogram!(HANDLER_DURATION, Unit::Seconds, "Call duration, dispatch to result.");
            metrics::describe_counter!(QUEUE_DROPPED, Unit::Count, "Publications lost to a full outbound queue.");
            metrics::describe_counter!(HUB_PUBLISHED, Unit::Count, "Publications made on this node.");
            metrics::describe_counter!(HUB_RECEIVED, Unit::Count, "Publications received from other nodes.");
            metrics::describe_counter!(HUB_DELIVERED, Unit::Count, "Publication frames queued to local subscribers.");
            metrics::describe_counter!(HUB_OUTBOX_DROPPED, Unit::Count, "Publications not sent to other nodes.");
        });
    }

    /// Keeps a connection counted in [`CONNECTIONS_OPEN`] until it is dropped, however the
    /// connection task ends.
    pub(crate) struct OpenConnection(Option<Gauge>);

    impl Drop for OpenConnection {
        fn drop(&mut self) {
            if let Some(open) = &self.0 {
                open.decrement(1.0);
            }
        }
    }

    /// The server starts serving `channel`: its series exist from then on, at zero, so that
    /// dashboards and `rate()` see them before the first connection.
    pub(crate) fn channel_served<S>(channel: &Channel<S>) {
        channel.metrics.handles();
        for action in channel.actions.iter().chain(&channel.fallback) {
            action.metrics.handles(channel, action);
        }
        hub();
    }

    /// A connection task starts; `accepted` is false for a connect-time refusal, not counted.
    pub(crate) fn connection_opened<S>(channel: &Channel<S>, accepted: bool) -> OpenConnection {
        if !accepted {
            return OpenConnection(None);
        }
        let handles = channel.metrics.handles();
        handles.opened.increment(1);
        handles.open.increment(1.0);
        OpenConnection(Some(handles.open.clone()))
    }

    /// A frame routed to `action` (or the fallback).
    pub(crate) fn message_in<S>(channel: &Channel<S>, action: &Action<S>) {
        action.metrics.handles(channel, action).received.increment(1);
    }

    /// A frame that reached no action.
    pub(crate) fn message_unrouted<S>(channel: &Channel<S>) {
        channel.metrics.handles().unrouted.increment(1);
    }

    /// A frame of `kind` was written.
    pub(crate) fn message_out<S>(channel: &Channel<S>, kind: Sent) {
        channel.metrics.handles().sent[kind as usize].increment(1);
    }

    /// A call finished: its reply or error frame, if it has one, was `written` unless the
    /// connection was closing.
    pub(crate) fn call_answered<S>(channel: &Channel<S>, written: bool, failed: bool) {
        if written {
            message_out(channel, if failed { Sent::Error } else { Sent::Reply });
        }
    }

    /// A frame from the outbound queue; a text frame is written unless the connection is closing.
    pub(crate) fn queued_out<S>(channel: &Channel<S>, frame: &OutFrame, open: bool) {
        if open && matches!(frame, OutFrame::Text(_) | OutFrame::Publication(_)) {
            message_out(channel, Sent::Event);
        }
    }

    /// An error went to `on_error`.
    pub(crate) fn error_reported<S>(channel: &Channel<S>, kind: &ErrorKind<'_>) {
        let code: SharedString = match kind {
            ErrorKind::Sent(e) => match KNOWN_CODES.iter().find(|c| **c == e.code()) {
                Some(known) => (*known).into(),
                None => Cow::<'static, str>::Owned(e.code().to_owned()).into(),
            },
            ErrorKind::Transport(_) => TRANSPORT.into(),
        };
        metrics::counter!(ERRORS, "channel" => channel.name, "code" => code).increment(1);
    }

    /// Times one call; [`CallTimer::stop`] records it, dropping it records nothing.
    pub(crate) struct CallTimer {
        duration: Histogram,
        started: Instant,
    }

    impl CallTimer {
        /// The call finished (or panicked).
        pub(crate) fn stop(self) {
            self.duration.record(self.started.elapsed());
        }
    }

    /// A call to `action` starts.
    pub(crate) fn call_timer<S>(channel: &Channel<S>, action: &Action<S>) -> CallTimer {
        CallTimer { duration: action.metrics.handles(channel, action).duration.clone(), started: Instant::now() }
    }

    const fn policy_index(policy: SlowConsumer) -> (usize, &'static str) {
        match policy {
            SlowConsumer::DropNewest => (0, "drop_newest"),
            SlowConsumer::DropOldest => (1, "drop_oldest"),
            SlowConsumer::Close => (2, "close"),
        }
    }

    /// A full queue of `channel` lost one publication under `policy`.
    pub(crate) fn queue_drop(channel: &ChannelMetrics, policy: SlowConsumer) {
        let (i, label) = policy_index(policy);
        let cell = &channel.0;
        cell.dropped[i]
            .get_or_init(|| metrics::counter!(QUEUE_DROPPED, "channel" => cell.name, "policy" => label))
            .increment(1);
    }

    struct HubHandles {
        published: Counter,
        received: Counter,
        delivered: Counter,
        outbox_dropped: Counter,
    }

    fn hub() -> &'static HubHandles {
        static HUB: OnceLock<HubHandles> = OnceLock::new();
        HUB.get_or_init(|| {
            describe();
            HubHandles {
                published: metrics::counter!(HUB_PUBLISHED),
                received: metrics::counter!(HUB_RECEIVED),
                delivered: metrics::counter!(HUB_DELIVERED),
                outbox_dropped: metrics::counter!(HUB_OUTBOX_DROPPED),
            }
        })
    }

    /// A publication made on this node reached `delivery`.
    pub(crate) fn hub_published(delivery: &Delivery) {
        let hub = hub();
        hub.published.increment(1);
        hub.delivered.increment(delivery.delivered as u64);
    }

    /// A publication of this node, with its position from the broker, reached `delivery`.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn hub_delivered(delivery: &Delivery) {
        hub().delivered.increment(delivery.delivered as u64);
    }

    /// A publication from another node reached `delivery`.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn hub_received(delivery: &Delivery) {
        let hub = hub();
        hub.received.increment(1);
        hub.delivered.increment(delivery.delivered as u64);
    }

    /// The Redis hub lost `n` publications on their way to other nodes.
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn hub_outbox_dropped(n: u64) {
        if n > 0 {
            hub().outbox_dropped.increment(n);
        }
    }
}

/// The same functions, empty: nothing is recorded and nothing is stored.
#[cfg(not(feature = "metrics"))]
mod disabled {
    use super::Sent;
    use crate::channel::{Action, Channel};
    use crate::error_event::ErrorKind;
    use crate::hub::Delivery;
    use crate::outbound::OutFrame;
    use crate::server::SlowConsumer;

    #[derive(Clone)]
    pub(crate) struct ChannelMetrics;

    impl ChannelMetrics {
        #[inline(always)]
        pub(crate) fn new(_: &'static str) -> Self {
            Self
        }
    }

    #[derive(Default)]
    pub(crate) struct ActionMetrics;

    pub(crate) struct OpenConnection;

    pub(crate) struct CallTimer;

    impl CallTimer {
        #[inline(always)]
        pub(crate) fn stop(self) {}
    }

    #[inline(always)]
    pub(crate) fn channel_served<S>(_: &Channel<S>) {}

    #[inline(always)]
    pub(crate) fn connection_opened<S>(_: &Channel<S>, _: bool) -> OpenConnection {
        OpenConnection
    }

    #[inline(always)]
    pub(crate) fn message_in<S>(_: &Channel<S>, _: &Action<S>) {}

    #[inline(always)]
    pub(crate) fn message_unrouted<S>(_: &Channel<S>) {}

    #[inline(always)]
    pub(crate) fn message_out<S>(_: &Channel<S>, _: Sent) {}

    #[inline(always)]
    pub(crate) fn call_answered<S>(_: &Channel<S>, _: bool, _: bool) {}

    #[inline(always)]
    pub(crate) fn queued_out<S>(_: &Channel<S>, _: &OutFrame, _: bool) {}

    #[inline(always)]
    pub(crate) fn error_reported<S>(_: &Channel<S>, _: &ErrorKind<'_>) {}

    #[inline(always)]
    pub(crate) fn call_timer<S>(_: &Channel<S>, _: &Action<S>) -> CallTimer {
        CallTimer
    }

    #[inline(always)]
    pub(crate) fn queue_drop(_: &ChannelMetrics, _: SlowConsumer) {}

    #[inline(always)]
    pub(crate) fn hub_published(_: &Delivery) {}

    #[inline(always)]
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn hub_received(_: &Delivery) {}

    #[inline(always)]
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn hub_delivered(_: &Delivery) {}

    #[inline(always)]
    #[cfg_attr(not(feature = "redis"), allow(dead_code))]
    pub(crate) fn hub_outbox_dropped(_: u64) {}
}

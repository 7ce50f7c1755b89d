//! The event hub: topics that connections subscribe to, and publications fanned out to them.
//! Topics declared with history keep their last publications and number them (`history.rs`,
//! with Redis `redis/history.rs` and this node's copy, `mirror.rs`).
//!
//! The in-memory hub serves one process. A broker (`broker.rs`; Redis with the `redis` feature,
//! [`Hub::redis`]) links it to the hubs of other processes so that they share topics: a
//! publication is delivered locally at once and sent once to the broker, which forwards it to the
//! other nodes that have subscribers for the topic.

mod broker;
mod error;
mod health;
mod history;
mod interest;
mod local;
#[cfg(feature = "redis")]
mod mirror;
#[cfg(feature = "redis")]
mod redis;
mod subscriber;

use std::future::Future;
use std::sync::Arc;

use serde::Serialize;

pub use error::HubError;
pub use health::HubHealth;
#[cfg(feature = "redis")]
pub use health::RedisHealth;
pub use history::{History, Position};
pub(crate) use history::{Replay, Resume};
pub use local::Delivery;
pub(crate) use local::LocalHub;
#[cfg(feature = "redis")]
pub use redis::RedisHubConfig;
pub use subscriber::HubHandle;
pub(crate) use subscriber::Subscriber;

use self::broker::Broker;
use crate::codec::{self, Encoded};
use crate::connection_id::ConnectionId;
use crate::error::ChannelError;
use crate::outbound::OutboundMemory;
use crate::topic::Topic;

/// A publication on its way: resolves with its [`Delivery`] once the frame is queued for this
/// node's subscribers (and handed to the broker).
pub type Publishing<'h> = std::pin::Pin<Box<dyn Future<Output = Result<Delivery, ChannelError>> + Send + 'h>>;

/// The broker settings `WIRECHAN_HUB` names.
#[cfg(feature = "redis")]
type BrokerConfig = RedisHubConfig;
/// Without a broker feature, `WIRECHAN_HUB` can only name the in-memory hub.
#[cfg(not(feature = "redis"))]
type BrokerConfig = std::convert::Infallible;

/// Environment variable that selects the hub ([`Hub::from_env`]).
const HUB_ENV: &str = "WIRECHAN_HUB";
/// Environment variable that sets the Redis hub's outage buffer, in publications.
const HUB_OUTAGE_BUFFER_ENV: &str = "WIRECHAN_HUB_OUTAGE_BUFFER";

/// The application's event hub. Cloning is cheap; reach it from handlers with `ctx.hub()`, or
/// from elsewhere (a background task) with [`crate::App::hub`].
///
/// In memory by default (one process). `Hub::redis` (feature `redis`) shares topics between
/// processes through Redis; the channel-function API is the same.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), wirechan::ChannelError> {
/// use wirechan::{App, Hub};
///
/// let hub = Hub::memory();
/// let app = App::new(()).with_hub(hub.clone());
/// // From a background task: every subscriber of `prices` on this process gets the frame
/// // `{"topic":"prices","data":{"eur":1.08}}`, encoded once for all of them.
/// let delivery = hub.publish_untyped("prices", None, &serde_json::json!({ "eur": 1.08 })).await?;
/// assert_eq!((delivery.delivered, delivery.dropped), (0, 0));
/// assert_eq!(app.hub().subscriber_count("prices"), 0);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Hub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hub").field("health", &self.health()).finish_non_exhaustive()
    }
}

struct Inner {
    local: Arc<LocalHub>,
    broker: Option<Box<dyn Broker>>,
    /// The frames built for connections and not yet written (`outbound_memory.rs`).
    memory: Arc<OutboundMemory>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::memory()
    }
}

impl Hub {
    /// The in-memory hub: publications reach the subscribers of this process.
    pub fn memory() -> Self {
        let inner = Inner { local: Arc::new(LocalHub::new(None)), broker: None, memory: Arc::default() };
        Self { inner: Arc::new(inner) }
    }

    /// A hub shared through the Redis server at `url` (`redis://host:port[/db]`), with default
    /// settings. Must be called inside a Tokio runtime: it starts a background task that
    /// connects (and keeps reconnecting) to Redis; it does not wait for the first connection.
    #[cfg(feature = "redis")]
    pub fn redis(url: &str) -> Result<Self, HubError> {
        Self::redis_with(RedisHubConfig::new(url))
    }

    /// A hub shared through Redis, with the given settings.
    #[cfg(feature = "redis")]
    pub fn redis_with(config: RedisHubConfig) -> Result<Self, HubError> {
        let interest = Arc::new(interest::InterestLog::default());
        let local = Arc::new(LocalHub::new(Some(interest.clone())));
        let memory = Arc::<OutboundMemory>::default();
        let broker = redis::RedisBroker::start(config, local.clone(), interest, memory.clone())?;
        Ok(Self { inner: Arc::new(Inner { local, broker: Some(Box::new(broker)), memory }) })
    }

    /// The hub that `WIRECHAN_HUB` names: unset, empty or `memory` is the in-memory hub; a
    /// `redis://` URL is the Redis hub, whose outage buffer `WIRECHAN_HUB_OUTAGE_BUFFER` sets
    /// (publications, default 1024).
    /// Without the `redis` feature, a `redis://` URL is an error that names the feature.
    pub fn from_env() -> Result<Self, HubError> {
        let spec = std::env::var(HUB_ENV).unwrap_or_default();
        let buffer = std::env::var(HUB_OUTAGE_BUFFER_ENV).ok();
        match Self::config_from(&spec, buffer.as_deref())? {
            None => {
                tracing::info!("event hub: in memory");
                Ok(Self::memory())
            }
            #[cfg(feature = "redis")]
            Some(config) => {
                // The URL may hold a password: it is not logged.
                tracing::info!(outage_buffer = config.outage_buffer, "event hub: Redis");
                Self::redis_with(config)
            }
        }
    }

    /// The Redis settings that `WIRECHAN_HUB`/`WIRECHAN_HUB_OUTAGE_BUFFER` describe, `None` for
    /// the in-memory hub.
    fn config_from(spec: &str, outage_buffer: Option<&str>) -> Result<Option<BrokerConfig>, HubError> {
        let spec = spec.trim();
        if spec.is_empty() || spec.eq_ignore_ascii_case("memory") {
            return Ok(None);
        }
        let scheme = spec.split_once("://").map(|(scheme, _)| scheme.to_ascii_lowercase());
        if !matches!(scheme.as_deref(), Some("redis" | "rediss" | "redis+unix" | "unix")) {
            return Err(HubError::UnsupportedHub(spec.to_owned()));
        }
        Self::redis_config(spec, outage_buffer)
    }

    #[cfg(not(feature = "redis"))]
    fn redis_config(spec: &str, _: Option<&str>) -> Result<Option<BrokerConfig>, HubError> {
        let url = spec.split_once('@').map_or_else(|| spec.to_owned(), |(_, host)| format!("redis://***@{host}"));
        Err(HubError::FeatureDisabled { url, feature: "redis" })
    }

    #[cfg(feature = "redis")]
    fn redis_config(spec: &str, outage_buffer: Option<&str>) -> Result<Option<BrokerConfig>, HubError> {
        let mut config = RedisHubConfig::new(spec);
        if let Some(buffer) = outage_buffer {
            let buffer = buffer.trim().parse::<usize>().map_err(|e| HubError::InvalidSetting {
                name: HUB_OUTAGE_BUFFER_ENV,
                reason: format!("`{buffer}` is not a number of publications: {e}"),
            })?;
            config = config.outage_buffer(buffer);
        }
        Ok(Some(config))
    }

    pub(crate) fn local(&self) -> &LocalHub {
        &self.inner.local
    }

    /// The server's outbound memory: every frame built for connections is counted there.
    pub(crate) fn outbound_memory(&self) -> &Arc<OutboundMemory> {
        &self.inner.memory
    }

    /// The implicit topic every connection of a channel is in; `broadcast` publishes to it.
    pub(crate) fn channel_topic(&self, channel: &str) -> Arc<str> {
        format!("channel:{channel}").into()
    }

    /// Publishes `payload` to every subscriber of `topic` except `exclude`, on every node. The
    /// frame `{"topic":...,"data":...}` is encoded once and shared by all local recipients;
    /// with Redis it is also sent once to the broker, and each other node fans it out to its
    /// own subscribers. The [`Delivery`] counts this node's subscribers only.
    ///
    /// The topic is one its channel declares ([`Topic`]) and `payload` is of its payload type:
    /// both are checked at compile time, so every client is typed for what it receives.
    ///
    /// A topic declared with `history` keeps the publication and gives it its position
    /// ([`Position`]), which its frame carries. With Redis, Redis gives the position, and every
    /// node delivers the publication, this one included, when Redis passes it on: the returned
    /// [`Delivery`] then counts nothing.
    ///
    /// With Redis this waits only when publications are being queued faster than Redis takes
    /// them; while Redis is unreachable it never waits (see [`RedisHubConfig::outage_buffer`]).
    ///
    /// A publication of another type than the topic's payload is a type error at the payload
    /// (`expected &RoomEvent, found ..`); a type that no channel lists in its `topics` is not a
    /// [`Topic`].
    pub fn publish<'h, T: Topic>(
        &'h self,
        topic: &T,
        exclude: Option<&'h ConnectionId>,
        payload: &T::Payload,
    ) -> Publishing<'h> {
        // Named and encoded here, so that the future holds neither the topic nor the payload: a
        // future generic over them would report a wrong topic type three times.
        let name = topic.name();
        let payload = Encoded::new(payload);
        Box::pin(async move {
            let payload = payload?;
            Ok(match T::HISTORY {
                Some(history) => self.publish_recorded(&name, history, exclude, &payload).await,
                None => self.publish_encoded(&name, exclude, &payload).await,
            })
        })
    }

    /// Publishes to a topic named by a string, with any payload: the escape hatch for topics no
    /// channel declares. Clients get such publications untyped (`unknown` in TypeScript); prefer
    /// [`Hub::publish`].
    pub async fn publish_untyped<P: Serialize + ?Sized>(
        &self,
        topic: &str,
        exclude: Option<&ConnectionId>,
        payload: &P,
    ) -> Result<Delivery, ChannelError> {
        let payload = Encoded::new(payload)?;
        Ok(self.publish_encoded(topic, exclude, &payload).await)
    }

    pub(crate) async fn publish_encoded(
        &self,
        topic: &str,
        exclude: Option<&ConnectionId>,
        payload: &Encoded,
    ) -> Delivery {
        let frame = self.inner.memory.frame(codec::publication(topic, payload));
        let report = self.inner.local.fan_out(topic, exclude, &frame);
        crate::metrics::hub_published(&report);
        tracing::trace!(topic, delivered = report.delivered, dropped = report.dropped, "published");
        if let Some(broker) = &self.inner.broker {
            broker.publish(topic, exclude, frame.as_str()).await;
        }
        report
    }

    /// A publication to a topic with history: it gets the topic's next position, and is kept.
    /// In memory, recorded and delivered here. With a broker, Redis gives the position and every
    /// node, this one included, delivers it when Redis passes it on.
    async fn publish_recorded(
        &self,
        topic: &str,
        history: History,
        exclude: Option<&ConnectionId>,
        payload: &Encoded,
    ) -> Delivery {
        if let Some(broker) = &self.inner.broker {
            broker.publish_recorded(topic, history, exclude, &codec::publication(topic, payload)).await;
            // Delivered here too once Redis gives it its position (`hub_delivered`).
            crate::metrics::hub_published(&Delivery::default());
            return Delivery::default();
        }
        let frame = |offset: u64, epoch: &str| codec::with_position(codec::publication(topic, payload), offset, epoch);
        let report =
            self.inner.local.publish_recorded(topic, history, exclude, frame, |text| self.inner.memory.frame(text));
        crate::metrics::hub_published(&report);
        tracing::trace!(topic, delivered = report.delivered, dropped = report.dropped, "published with history");
        report
    }

    /// Joins a connection to a topic with history and queues what `resume` recovers
    /// ([`HubHandle`]'s `subscribe_recovering`).
    pub(crate) async fn subscribe_recovering(
        &self,
        topic: &Arc<str>,
        history: History,
        resume: &Resume,
        id: &ConnectionId,
        out: &crate::outbound::Outbound,
    ) -> Result<Replay, ChannelError> {
        if let Some(broker) = &self.inner.broker {
            return broker.subscribe_recovering(topic, history, resume, id, out).await;
        }
        Ok(self.inner.local.subscribe_recovering(topic, history, resume, id, out))
    }

    /// How many connections of this process are subscribed to `topic` (a [`Topic::name`]).
    pub fn subscriber_count(&self, topic: &str) -> usize {
        self.inner.local.subscriber_count(topic)
    }

    /// The hub's state, as the health check reports it.
    pub fn health(&self) -> HubHealth {
        match &self.inner.broker {
            None => HubHealth::Memory,
            Some(broker) => broker.health(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(feature = "redis")]
    #[test]
    fn the_environment_selects_memory_or_redis() {
        for spec in ["", "  ", "memory", "MEMORY"] {
            assert!(Hub::config_from(spec, None).unwrap().is_none(), "{spec:?}");
        }
        let config = Hub::config_from("redis://127.0.0.1:6379/2", Some(" 16 ")).unwrap().unwrap();
        assert_eq!(config.url, "redis://127.0.0.1:6379/2");
        assert_eq!(config.outage_buffer, 16);
        assert_eq!(Hub::config_from("redis://h:1", None).unwrap().unwrap().outage_buffer, 1024);
    }

    #[test]
    fn a_wrong_hub_setting_is_a_clear_error() {
        let e = Hub::config_from("nats://127.0.0.1:4222", None).unwrap_err();
        assert!(matches!(e, HubError::UnsupportedHub(_)), "{e}");
        assert!(e.to_string().contains("use `memory` or a `redis://"), "{e}");
    }

    #[cfg(not(feature = "redis"))]
    #[test]
    fn without_the_feature_a_redis_url_names_it() {
        for spec in ["", "memory"] {
            assert!(Hub::config_from(spec, None).unwrap().is_none(), "{spec:?}");
        }
        let e = Hub::config_from("redis://user:secret@h:1", None).unwrap_err();
        assert_eq!(e.to_string(), "`redis://***@h:1` needs wirechan's `redis` feature");
    }

    #[cfg(feature = "redis")]
    #[test]
    fn a_wrong_redis_setting_is_a_clear_error() {
        let e = Hub::config_from("redis://h:1", Some("lots")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid `WIRECHAN_HUB_OUTAGE_BUFFER`: `lots` is not a number of publications: invalid digit found in string"
        );
        let e = Hub::redis("redis://[bad").expect_err("an invalid URL");
        assert!(matches!(e, HubError::InvalidUrl { .. }), "{e}");
    }

    #[cfg(feature = "redis")]
    #[test]
    fn the_redis_hub_needs_a_runtime() {
        assert!(matches!(Hub::redis("redis://127.0.0.1:6379"), Err(HubError::NoRuntime)));
    }

    #[cfg(feature = "redis")]
    #[test]
    fn health_serializes_as_the_health_check_documents() {
        assert_eq!(serde_json::to_value(HubHealth::Memory).unwrap(), serde_json::json!({ "broker": "memory" }));
        let health = HubHealth::Redis(RedisHealth { connected: false, subscriptions: 0, buffered: 3, dropped: 2 });
        assert!(health.is_degraded());
        assert_eq!(
            serde_json::to_value(&health).unwrap(),
            serde_json::json!({ "broker": "redis", "connected": false, "subscriptions": 0, "buffered": 3, "dropped": 2 })
        );
    }
}

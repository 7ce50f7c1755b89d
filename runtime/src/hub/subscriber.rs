//! One connection as the hub sees it ([`Subscriber`]: its id, channel, queue and topics), and
//! the handle its functions use ([`HubHandle`]). The connection owns its `Subscriber`; the hub
//! knows nothing else of connections, so that the hub does not depend on the connection task.

use std::collections::HashSet;
use std::sync::Arc;

use parking_lot::Mutex;
use serde::Serialize;

use super::{Delivery, Hub};
use crate::connection_id::ConnectionId;
use crate::error::{ChannelError, codes};
use crate::outbound::Outbound;
use crate::topic::Topic;

/// A connection's membership in the hub.
pub(crate) struct Subscriber {
    pub(crate) id: ConnectionId,
    /// Its channel, whose implicit topic (`channel:<name>`) it is always in.
    pub(crate) channel: &'static str,
    /// Where its publications are offered.
    pub(crate) out: Outbound,
    /// The topics it subscribed to besides the channel's implicit one: a set, so that each
    /// subscription costs the same however many are held.
    topics: Mutex<HashSet<Arc<str>>>,
    /// How many `topics` may hold ([`crate::ServerConfig::max_topics_per_connection`]).
    max_topics: usize,
}

impl Subscriber {
    pub(crate) fn new(id: ConnectionId, channel: &'static str, out: Outbound, max_topics: usize) -> Self {
        Self { id, channel, out, topics: Mutex::default(), max_topics }
    }

    /// Joins the channel's implicit topic; done once, when the connection opens.
    pub(crate) fn join_channel(&self, hub: &Hub) {
        hub.local().subscribe(&hub.channel_topic(self.channel), &self.id, &self.out);
    }

    /// Leaves every topic; done once when the connection ends, whatever the reason.
    pub(crate) fn leave_all(&self, hub: &Hub) {
        let topics = std::mem::take(&mut *self.topics.lock());
        for topic in topics {
            hub.local().unsubscribe(&topic, &self.id);
        }
        hub.local().unsubscribe(&hub.channel_topic(self.channel), &self.id);
    }

    fn is_channel_topic(&self, topic: &str) -> bool {
        topic.strip_prefix("channel:") == Some(self.channel)
    }
}

/// The hub as seen by one connection: its subscriptions and its publications.
pub struct HubHandle<'a> {
    pub(crate) hub: &'a Hub,
    pub(crate) subscriber: &'a Subscriber,
}

impl std::fmt::Debug for HubHandle<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubHandle").field("connection_id", &self.subscriber.id).finish_non_exhaustive()
    }
}

impl<'a> HubHandle<'a> {
    /// Subscribes this connection to a topic of its channel (nothing changes if it is subscribed
    /// already); it is left automatically when the connection ends. Fails with `too_many_topics`
    /// when the connection holds [`crate::ServerConfig::max_topics_per_connection`] topics already.
    pub fn subscribe<T: Topic>(&self, topic: &T) -> Result<(), ChannelError> {
        self.subscribe_untyped(&topic.name())
    }

    /// Unsubscribes this connection from a topic.
    pub fn unsubscribe<T: Topic>(&self, topic: &T) {
        self.unsubscribe_untyped(&topic.name());
    }

    /// [`HubHandle::subscribe`] to a topic named by a string, which no channel declares: its
    /// publications reach the client untyped.
    pub fn subscribe_untyped(&self, topic: &str) -> Result<(), ChannelError> {
        if self.subscriber.is_channel_topic(topic) {
            // Every connection is in its channel's implicit topic already.
            return Ok(());
        }
        let mut topics = self.subscriber.topics.lock();
        if topics.contains(topic) {
            return Ok(());
        }
        let topic = self.room_for(&topics, topic)?;
        self.hub.local().subscribe(&topic, &self.subscriber.id, &self.subscriber.out);
        topics.insert(topic);
        Ok(())
    }

    /// Subscribes to a topic with history, recovering what `resume` asks for: the replayed
    /// publications are queued, and the start position returned (docs/PROTOCOL.md, "Topics with
    /// history"). A topic held already is replayed again, which is how a client fills a gap.
    pub(crate) async fn subscribe_recovering(
        &self,
        topic: &str,
        history: super::History,
        resume: &super::Resume,
    ) -> Result<super::Replay, ChannelError> {
        let me = self.subscriber;
        // The topic is taken before the replay and given back if the replay fails, so that a
        // subscription racing this one is not lost.
        let (topic, taken) = {
            let mut topics = me.topics.lock();
            match topics.get(topic) {
                Some(held) => (held.clone(), false),
                None => {
                    let topic = self.room_for(&topics, topic)?;
                    topics.insert(topic.clone());
                    (topic, true)
                }
            }
        };
        let replay = self.hub.subscribe_recovering(&topic, history, resume, &me.id, &me.out).await;
        if replay.is_err() && taken {
            me.topics.lock().remove(&topic);
        }
        replay
    }

    /// `topic` as a new entry of `topics`, or `too_many_topics` when they are at the limit.
    fn room_for(&self, topics: &HashSet<Arc<str>>, topic: &str) -> Result<Arc<str>, ChannelError> {
        let limit = self.subscriber.max_topics;
        if topics.len() >= limit {
            return Err(ChannelError::new(
                codes::TOO_MANY_TOPICS,
                format!("this connection holds {limit} topics, its limit: leave one first"),
            )
            .with_details(serde_json::json!({ "limit": limit })));
        }
        Ok(topic.into())
    }

    /// Unsubscribes this connection from a topic named by a string. The channel's implicit topic
    /// (`channel:<name>`, which `broadcast` uses) cannot be left.
    pub fn unsubscribe_untyped(&self, topic: &str) {
        let me = self.subscriber;
        // Held while the hub changes, so that a subscription racing this one is not lost.
        let mut topics = me.topics.lock();
        if topics.remove(topic) {
            self.hub.local().unsubscribe(topic, &me.id);
        }
    }

    /// The names of the topics this connection is subscribed to, sorted.
    pub fn topics(&self) -> Vec<String> {
        let mut topics: Vec<String> = self.subscriber.topics.lock().iter().map(ToString::to_string).collect();
        topics.sort_unstable();
        topics
    }

    /// Publishes to every subscriber of `topic` except `exclude` ([`Hub::publish`]).
    pub fn publish<T: Topic>(
        &self,
        topic: &T,
        exclude: Option<&'a ConnectionId>,
        payload: &T::Payload,
    ) -> super::Publishing<'a> {
        self.hub.publish(topic, exclude, payload)
    }

    /// Publishes to a topic named by a string ([`Hub::publish_untyped`]).
    pub async fn publish_untyped<P: Serialize + ?Sized>(
        &self,
        topic: &str,
        exclude: Option<&ConnectionId>,
        payload: &P,
    ) -> Result<Delivery, ChannelError> {
        self.hub.publish_untyped(topic, exclude, payload).await
    }

    /// Sends `payload` to every connection of this channel except `exclude`, as a publication
    /// on the channel's implicit topic `channel:<name>`.
    pub async fn broadcast<T: Serialize + ?Sized>(
        &self,
        exclude: Option<&ConnectionId>,
        payload: &T,
    ) -> Result<Delivery, ChannelError> {
        let topic = self.hub.channel_topic(self.subscriber.channel);
        self.hub.publish_untyped(&topic, exclude, payload).await
    }
}

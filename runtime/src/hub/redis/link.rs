//! The link task: connect, re-subscribe every topic with local subscribers, then at the same
//! time receive publications, follow local interest, forward queued publications and ping; on
//! any failure mark the hub degraded and reconnect with exponential backoff and jitter.

use std::collections::HashSet;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use backon::BackoffBuilder;
use futures_util::StreamExt;
use redis::aio::{MultiplexedConnection, PubSubSink, PubSubStream};
use tokio_util::sync::CancellationToken;

use super::{BrokerShared, history};

/// Publications sent to Redis in one pipeline.
const MAX_BATCH: usize = 256;
/// Topics per SUBSCRIBE/UNSUBSCRIBE command.
const MAX_TOPICS_PER_COMMAND: usize = 512;

#[derive(Debug, thiserror::Error)]
enum LinkError {
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    #[error("Redis did not answer {0} in time")]
    Timeout(&'static str),
    #[error("Redis closed the pub/sub connection")]
    Closed,
}

struct Link {
    sink: PubSubSink,
    stream: PubSubStream,
    conn: MultiplexedConnection,
    subscribed: HashSet<Arc<str>>,
}

pub(super) async fn run(shared: Arc<BrokerShared>, stop: CancellationToken) {
    let backoff = || {
        backon::ExponentialBuilder::default()
            .with_min_delay(shared.config.reconnect_min)
            .with_max_delay(shared.config.reconnect_max)
            .with_jitter()
            .without_max_times()
            .build()
    };
    let mut delays = backoff();
    let mut failures = 0u32;
    let mut ever_connected = false;
    loop {
        let attempt = tokio::select! {
            _ = stop.cancelled() => return,
            attempt = connect(&shared) => attempt,
        };
        match attempt {
            Ok(link) => {
                let topics = link.subscribed.len();
                if ever_connected {
                    tracing::info!(topics, "reconnected to Redis and re-subscribed every topic with local subscribers");
                } else {
                    tracing::info!(topics, "connected to Redis");
                }
                ever_connected = true;
                failures = 0;
                delays = backoff();
                let reason = tokio::select! {
                    _ = stop.cancelled() => return,
                    reason = serve(&shared, link) => reason,
                };
                shared.outbox.set_connected(false);
                shared.subscriptions.store(0, Ordering::Relaxed);
                shared.set_confirmed(HashSet::clear);
                *shared.conn.lock() = None;
                tracing::warn!(error = %reason, "lost the Redis connection: serving local subscribers only until it is back");
            }
            Err(e) => {
                failures += 1;
                // The first failure says it loudly; the retries that follow are routine.
                if failures == 1 {
                    tracing::warn!(error = %e, "cannot reach Redis; retrying with backoff");
                } else {
                    tracing::debug!(error = %e, failures, "Redis still unreachable");
                }
            }
        }
        let delay = delays.next().unwrap_or(shared.config.reconnect_max);
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(delay) => {}
        }
    }
}

async fn within<T>(
    shared: &BrokerShared,
    what: &'static str,
    fut: impl Future<Output = redis::RedisResult<T>>,
) -> Result<T, LinkError> {
    match tokio::time::timeout(shared.config.response_timeout, fut).await {
        Ok(result) => Ok(result?),
        Err(_) => Err(LinkError::Timeout(what)),
    }
}

async fn connect(shared: &BrokerShared) -> Result<Link, LinkError> {
    let pubsub = within(shared, "the pub/sub connection", shared.client.get_async_pubsub()).await?;
    let config = redis::AsyncConnectionConfig::new()
        .set_connection_timeout(Some(shared.config.response_timeout))
        .set_response_timeout(Some(shared.config.response_timeout));
    let mut conn = shared.client.get_multiplexed_async_connection_with_config(&config).await?;
    let sha: String =
        within(shared, "SCRIPT LOAD", redis::cmd("SCRIPT").arg("LOAD").arg(history::PUBLISH).query_async(&mut conn))
            .await?;
    *shared.publish_script.lock() = Some(sha);
    let (mut sink, stream) = pubsub.split();
    // Taken before the snapshot: a change after it is marked again and followed once connected.
    shared.interest.take();
    let topics = shared.local.topics();
    for chunk in topics.chunks(MAX_TOPICS_PER_COMMAND) {
        let names: Vec<String> = chunk.iter().map(|t| shared.channel_name(t)).collect();
        within(shared, "SUBSCRIBE", sink.subscribe(names)).await?;
    }
    shared.subscriptions.store(topics.len(), Ordering::Relaxed);
    // Followed from here on: what the mirrors missed while the link was down is read before the
    // pub/sub stream is, so it reaches subscribers first, and what both carry once.
    shared.catch_up(&mut conn).await;
    *shared.conn.lock() = Some(conn.clone());
    shared.set_confirmed(|confirmed| confirmed.extend(topics.iter().cloned()));
    shared.outbox.set_connected(true);
    Ok(Link { sink, stream, conn, subscribed: topics.into_iter().collect() })
}

/// Runs the link until something fails; returns why.
async fn serve(shared: &BrokerShared, link: Link) -> LinkError {
    let Link { sink, mut stream, conn, mut subscribed } = link;
    tokio::select! {
        e = receive(shared, &mut stream, conn.clone()) => e,
        e = follow_interest(shared, sink.clone(), &mut subscribed) => e,
        e = forward(shared, conn.clone()) => e,
        e = keepalive(shared, sink, conn) => e,
    }
}

async fn receive(shared: &BrokerShared, stream: &mut PubSubStream, mut conn: MultiplexedConnection) -> LinkError {
    while let Some(msg) = stream.next().await {
        shared.receive(&mut conn, msg.get_channel_name(), msg.get_payload_bytes()).await;
    }
    LinkError::Closed
}

/// Mirrors local interest in Redis: SUBSCRIBE when a topic gets its first local subscriber,
/// UNSUBSCRIBE when its last one leaves.
async fn follow_interest(shared: &BrokerShared, mut sink: PubSubSink, subscribed: &mut HashSet<Arc<str>>) -> LinkError {
    loop {
        let changed = shared.interest.take();
        if changed.is_empty() {
            shared.interest.changed().await;
            continue;
        }
        let (mut join, mut leave) = (Vec::new(), Vec::new());
        for topic in changed {
            let wanted = shared.local.is_wanted(&topic);
            match (wanted, subscribed.contains(&topic)) {
                (true, false) => join.push(topic),
                (false, true) => leave.push(topic),
                _ => {}
            }
        }
        for chunk in join.chunks(MAX_TOPICS_PER_COMMAND) {
            let names: Vec<String> = chunk.iter().map(|t| shared.channel_name(t)).collect();
            if let Err(e) = within(shared, "SUBSCRIBE", sink.subscribe(names)).await {
                return e;
            }
            subscribed.extend(chunk.iter().cloned());
            shared.set_confirmed(|confirmed| confirmed.extend(chunk.iter().cloned()));
            tracing::debug!(topics = ?chunk, "subscribed in Redis");
        }
        for chunk in leave.chunks(MAX_TOPICS_PER_COMMAND) {
            let names: Vec<String> = chunk.iter().map(|t| shared.channel_name(t)).collect();
            if let Err(e) = within(shared, "UNSUBSCRIBE", sink.unsubscribe(names)).await {
                return e;
            }
            for topic in chunk {
                subscribed.remove(topic);
            }
            shared.set_confirmed(|confirmed| chunk.iter().for_each(|t| _ = confirmed.remove(t)));
            tracing::debug!(topics = ?chunk, "unsubscribed in Redis");
        }
        shared.subscriptions.store(subscribed.len(), Ordering::Relaxed);
    }
}

/// Sends queued publications in order, a pipeline at a time.
async fn forward(shared: &BrokerShared, mut conn: MultiplexedConnection) -> LinkError {
    loop {
        let batch = shared.outbox.take_batch(MAX_BATCH).await;
        let mut pipe = redis::pipe();
        let script = shared.publish_script.lock().clone().unwrap_or_default();
        for item in &batch {
            match &item.recorded {
                None => pipe.cmd("PUBLISH").arg(&item.channel).arg(&item.envelope[..]).ignore(),
                Some(r) => pipe
                    .cmd("EVALSHA")
                    .arg(&script)
                    .arg(2)
                    .arg(&r.meta)
                    .arg(&r.stream)
                    .arg(r.size)
                    .arg(r.ttl_ms)
                    .arg(r.meta_ttl_ms)
                    .arg(crate::hub::history::random_hex())
                    .arg(&item.channel)
                    .arg(&item.envelope[..])
                    .ignore(),
            };
        }
        // Counts the batch as dropped unless Redis confirms it, also when this future is dropped
        // because another part of the link failed first.
        let mut in_flight = InFlight { shared, publications: batch.len() };
        if let Err(e) = pipe.query_async::<()>(&mut conn).await {
            return e.into();
        }
        in_flight.publications = 0;
    }
}

struct InFlight<'a> {
    shared: &'a BrokerShared,
    publications: usize,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.publications > 0 {
            self.shared.outbox.count_lost(self.publications);
            tracing::debug!(
                publications = self.publications,
                "publications in flight when the Redis link broke: dropped"
            );
        }
    }
}

/// Pings both connections now and then, so a broker that vanished without closing its sockets
/// is noticed even when nothing is published.
async fn keepalive(shared: &BrokerShared, mut sink: PubSubSink, mut conn: MultiplexedConnection) -> LinkError {
    let mut tick = tokio::time::interval(shared.config.ping_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        if let Err(e) = within(shared, "PING", sink.ping::<redis::Value>()).await {
            return e;
        }
        if let Err(e) = within(shared, "PING", redis::cmd("PING").query_async::<redis::Value>(&mut conn)).await {
            return e;
        }
    }
}

//! Topics with history under chaos (docs/PROTOCOL.md, "Topics with history"): 30 Rust clients
//! follow feeds through proxies that cut their connections at random, while publishers on every
//! node publish at a steady rate (60 s with Redis, 16 s in memory), and bursts overflow the subscribers' outbound queues (32
//! frames), so that the server drops publications for them as for slow consumers. With Redis, three server processes share it; one is killed and
//! started again, and Redis is killed and started again twice: once with persistence (positions
//! survive), once after a `FLUSHALL` (the feeds start new epochs). In memory, one process is cut
//! from its clients at random and restarted once. Then, for every client and feed:
//!
//! - no silent gap: each publication delivered is the next offset after the one before, unless a
//!   `Gap` came between them, and then it is the next after the gap's end;
//! - no duplicate, and offsets strictly increasing within an epoch;
//! - every node gave each position to one publication (the same item at the same position for
//!   every client);
//! - at the end each client has caught up with the last publication of each feed.
//!
//! It prints its figures.

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use wirechan::Position;
use wirechan::client::{Backoff, Client, ConnectionState, Gap};

use crate::support::feed::{Burst, Feed, Item, Publish, feed};
use crate::support::*;

const FEEDS: [&str; 4] = ["north", "south", "east", "west"];
const SUBSCRIBERS: usize = 30;
/// Each publisher publishes one item every this often.
const PUBLISH_EVERY: Duration = Duration::from_millis(25);
/// A random client's connection is cut this often.
const CUT_EVERY: Duration = Duration::from_millis(150);
/// What the `feed` topic keeps (`support/feed.rs`).
const HISTORY_SIZE: u64 = 200;
/// Items in a burst: more than a subscriber's outbound queue (32) takes at once.
const BURST: u64 = 120;

/// What one subscription saw, in order.
#[derive(Debug, Clone)]
enum Seen {
    Item(Position, Item),
    Gap(Gap),
}

/// What a subscription saw, filled as it goes.
type Record = Arc<Mutex<Vec<Seen>>>;

#[derive(Default)]
struct Figures {
    published: u64,
    unconfirmed: u64,
    cuts: u64,
    reconnections: u64,
}

struct Chaos {
    proxies: Vec<Proxy>,
    /// Per subscriber: per feed it follows, what it saw.
    seen: Vec<Vec<(usize, Record)>>,
    clients: Vec<Client>,
    reconnections: Arc<Mutex<u64>>,
    stop: tokio_util_like::Stop,
    publishers: Vec<tokio::task::JoinHandle<(u64, u64)>>,
}

/// A stop signal shared by the background tasks.
mod tokio_util_like {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    #[derive(Clone, Default)]
    pub struct Stop(Arc<AtomicBool>);

    impl Stop {
        pub fn stop(&self) {
            self.0.store(true, Ordering::Relaxed);
        }

        pub fn stopped(&self) -> bool {
            self.0.load(Ordering::Relaxed)
        }
    }
}

fn backoff() -> Option<Backoff> {
    Some(Backoff { initial: Duration::from_millis(50), max: Duration::from_millis(800), jitter: 0.3 })
}

fn url(addr: SocketAddr) -> String {
    format!("ws://{addr}/feed")
}

impl Chaos {
    /// Connects the subscribers (each through its own proxy to any of `nodes`, both modes) and
    /// one publisher per node.
    async fn start(nodes: &[SocketAddr]) -> Self {
        let stop = tokio_util_like::Stop::default();
        let reconnections = Arc::new(Mutex::new(0));
        let (mut proxies, mut seen, mut clients) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..SUBSCRIBERS {
            let proxy = Proxy::start(nodes.to_vec()).await;
            let client = Client::builder(url(proxy.addr))
                .envelope(i % 2 == 0)
                .reconnect(backoff())
                .call_timeout(Duration::from_secs(5))
                .connect()
                .await
                .expect("a subscriber connects");
            let mut feeds = Vec::new();
            for k in [i % FEEDS.len(), (i + 1) % FEEDS.len()] {
                let subscription =
                    client.subscribe(&Feed { feed: FEEDS[k].to_owned() }).await.expect("a subscriber subscribes");
                feeds.push((k, record(subscription)));
            }
            let watched = client.clone();
            let counted = reconnections.clone();
            tokio::spawn(async move {
                // Polled: a reconnection takes at least the backoff's first delay (35 ms and more).
                let mut was_open = true;
                loop {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    match watched.state() {
                        ConnectionState::Open => was_open = true,
                        ConnectionState::Connecting if was_open => {
                            was_open = false;
                            *counted.lock().unwrap() += 1;
                        }
                        ConnectionState::Connecting => {}
                        _ => break,
                    }
                }
            });
            proxies.push(proxy);
            seen.push(feeds);
            clients.push(client);
        }
        let mut publishers: Vec<_> =
            nodes.iter().enumerate().map(|(n, addr)| tokio::spawn(publish(n, *addr, stop.clone()))).collect();
        publishers.push(tokio::spawn(bursts(nodes[0], stop.clone())));
        Self { proxies, seen, clients, reconnections, stop, publishers }
    }

    /// Cuts a random client's connection every [`CUT_EVERY`] for `duration`.
    async fn cut_at_random(&self, duration: Duration, figures: &mut Figures) {
        let end = Instant::now() + duration;
        let mut n = 0usize;
        while Instant::now() < end {
            tokio::time::sleep(CUT_EVERY).await;
            // A stride that visits every client in turn, in a scrambled order.
            n = (n + 7) % self.proxies.len();
            self.proxies[n].cut();
            figures.cuts += 1;
        }
    }

    fn set_targets(&self, nodes: &[SocketAddr]) {
        for proxy in &self.proxies {
            proxy.set_targets(nodes.to_vec());
        }
    }

    /// Stops publishing; returns (confirmed, unconfirmed) publications.
    async fn stop_publishers(&mut self) -> (u64, u64) {
        self.stop.stop();
        let mut totals = (0, 0);
        for publisher in self.publishers.drain(..) {
            let (ok, unknown) = publisher.await.expect("a publisher ends");
            totals.0 += ok;
            totals.1 += unknown;
        }
        totals
    }

    /// Waits until every subscription has delivered the last publication of its feed, as a new
    /// subscription through `probe` sees it once everything has settled, then checks everything
    /// each one saw.
    async fn verify(self, probe: SocketAddr, mut figures: Figures, what: &str) {
        let client = Client::builder(url(probe)).connect().await.expect("the probe connects");
        let mut last = Vec::new();
        for feed in FEEDS {
            let sub = client.subscribe_recent(&Feed { feed: feed.to_owned() }, 1).await.expect("the probe subscribes");
            last.push(record(sub));
        }
        let position = |record: &Record| match record.lock().unwrap().last() {
            Some(Seen::Item(at, _)) => Some(at.clone()),
            Some(Seen::Gap(gap)) => Some(gap.to.clone()),
            None => None,
        };
        eventually(&format!("{what}: every subscription to catch up with its feed"), || async {
            let behind: Vec<String> = self
                .seen
                .iter()
                .enumerate()
                .flat_map(|(i, feeds)| feeds.iter().map(move |(k, record)| (i, *k, record)))
                .filter_map(|(i, k, record)| {
                    let (at, top) = (position(record), position(&last[k]));
                    (top.is_none() || at != top).then(|| format!("client {i} {}: {at:?} not {top:?}", FEEDS[k]))
                })
                .collect();
            if behind.is_empty() { Ok(()) } else { Err(behind) }
        })
        .await;
        figures.reconnections = *self.reconnections.lock().unwrap();

        let mut at_position: HashMap<(usize, Position), Item> = HashMap::new();
        let (mut delivered, mut gaps, mut silent, mut duplicates, mut disagreements) = (0u64, 0u64, 0u64, 0u64, 0u64);
        let mut new_epochs = 0u64;
        let mut problems = Vec::new();
        for (i, feeds) in self.seen.iter().enumerate() {
            for (k, record) in feeds {
                let record = record.lock().unwrap();
                let mut before: Option<Position> = None;
                let mut positions = HashSet::new();
                let mut items = HashSet::new();
                for seen in record.iter() {
                    match seen {
                        Seen::Gap(gap) => {
                            gaps += 1;
                            new_epochs += u64::from(gap.from.as_ref().is_none_or(|from| from.epoch != gap.to.epoch));
                            // Within an epoch, a client is told only when what it missed is more
                            // than the history keeps.
                            if let Some(from) = gap.from.as_ref().filter(|from| from.epoch == gap.to.epoch)
                                && gap.to.offset.saturating_sub(from.offset) <= HISTORY_SIZE
                            {
                                problems.push(format!(
                                    "client {i} {}: told of a gap the history covers: {gap:?}",
                                    FEEDS[*k]
                                ));
                            }
                            before = Some(gap.to.clone());
                        }
                        Seen::Item(at, item) => {
                            delivered += 1;
                            if let Some(before) = &before
                                && !(before.epoch == at.epoch && at.offset == before.offset + 1)
                            {
                                silent += 1;
                                problems.push(format!("client {i} {}: {at:?} after {before:?}", FEEDS[*k]));
                            }
                            if !positions.insert(at.clone()) || !items.insert(item.clone()) {
                                duplicates += 1;
                                problems.push(format!("client {i} {}: {at:?} {item:?} twice", FEEDS[*k]));
                            }
                            if let Some(other) = at_position.insert((*k, at.clone()), item.clone())
                                && &other != item
                            {
                                disagreements += 1;
                                problems.push(format!("{} {at:?}: {other:?} and {item:?}", FEEDS[*k]));
                            }
                            before = Some(at.clone());
                        }
                    }
                }
            }
        }
        let resumes = figures.reconnections * 2;
        println!(
            "{what}: {} publications confirmed ({} unconfirmed: their node went away mid-call), {delivered} deliveries, \
             {} connections cut, {} reconnections, {resumes} resumes ({} recovered, {gaps} not recovered: gaps announced, \
             {new_epochs} for a new epoch, the others for a client away longer than the history keeps), \
             {silent} silent gaps, {duplicates} duplicates, {disagreements} positions given twice",
            figures.published,
            figures.unconfirmed,
            figures.cuts,
            figures.reconnections,
            resumes.saturating_sub(gaps),
        );
        assert!(
            problems.is_empty(),
            "{what}: {} problems, the first: {:#?}",
            problems.len(),
            &problems[..problems.len().min(10)]
        );
        assert!(delivered > 0 && figures.published > 0, "{what}: nothing happened");
        drop(self.clients);
    }
}

/// Keeps what a subscription yields, in order, as it comes.
fn record(mut subscription: wirechan::client::Subscription<Item>) -> Record {
    let record = Arc::new(Mutex::new(Vec::new()));
    let kept = record.clone();
    tokio::spawn(async move {
        while let Some(event) = subscription.next().await {
            let seen = match event {
                Ok(item) => Seen::Item(subscription.position().cloned().expect("a position"), item),
                Err(gap) => Seen::Gap(gap),
            };
            kept.lock().unwrap().push(seen);
        }
    });
    record
}

/// Publishes items to the feeds in turn through node `addr`, until stopped; returns how many
/// calls were confirmed and how many failed (published or not: the node went away mid-call).
async fn publish(n: usize, addr: SocketAddr, stop: tokio_util_like::Stop) -> (u64, u64) {
    let client = Client::builder(url(addr))
        .reconnect(backoff())
        .call_timeout(Duration::from_secs(2))
        .connect()
        .await
        .expect("a publisher connects");
    let (mut confirmed, mut unconfirmed) = (0, 0);
    let mut tick = tokio::time::interval(PUBLISH_EVERY);
    let mut seq = 0u64;
    while !stop.stopped() {
        tick.tick().await;
        seq += 1;
        let feed = FEEDS[(seq as usize + n) % FEEDS.len()].to_owned();
        let item = Item { publisher: format!("p{n}"), seq };
        match client.call::<feed::actions::Publish>(&Publish { feed, item }).await {
            Ok(()) => confirmed += 1,
            Err(_) => unconfirmed += 1,
        }
    }
    (confirmed, unconfirmed)
}

/// Every second, a burst of [`BURST`] items to one feed through node `addr`, until stopped.
async fn bursts(addr: SocketAddr, stop: tokio_util_like::Stop) -> (u64, u64) {
    let client = Client::builder(url(addr)).reconnect(backoff()).call_timeout(Duration::from_secs(5)).connect().await;
    let client = client.expect("the burster connects");
    let (mut confirmed, mut unconfirmed) = (0, 0);
    let mut first = 0;
    while !stop.stopped() {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let feed = FEEDS[(first / BURST) as usize % FEEDS.len()].to_owned();
        let burst = Burst { feed, publisher: "burst".to_owned(), first, count: BURST };
        match client.call::<feed::actions::Burst>(&burst).await {
            Ok(()) => confirmed += BURST,
            Err(_) => unconfirmed += BURST,
        }
        first += BURST;
    }
    (confirmed, unconfirmed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_memory_every_client_gets_every_publication_once_in_order_or_is_told() {
    let mut node = FeedNode::start("memory");
    let nodes = [node.addr];
    let mut chaos = Chaos::start(&nodes).await;
    let mut figures = Figures::default();
    chaos.cut_at_random(Duration::from_secs(8), &mut figures).await;
    // The process restarts: its histories are gone, so the clients are told.
    node.kill();
    tokio::time::sleep(Duration::from_millis(300)).await;
    node.restart();
    chaos.cut_at_random(Duration::from_secs(8), &mut figures).await;
    (figures.published, figures.unconfirmed) = chaos.stop_publishers().await;
    chaos.verify(node.addr, figures, "memory").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn across_three_processes_and_redis_outages_every_client_gets_every_publication_once_in_order_or_is_told() {
    let mut redis = RedisServer::start_persistent().await;
    let hub = redis.url();
    let mut nodes = [FeedNode::start(&hub), FeedNode::start(&hub), FeedNode::start(&hub)];
    let all: Vec<SocketAddr> = nodes.iter().map(|n| n.addr).collect();
    let mut chaos = Chaos::start(&all).await;
    let mut figures = Figures::default();
    // 60 s of chaos in all.
    chaos.cut_at_random(Duration::from_secs(10), &mut figures).await;

    // A server process dies; its clients move to the others, then it comes back.
    chaos.set_targets(&all[..2]);
    nodes[2].kill();
    chaos.cut_at_random(Duration::from_secs(5), &mut figures).await;
    nodes[2].restart();
    chaos.set_targets(&all);
    chaos.cut_at_random(Duration::from_secs(10), &mut figures).await;

    // Redis dies and comes back with what it persisted: positions survive.
    redis.kill();
    chaos.cut_at_random(Duration::from_secs(4), &mut figures).await;
    redis.restart().await;
    chaos.cut_at_random(Duration::from_secs(12), &mut figures).await;

    // Redis loses everything: the feeds start new epochs, and clients are told.
    redis.flushall().await;
    redis.kill();
    chaos.cut_at_random(Duration::from_secs(4), &mut figures).await;
    redis.restart().await;
    chaos.cut_at_random(Duration::from_secs(15), &mut figures).await;

    (figures.published, figures.unconfirmed) = chaos.stop_publishers().await;
    chaos.verify(all[0], figures, "redis").await;
}

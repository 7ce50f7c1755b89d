//! Cross-node delivery benchmark of the event hub.
//!
//! One process runs the nodes, their subscribers (real WebSocket clients over loopback) and one
//! publisher per node calling `Hub::publish` with a timestamp; each subscriber measures the time
//! from just before `publish` to the frame it reads. Two set-ups on the same machine:
//!
//! - `memory`: one node with the in-memory hub; every subscriber on it.
//! - `redis`: `--nodes` nodes, each with its own Redis hub, `--subscribers` on each; deliveries
//!   to a node other than the publisher's are "cross-node".
//!
//! Each set-up publishes to a topic without history, then to one with history (whose
//! publications get their positions from the hub, in Redis from a script).
//! Each set-up runs twice: saturated (publishers keep `--window` publications in flight) for
//! throughput, then paced (`--rate` publications per second per publisher) for latency without
//! queueing. Run with `cargo run --release -p hub-bench`; it starts its own
//! `redis-server` unless `--redis` names one.

mod nodes;
mod publisher;
mod stats;
mod subscriber;

use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

use nodes::{BenchNode, RedisProcess};
use publisher::Pace;
use stats::{Run, Shared};

#[derive(Parser, Debug, Clone)]
#[command(about = "Cross-node deliveries per second and delivery latency: Redis hub beside the in-memory hub")]
struct Args {
    /// Nodes of the Redis set-up (one publisher each).
    #[arg(long, default_value_t = 3)]
    nodes: usize,
    /// Subscribers per node (the memory set-up has nodes × subscribers on its one node).
    #[arg(long, default_value_t = 20)]
    subscribers: usize,
    /// Seconds measured per phase (after one second of warm-up).
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Publications each publisher keeps in flight in the saturated phase.
    #[arg(long, default_value_t = 64)]
    window: u64,
    /// Publications per second per publisher in the paced phase.
    #[arg(long, default_value_t = 200)]
    rate: u64,
    /// Use this Redis instead of starting a `redis-server`.
    #[arg(long)]
    redis: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let measured = Duration::from_secs(args.seconds);
    let mut results: Vec<Run> = Vec::new();
    let shared = Arc::new(Shared::new(args.nodes));

    // The in-memory hub: one node, all subscribers, the same number of publishers.
    {
        let node = BenchNode::memory().await?;
        let subscribers = node.subscribe(0, args.nodes * args.subscribers, &shared).await?;
        let nodes = Arc::new(vec![node]);
        let publishers = vec![0; args.nodes];
        for pace in [Pace::Window(args.window), Pace::Rate(args.rate)] {
            for (label, history) in [("memory", false), ("memory, history", true)] {
                results
                    .push(stats::run(label, history, &shared, &nodes, &publishers, &subscribers, pace, measured).await);
            }
        }
    }

    // The Redis hub: one node per publisher.
    let _own_redis;
    let url = match &args.redis {
        Some(url) => url.clone(),
        None => {
            let redis = RedisProcess::start().await?;
            let url = redis.url();
            _own_redis = redis;
            url
        }
    };
    let mut nodes = Vec::new();
    let mut subscribers = Vec::new();
    for n in 0..args.nodes {
        let node = BenchNode::redis(&url).await?;
        subscribers.extend(node.subscribe(n, args.subscribers, &shared).await?);
        nodes.push(node);
    }
    for node in &nodes {
        node.wait_subscribed().await?;
    }
    let nodes = Arc::new(nodes);
    let publishers: Vec<usize> = (0..args.nodes).collect();
    for pace in [Pace::Window(args.window), Pace::Rate(args.rate)] {
        for (label, history) in [("redis", false), ("redis, history", true)] {
            results.push(stats::run(label, history, &shared, &nodes, &publishers, &subscribers, pace, measured).await);
        }
    }

    println!(
        "hub-bench: {} publishers, {} subscribers in total ({} nodes × {} for redis), {} s per phase",
        args.nodes,
        args.nodes * args.subscribers,
        args.nodes,
        args.subscribers,
        args.seconds
    );
    stats::print_table(&results);
    Ok(())
}

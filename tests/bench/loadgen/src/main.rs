//! `wirechan-loadgen`: drives a server that speaks the echo benchmark protocol
//! (`examples/echo`, `tests/bench/floor`, `tests/bench/node`). It writes pre-masked raw
//! WebSocket frames and parses the server's frames itself, so it shares no code with any
//! server under test. Every mode prints a human summary and one `RESULT key=value ...` line
//! that `scripts/bench` reads; with `--server-pid` it also reports the server's CPU use over
//! the measured window, next to its own, which tells which side was the bottleneck.

mod churn;
mod crossnode;
mod echo;
mod fanout;
mod idle;
mod proc_stat;
mod report;
mod resume;
mod stalled;
mod storm;
mod wsraw;

use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(version, about)]
struct Cli {
    #[command(subcommand)]
    mode: Mode,
}

/// Options every mode takes.
#[derive(clap::Args, Clone, Debug)]
pub struct Target {
    /// The channel's URL, `ws://host:port/path`.
    #[arg(long, default_value = "ws://127.0.0.1:3000/echo")]
    pub url: String,
    /// The server's process id, to report its CPU time and memory.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Offer the `wirechan.v1` subprotocol (envelope mode; echo mode only).
    #[arg(long)]
    pub envelope: bool,
}

#[derive(Subcommand)]
enum Mode {
    /// C connections, each keeping W `echo` calls in flight.
    Echo {
        #[command(flatten)]
        target: Target,
        /// Connections.
        #[arg(long, default_value_t = 50)]
        conns: usize,
        /// Calls in flight per connection.
        #[arg(long, default_value_t = 16)]
        window: usize,
        /// Size of the whole JSON message, in bytes.
        #[arg(long, default_value_t = 64)]
        payload: usize,
        /// The action called: `echo` replies with its input as it came, `echo_map` parses it
        /// into a JSON object and serializes it again.
        #[arg(long, default_value = "echo")]
        action: String,
        /// Warm-up before measuring, in seconds.
        #[arg(long, default_value_t = 1.0)]
        warmup: f64,
        /// Measured time, in seconds.
        #[arg(long, default_value_t = 5.0)]
        secs: f64,
    },
    /// N subscribers in one room, one publisher keeping W publications in flight.
    Fanout {
        #[command(flatten)]
        target: Target,
        /// Subscribers.
        #[arg(long, default_value_t = 1000)]
        subs: usize,
        /// Publications in flight (sent but not yet received by every subscriber).
        #[arg(long, default_value_t = 8)]
        window: usize,
        /// Size of the published JSON message, in bytes.
        #[arg(long, default_value_t = 64)]
        payload: usize,
        /// Publish to a topic with history, to subscribers that subscribed themselves and so
        /// follow positions (wirechan's echo example only).
        #[arg(long)]
        history: bool,
        /// Publications of varied records instead of padding (text that compresses as data does).
        #[arg(long)]
        records: bool,
        /// The subscribers' permessage-deflate offer, e.g. "permessage-deflate;
        /// server_no_context_takeover; client_no_context_takeover" (the server needs compression on).
        #[arg(long)]
        deflate: Option<String>,
        /// Warm-up before measuring, in seconds.
        #[arg(long, default_value_t = 1.0)]
        warmup: f64,
        /// Measured time, in seconds.
        #[arg(long, default_value_t = 5.0)]
        secs: f64,
    },
    /// S subscribers that never read, one publisher of large publications; reports the server's
    /// RSS before, at the peak, and after everyone left.
    Stalled {
        #[command(flatten)]
        target: Target,
        /// Subscribers that join the room and never read.
        #[arg(long, default_value_t = 8)]
        subs: usize,
        /// Size of each publication's JSON message, in bytes.
        #[arg(long, default_value_t = 1_000_000)]
        payload: usize,
        /// How long to publish, in seconds.
        #[arg(long, default_value_t = 30.0)]
        secs: f64,
        /// How long after everyone left to read the RSS again, in seconds.
        #[arg(long, default_value_t = 5.0)]
        settle: f64,
    },
    /// One connection sends N client subscription frames (holding `held` topics throughout);
    /// reports the rate of each tenth, and another connection's echo latency alone and meanwhile.
    Churn {
        #[command(flatten)]
        target: Target,
        /// Subscription frames (subscribe and unsubscribe).
        #[arg(long, default_value_t = 100_000)]
        frames: usize,
        /// Topics held at once (below the server's per-connection limit, 1024 by default).
        #[arg(long, default_value_t = 1000)]
        held: usize,
        /// Frames in flight.
        #[arg(long, default_value_t = 32)]
        window: usize,
        /// How long the second connection probes alone first, in seconds.
        #[arg(long, default_value_t = 2.0)]
        quiet: f64,
    },
    /// A subscription that recovers `missed` publications of a topic with history, beside one
    /// that recovers none: the cost of a resume (wirechan's echo example only).
    /// N clients at once, each joining a room and making one call: a reconnect storm.
    Storm {
        #[command(flatten)]
        target: Target,
        /// Clients.
        #[arg(long, default_value_t = 10_000)]
        clients: usize,
        /// Rooms the clients join, spread evenly.
        #[arg(long, default_value_t = 100)]
        rooms: usize,
    },
    Resume {
        #[command(flatten)]
        target: Target,
        /// Publications missed before each resume.
        #[arg(long, default_value_t = 100)]
        missed: usize,
        /// Resumes measured (of each kind).
        #[arg(long, default_value_t = 200)]
        rounds: usize,
        /// Size of each publication, in bytes.
        #[arg(long, default_value_t = 64)]
        payload: usize,
    },
    /// N idle upgraded connections; reports the server's RSS per connection.
    /// Publications paced across several nodes sharing a broker; delivery latency to the
    /// other nodes.
    Crossnode {
        /// The nodes' channel URLs, comma-separated.
        #[arg(long, value_delimiter = ',', required = true)]
        nodes: Vec<String>,
        /// The nodes' process ids, comma-separated, for their CPU use.
        #[arg(long, value_delimiter = ',')]
        server_pids: Vec<u32>,
        #[arg(long, default_value_t = 10_000)]
        rate: u64,
        #[arg(long, default_value_t = 100)]
        topics: usize,
        #[arg(long, default_value_t = 10)]
        subs_per_node: usize,
        #[arg(long, default_value_t = 64)]
        payload: usize,
        #[arg(long, default_value_t = 1.0)]
        warmup: f64,
        #[arg(long, default_value_t = 5.0)]
        secs: f64,
    },
    Idle {
        #[command(flatten)]
        target: Target,
        /// Connections.
        #[arg(long, default_value_t = 15_000)]
        conns: usize,
        /// Handshakes in progress at once.
        #[arg(long, default_value_t = 64)]
        parallel: usize,
        /// How long to hold the connections before reading the server's RSS, in seconds.
        #[arg(long, default_value_t = 3.0)]
        hold: f64,
        /// Each connection offers permessage-deflate so (the server needs compression on).
        #[arg(long)]
        deflate: Option<String>,
    },
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The idle mode holds more sockets than the default soft limit allows.
    rlimit::increase_nofile_limit(u64::MAX)?;
    // One thread: the load generator is pinned to one core, and a single-threaded runtime
    // spends that core on sockets rather than on work stealing.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    rt.block_on(async move {
        match cli.mode {
            Mode::Echo { target, conns, window, payload, action, warmup, secs } => {
                echo::run(&target, conns, window, payload, &action, secs_f64(warmup), secs_f64(secs)).await
            }
            Mode::Fanout { target, subs, window, payload, history, records, deflate, warmup, secs } => {
                let shape = fanout::Shape { payload, history, records, deflate };
                fanout::run(&target, subs, window, shape, secs_f64(warmup), secs_f64(secs)).await
            }
            Mode::Churn { target, frames, held, window, quiet } => {
                churn::run(&target, frames, held, window, secs_f64(quiet)).await
            }
            Mode::Storm { target, clients, rooms } => storm::run(&target, clients, rooms).await,
            Mode::Crossnode { nodes, server_pids, rate, topics, subs_per_node, payload, warmup, secs } => {
                let load = crossnode::Load {
                    rate,
                    topics,
                    subs_per_node,
                    payload,
                    warmup: secs_f64(warmup),
                    secs: secs_f64(secs),
                };
                crossnode::run(&nodes, &server_pids, load).await
            }
            Mode::Resume { target, missed, rounds, payload } => resume::run(&target, missed, rounds, payload).await,
            Mode::Idle { target, conns, parallel, hold, deflate } => {
                idle::run(&target, conns, parallel, secs_f64(hold), deflate).await
            }
            Mode::Stalled { target, subs, payload, secs, settle } => {
                stalled::run(&target, subs, payload, secs_f64(secs), secs_f64(settle)).await
            }
        }
    })
}

fn secs_f64(secs: f64) -> Duration {
    Duration::from_secs_f64(secs.max(0.0))
}

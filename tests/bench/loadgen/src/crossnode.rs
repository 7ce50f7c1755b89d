//! Cross-node mode: several server processes share one broker (Redis). Each node has a
//! publisher, paced so that together they publish `rate` publications a second, spread round
//! robin over `topics` rooms, and subscribers that between them join every room, so every
//! publication reaches one subscriber on every node. A publication carries its send time and its
//! publisher's node; each delivery's latency is recorded as local (same node) or cross-node.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinSet;

use crate::echo::{MEASURE, STOP, WARMUP};
use crate::proc_stat::CpuWindow;
use crate::report::{self, cores};
use crate::wsraw::{self, Conn, Endpoint, TEXT};

/// A publication's send time: 20 zero-padded digits of nanoseconds since the load generator started.
const STAMP_KEY: &[u8] = br#""t":""#;
const STAMP_DIGITS: usize = 20;
/// The publishing node's index.
const ORIGIN_KEY: &[u8] = br#""o":""#;

/// What the subscribers of one node measured.
struct Received {
    local: Histogram<u64>,
    cross: Histogram<u64>,
    measured: u64,
    all: u64,
}

/// The load's shape.
pub struct Load {
    pub rate: u64,
    pub topics: usize,
    pub subs_per_node: usize,
    pub payload: usize,
    pub warmup: Duration,
    pub secs: Duration,
}

pub async fn run(nodes: &[String], server_pids: &[u32], load: Load) -> anyhow::Result<()> {
    if nodes.len() < 2 {
        bail!("cross-node mode needs at least two nodes (--nodes URL,URL,...)");
    }
    let endpoints = nodes.iter().map(|url| Endpoint::parse(url)).collect::<anyhow::Result<Vec<_>>>()?;
    let epoch = Instant::now();
    let phase = Arc::new(AtomicU8::new(WARMUP));
    let subs = load.subs_per_node.clamp(1, load.topics);

    let mut tasks = JoinSet::new();
    for (node, endpoint) in endpoints.iter().enumerate() {
        for sub in 0..subs {
            let rooms: Vec<usize> = (sub..load.topics).step_by(subs).collect();
            let conn = join_rooms(endpoint, &rooms).await.with_context(|| format!("node {node}: joining"))?;
            tasks.spawn(subscriber(conn, node, epoch, phase.clone()));
        }
    }
    // Subscriptions travel to the other nodes through the broker: give them a moment.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let published = Arc::new(AtomicU64::new(0));
    let per_node = load.rate as f64 / endpoints.len() as f64;
    let mut publishers = JoinSet::new();
    for (node, endpoint) in endpoints.iter().enumerate() {
        let conn = wsraw::connect(endpoint, false).await?;
        let pacing =
            Pacing { node, nodes: endpoints.len(), per_second: per_node, topics: load.topics, payload: load.payload };
        publishers.spawn(publish_loop(conn, pacing, epoch, phase.clone(), published.clone()));
    }

    tokio::time::sleep(load.warmup).await;
    let published_before = published.load(Ordering::Relaxed);
    phase.store(MEASURE, Ordering::Relaxed);
    let cpu: Vec<CpuWindow> = server_pids.iter().map(|pid| CpuWindow::start(Some(*pid))).collect();
    let own = CpuWindow::start(None);
    let started = Instant::now();
    tokio::time::sleep(load.secs).await;
    phase.store(STOP, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let server_cpu: Option<f64> = cpu.iter().map(|w| w.finish().0).sum();
    let own_cpu = own.finish().1;
    let published_measured = published.load(Ordering::Relaxed) - published_before;
    let mut published_total = 0;
    while let Some(done) = publishers.join_next().await {
        published_total += done.context("publisher task")??;
    }

    let (mut local, mut cross) = (report::histogram(), report::histogram());
    let (mut measured, mut received) = (0u64, 0u64);
    while let Some(done) = tasks.join_next().await {
        let r = done.context("subscriber task")??;
        local.add(&r.local)?;
        cross.add(&r.cross)?;
        measured += r.measured;
        received += r.all;
    }
    let expected = published_total * endpoints.len() as u64;
    let lost = expected.saturating_sub(received);
    let pub_rate = published_measured as f64 / elapsed;
    let (c50, c99, c999) = report::percentiles_us(&cross);
    let (l50, l99, l999) = report::percentiles_us(&local);
    println!(
        "cross-node: {} nodes, {pub_rate:.0} publications/s over {} topics, {:.0} deliveries/s; \
         other nodes p50 {c50:.0} us, p99 {c99:.0} us, p99.9 {c999:.0} us; same node p50 {l50:.0} us, \
         p99 {l99:.0} us; {lost} of {expected} deliveries lost; servers' cpu {}, loadgen cpu {}",
        endpoints.len(),
        load.topics,
        measured as f64 / elapsed,
        cores(server_cpu),
        cores(own_cpu),
    );
    println!(
        "RESULT mode=crossnode nodes={} publications_per_s={pub_rate:.0} cross_p50_us={c50:.1} cross_p99_us={c99:.1} \
         cross_p999_us={c999:.1} local_p50_us={l50:.1} local_p99_us={l99:.1} local_p999_us={l999:.1} lost={lost} \
         server_cpu={} loadgen_cpu={}",
        endpoints.len(),
        cores(server_cpu),
        cores(own_cpu),
    );
    Ok(())
}

/// Connects and joins each room, waiting for every reply.
async fn join_rooms(endpoint: &Endpoint, rooms: &[usize]) -> anyhow::Result<Conn> {
    let Conn { mut stream, mut buf } = wsraw::connect(endpoint, false).await?;
    let mut joins = Vec::new();
    for room in rooms {
        joins.extend_from_slice(&wsraw::text_frame(format!(r#"{{"action":"join","room":"r{room}"}}"#).as_bytes()));
    }
    stream.write_all(&joins).await?;
    let mut replies = 0;
    while replies < rooms.len() {
        if stream.read_buf(&mut buf).await? == 0 {
            bail!("closed while joining");
        }
        let mut off = 0;
        while let Some((opcode, body, total)) = wsraw::parse_frame(&buf[off..])? {
            let body = &buf[off..][body];
            if opcode != TEXT || !body.starts_with(br#"{"action":"join""#) {
                bail!("join failed: {}", String::from_utf8_lossy(body));
            }
            replies += 1;
            off += total;
        }
        buf.drain(..off);
    }
    Ok(Conn { stream, buf })
}

/// The value after `key`, up to the next quote.
fn field<'a>(body: &'a [u8], key: &[u8]) -> Option<&'a [u8]> {
    let at = body.windows(key.len()).position(|w| w == key)? + key.len();
    let len = body[at..].iter().position(|&b| b == b'"')?;
    Some(&body[at..at + len])
}

fn number(bytes: &[u8]) -> Option<u64> {
    std::str::from_utf8(bytes).ok()?.parse().ok()
}

async fn subscriber(conn: Conn, node: usize, epoch: Instant, phase: Arc<AtomicU8>) -> anyhow::Result<Received> {
    let Conn { mut stream, mut buf } = conn;
    buf.reserve(64 * 1024);
    let mut r = Received { local: report::histogram(), cross: report::histogram(), measured: 0, all: 0 };
    loop {
        let now = epoch.elapsed().as_nanos() as u64;
        let measuring = phase.load(Ordering::Relaxed) == MEASURE;
        let mut off = 0;
        while let Some((opcode, body, total)) = wsraw::parse_frame(&buf[off..])? {
            let body = &buf[off..][body];
            if opcode == TEXT
                && let (Some(sent), Some(origin)) =
                    (field(body, STAMP_KEY).and_then(number), field(body, ORIGIN_KEY).and_then(number))
            {
                r.all += 1;
                if measuring {
                    r.measured += 1;
                    let hist = if origin as usize == node { &mut r.local } else { &mut r.cross };
                    report::record(hist, now.saturating_sub(sent));
                }
            }
            off += total;
        }
        buf.drain(..off);
        if !wsraw::read_until_quiet(&mut stream, &mut buf, || phase.load(Ordering::Relaxed) == STOP).await? {
            return Ok(r);
        }
    }
}

/// One publisher's share of the load.
struct Pacing {
    node: usize,
    nodes: usize,
    per_second: f64,
    topics: usize,
    payload: usize,
}

/// Publishes at the paced rate until the stop (each millisecond, what is due by then); returns
/// how many it sent. The nodes' publishers take turns over the rooms.
async fn publish_loop(
    conn: Conn,
    pacing: Pacing,
    epoch: Instant,
    phase: Arc<AtomicU8>,
    published: Arc<AtomicU64>,
) -> anyhow::Result<u64> {
    let Conn { mut stream, mut buf } = conn;
    buf.reserve(64 * 1024);
    let start = Instant::now();
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sent = 0u64;
    let mut out = Vec::new();
    loop {
        tokio::select! {
            _ = tick.tick() => {
                if phase.load(Ordering::Relaxed) == STOP {
                    return Ok(sent);
                }
                let due = (start.elapsed().as_secs_f64() * pacing.per_second) as u64;
                out.clear();
                let before = sent;
                while sent < due {
                    let room = (sent as usize * pacing.nodes + pacing.node) % pacing.topics;
                    let t = epoch.elapsed().as_nanos() as u64;
                    let prefix =
                        format!(r#"{{"action":"publish","room":"r{room}","o":"{}","t":"{t:0STAMP_DIGITS$}""#, pacing.node);
                    out.extend_from_slice(&wsraw::text_frame(wsraw::padded_json(&prefix, pacing.payload).as_bytes()));
                    sent += 1;
                }
                if !out.is_empty() {
                    stream.write_all(&out).await?;
                    published.fetch_add(sent - before, Ordering::Relaxed);
                }
            }
            read = stream.read_buf(&mut buf) => {
                if read? == 0 {
                    bail!("the server closed a publisher");
                }
                wsraw::drain_publish_replies(&mut buf)?;
            }
        }
    }
}

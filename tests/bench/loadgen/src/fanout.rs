//! Fan-out mode: N subscribers join one room; one publisher publishes messages carrying their
//! send time, keeping W publications in flight: a publication is in flight until every
//! subscriber has received it, so no subscriber's queue on the server overflows because of the
//! load generator. Subscribers count deliveries and measure each one's latency from the
//! publisher's send to the subscriber's read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Notify;
use tokio::task::JoinSet;

use crate::echo::{MEASURE, STOP, WARMUP};
use crate::proc_stat::CpuWindow;
use crate::report::{self, cores};
use crate::wsraw::{self, Conn, Endpoint, TEXT};

const ROOM: &str = "bench";

/// Where a publication's send time sits in its text, as 20 zero-padded digits of nanoseconds
/// since the load generator started.
const STAMP_KEY: &[u8] = br#""t":""#;
const STAMP_DIGITS: usize = 20;

/// How far each subscriber has got, for the publisher's window.
struct Progress {
    received: Box<[AtomicU64]>,
    /// Signalled whenever a subscriber has read publications.
    advanced: Notify,
}

impl Progress {
    fn slowest(&self) -> u64 {
        self.received.iter().map(|r| r.load(Ordering::Relaxed)).min().unwrap_or(0)
    }
}

/// What the publications carry and how the subscribers connect.
pub struct Shape {
    pub payload: usize,
    pub history: bool,
    /// Publications filled with varied records (`wsraw::records_member`) rather than padding,
    /// so that compression sees text like real data.
    pub records: bool,
    /// The subscribers' permessage-deflate offer; `None`: uncompressed.
    pub deflate: Option<String>,
}

pub async fn run(
    target: &crate::Target,
    subs: usize,
    window: usize,
    shape: Shape,
    warmup: Duration,
    secs: Duration,
) -> anyhow::Result<()> {
    let Shape { payload, history, records, deflate } = shape;
    let endpoint = Endpoint::parse(&target.url)?;
    let epoch = Instant::now();
    let phase = Arc::new(AtomicU8::new(WARMUP));
    // With history, the subscribers subscribe themselves (`{"subscribe":"log",..}`), so that they
    // follow positions as a recovering client does, and publications go to the `log` topic.
    let (join, joined_reply) = if history {
        (format!(r#"{{"subscribe":"log","room":"{ROOM}"}}"#), &br#"{"subscribe":"log""#[..])
    } else {
        (format!(r#"{{"action":"join","room":"{ROOM}"}}"#), &br#"{"action":"join""#[..])
    };
    let join = wsraw::text_frame(join.as_bytes());
    let action = if history { "publish_log" } else { "publish" };

    let mut subscribers = Vec::with_capacity(subs);
    for _ in 0..subs {
        subscribers.push(joined(&endpoint, deflate.as_deref(), &join, joined_reply).await?);
    }
    let publisher = wsraw::connect(&endpoint, false).await?;
    let progress =
        Arc::new(Progress { received: (0..subs).map(|_| AtomicU64::new(0)).collect(), advanced: Notify::new() });

    let published = Arc::new(AtomicU64::new(0));
    let mut tasks = JoinSet::new();
    for (i, conn) in subscribers.into_iter().enumerate() {
        tasks.spawn(subscriber(conn, i, progress.clone(), epoch, phase.clone()));
    }
    // Publication bodies made before the run, so that making them costs the load generator
    // nothing while it measures; each publication takes the next.
    let bodies: Vec<String> = (0..64)
        .map(|i| {
            if records { format!(",{}}}", wsraw::records_member(payload.saturating_sub(60), i)) } else { String::new() }
        })
        .collect();
    let publisher = tokio::spawn(publish_loop(
        publisher,
        action,
        epoch,
        (window, payload, bodies),
        phase.clone(),
        published.clone(),
        progress,
    ));

    tokio::time::sleep(warmup).await;
    let published_before = published.load(Ordering::Relaxed);
    phase.store(MEASURE, Ordering::Relaxed);
    let cpu = CpuWindow::start(target.server_pid);
    let started = Instant::now();
    tokio::time::sleep(secs).await;
    phase.store(STOP, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let (server_cpu, own_cpu) = cpu.finish();
    let published_total = publisher.await.context("publisher task")??;
    let published_measured = published.load(Ordering::Relaxed) - published_before;

    // Subscribers stop once every publication sent has reached them or none came for a while.
    let mut measured = 0u64;
    let mut received = 0u64;
    let mut compressed = 0u64;
    let mut wire_bytes = 0u64;
    let mut hist = report::histogram();
    while let Some(done) = tasks.join_next().await {
        let got = done.context("subscriber task")??;
        measured += got.measured;
        received += got.all;
        compressed += got.compressed;
        wire_bytes += got.wire_bytes;
        hist.add(&got.hist)?;
    }
    let bytes_per_delivery = wire_bytes as f64 / received.max(1) as f64;
    let deflate_mode = match deflate.as_deref() {
        None => "off",
        Some(offer) if offer.contains("server_no_context_takeover") => "no-context-takeover",
        Some(_) => "context-takeover",
    };
    let expected = published_total * subs as u64;
    let lost = expected.saturating_sub(received);

    let rate = measured as f64 / elapsed;
    // Compressed publications carry their send time inside the deflated text: their latency is
    // not measured (the load generator would spend its core inflating).
    let (p50, p99, p999) = if hist.is_empty() { (f64::NAN, f64::NAN, f64::NAN) } else { report::percentiles_us(&hist) };
    println!(
        "fan-out: {subs} subscribers, {window} publications in flight, compression {deflate_mode}: {rate:.0} \
         deliveries/s ({:.0} publications/s), {bytes_per_delivery:.0} bytes per delivery on the wire \
         ({compressed} compressed), delivery p50 {p50:.0} us, p99 {p99:.0} us, p99.9 {p999:.0} us; \
         {lost} of {expected} deliveries lost; server cpu {}, loadgen cpu {}",
        published_measured as f64 / elapsed,
        cores(server_cpu),
        cores(own_cpu),
    );
    println!(
        "RESULT mode=fanout history={history} deflate={deflate_mode} deliveries_per_s={rate:.0} deliveries_per_server_core_s={} \
         wire_bytes_per_delivery={bytes_per_delivery:.0} p50_us={p50:.1} p99_us={p99:.1} p999_us={p999:.1} lost={lost} \
         server_cpu={} loadgen_cpu={}",
        report::per_core(rate, server_cpu),
        cores(server_cpu),
        cores(own_cpu)
    );
    Ok(())
}

/// Connects and joins the room, waiting for the reply.
async fn joined(endpoint: &Endpoint, deflate: Option<&str>, join: &[u8], reply: &[u8]) -> anyhow::Result<Conn> {
    let Conn { mut stream, mut buf } = match deflate {
        Some(offer) => wsraw::connect_deflate(endpoint, offer).await?,
        None => wsraw::connect(endpoint, false).await?,
    };
    stream.write_all(join).await?;
    loop {
        if let Some((opcode, body, total)) = wsraw::parse_frame(&buf)? {
            let ok = opcode == TEXT && buf[body.clone()].starts_with(reply);
            if !ok || buf[body.clone()].windows(7).any(|w| w == b"\"error\"") {
                bail!("join failed: {}", String::from_utf8_lossy(&buf[body]));
            }
            buf.drain(..total);
            return Ok(Conn { stream, buf });
        }
        if stream.read_buf(&mut buf).await? == 0 {
            bail!("closed while joining");
        }
    }
}

/// The send time stamped into a publication, if the frame is one (replies carry no `"t"`).
fn stamp(body: &[u8]) -> Option<u64> {
    let at = body.windows(STAMP_KEY.len()).position(|w| w == STAMP_KEY)? + STAMP_KEY.len();
    std::str::from_utf8(body.get(at..at + STAMP_DIGITS)?).ok()?.parse().ok()
}

/// What one subscriber received.
struct Got {
    /// Publications received in the measured window, and in all.
    measured: u64,
    all: u64,
    compressed: u64,
    /// Frame bytes (headers included) of every publication received.
    wire_bytes: u64,
    hist: Histogram<u64>,
}

async fn subscriber(
    conn: Conn,
    index: usize,
    progress: Arc<Progress>,
    epoch: Instant,
    phase: Arc<AtomicU8>,
) -> anyhow::Result<Got> {
    let Conn { mut stream, mut buf } = conn;
    buf.reserve(64 * 1024);
    let mut got = Got { measured: 0, all: 0, compressed: 0, wire_bytes: 0, hist: report::histogram() };
    loop {
        let now = epoch.elapsed().as_nanos() as u64;
        let measuring = phase.load(Ordering::Relaxed) == MEASURE;
        let mut off = 0;
        while let Some((opcode, body, total)) = wsraw::parse_frame(&buf[off..])? {
            let compressed = wsraw::compressed(&buf[off..]);
            let sent = if compressed { None } else { stamp(&buf[off..][body]) };
            // After the join, every text frame a subscriber gets is a publication.
            if opcode == TEXT && (compressed || sent.is_some()) {
                got.all += 1;
                got.compressed += u64::from(compressed);
                got.wire_bytes += total as u64;
                if measuring {
                    got.measured += 1;
                    if let Some(sent) = sent {
                        report::record(&mut got.hist, now.saturating_sub(sent));
                    }
                }
            }
            off += total;
        }
        buf.drain(..off);
        if off > 0 {
            progress.received[index].store(got.all, Ordering::Relaxed);
            progress.advanced.notify_one();
        }
        if !wsraw::read_until_quiet(&mut stream, &mut buf, || phase.load(Ordering::Relaxed) == STOP).await? {
            return Ok(got);
        }
    }
}

/// Publishes until the stop, keeping at most `window` publications not yet received by every
/// subscriber; returns how many it sent.
async fn publish_loop(
    conn: Conn,
    action: &str,
    epoch: Instant,
    (window, payload, bodies): (usize, usize, Vec<String>),
    phase: Arc<AtomicU8>,
    published: Arc<AtomicU64>,
    progress: Arc<Progress>,
) -> anyhow::Result<u64> {
    let Conn { mut stream, mut buf } = conn;
    buf.reserve(64 * 1024);
    let window = window.max(1) as u64;
    let mut sent = 0u64;
    // Publications a stalled window gave up waiting for (a subscriber's queue dropped them);
    // they count as lost, not as in flight.
    let mut forgiven = 0u64;
    let mut stalled_since: Option<Instant> = None;
    let mut out = Vec::new();
    loop {
        if phase.load(Ordering::Relaxed) == STOP {
            return Ok(sent);
        }
        let in_flight = sent - (progress.slowest() + forgiven).min(sent);
        if in_flight < window {
            stalled_since = None;
            out.clear();
            for _ in in_flight..window {
                let t = epoch.elapsed().as_nanos() as u64;
                let prefix = format!(r#"{{"action":"{action}","room":"{ROOM}","t":"{t:0STAMP_DIGITS$}""#);
                let body = &bodies[sent as usize % bodies.len()];
                let text = if body.is_empty() { wsraw::padded_json(&prefix, payload) } else { prefix + body };
                out.extend_from_slice(&wsraw::text_frame(text.as_bytes()));
                sent += 1;
            }
            stream.write_all(&out).await?;
            published.store(sent, Ordering::Relaxed);
        } else if stalled_since.get_or_insert_with(Instant::now).elapsed() > Duration::from_secs(1) {
            forgiven = sent - progress.slowest().min(sent);
            stalled_since = None;
        }
        tokio::select! {
            () = progress.advanced.notified() => {}
            read = stream.read_buf(&mut buf) => {
                if read? == 0 {
                    bail!("the server closed the publisher");
                }
                wsraw::drain_publish_replies(&mut buf)?;
            }
            () = tokio::time::sleep(Duration::from_millis(100)) => {}
        }
    }
}

//! What a phase measures, how it runs, and the table it ends in.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

use crate::nodes::BenchNode;
use crate::publisher::{self, Pace};
use crate::subscriber::Subscriber;

/// What publishers, subscribers and the phase runner share.
pub struct Shared {
    base: Instant,
    from_ns: AtomicU64,
    until_ns: AtomicU64,
    /// Deliveries received, per publisher (for the saturated window).
    delivered: Vec<AtomicU64>,
    /// The node of each publisher.
    publisher_nodes: Vec<AtomicU64>,
}

impl Shared {
    pub fn new(publishers: usize) -> Self {
        Self {
            base: Instant::now(),
            from_ns: AtomicU64::new(u64::MAX),
            until_ns: AtomicU64::new(0),
            delivered: (0..publishers).map(|_| AtomicU64::new(0)).collect(),
            publisher_nodes: (0..publishers).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    pub fn now_ns(&self) -> u64 {
        self.base.elapsed().as_nanos() as u64
    }

    pub fn in_window(&self, t: u64) -> bool {
        t >= self.from_ns.load(Ordering::Relaxed) && t < self.until_ns.load(Ordering::Relaxed)
    }

    pub fn delivered(&self, p: usize) {
        if let Some(d) = self.delivered.get(p) {
            d.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub fn delivered_of(&self, p: usize) -> u64 {
        self.delivered[p].load(Ordering::Relaxed)
    }

    pub fn publisher_node(&self, p: usize) -> usize {
        self.publisher_nodes.get(p).map_or(usize::MAX, |n| n.load(Ordering::Relaxed) as usize)
    }
}

/// One subscriber's latencies (microseconds), local and cross-node.
pub struct Recorder {
    local: Histogram<u64>,
    cross: Histogram<u64>,
}

impl Recorder {
    pub fn new() -> Self {
        Self { local: histogram(), cross: histogram() }
    }

    pub fn record(&mut self, cross: bool, latency_ns: u64) {
        let micros = (latency_ns / 1000).max(1);
        let h = if cross { &mut self.cross } else { &mut self.local };
        h.saturating_record(micros);
    }
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// The outcome of one phase.
pub struct Run {
    label: &'static str,
    pace: Pace,
    publications_per_s: f64,
    local_per_s: f64,
    cross_per_s: f64,
    local: Histogram<u64>,
    cross: Histogram<u64>,
    lost: u64,
}

/// Runs one phase: one second of warm-up, `measured` of measurement, then a drain.
#[allow(clippy::too_many_arguments)]
pub async fn run(
    label: &'static str,
    history: bool,
    shared: &Arc<Shared>,
    nodes: &Arc<Vec<BenchNode>>,
    publishers: &[usize],
    subscribers: &[Subscriber],
    pace: Pace,
    measured: Duration,
) -> Run {
    for (p, node) in publishers.iter().enumerate() {
        shared.publisher_nodes[p].store(*node as u64, Ordering::Relaxed);
        shared.delivered[p].store(0, Ordering::Relaxed);
    }
    for s in subscribers {
        *s.recorder.lock().unwrap_or_else(|e| e.into_inner()) = Recorder::new();
    }
    let start = Instant::now();
    let from = start + Duration::from_secs(1);
    let until = from + measured;
    shared.from_ns.store((from - shared.base).as_nanos() as u64, Ordering::Relaxed);
    shared.until_ns.store((until - shared.base).as_nanos() as u64, Ordering::Relaxed);

    let count = subscribers.len() as u64;
    let tasks: Vec<_> = publishers
        .iter()
        .enumerate()
        .map(|(p, &node)| {
            tokio::spawn(publisher::publish(nodes[node].hub.clone(), p, pace, history, until, shared.clone(), count))
        })
        .collect();
    let mut publications = 0u64;
    for task in tasks {
        publications += task.await.unwrap_or(0);
    }
    // Drain: until nothing more arrives for half a second.
    let mut last = u64::MAX;
    loop {
        let now: u64 = (0..publishers.len()).map(|p| shared.delivered_of(p)).sum();
        if now == last {
            break;
        }
        last = now;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    let (mut local, mut cross) = (histogram(), histogram());
    for s in subscribers {
        let r = s.recorder.lock().unwrap_or_else(|e| e.into_inner());
        local.add(&r.local).expect("same bounds");
        cross.add(&r.cross).expect("same bounds");
    }
    let secs = measured.as_secs_f64();
    let received = local.len() + cross.len();
    Run {
        label,
        pace,
        publications_per_s: publications as f64 / secs,
        local_per_s: local.len() as f64 / secs,
        cross_per_s: cross.len() as f64 / secs,
        lost: (publications * count).saturating_sub(received),
        local,
        cross,
    }
}

fn ms(h: &Histogram<u64>, q: f64) -> String {
    if h.is_empty() { "-".to_owned() } else { format!("{:.2}", h.value_at_quantile(q) as f64 / 1000.0) }
}

pub fn print_table(runs: &[Run]) {
    println!(
        "| hub | phase | publications/s | cross-node deliveries/s | local deliveries/s | cross p50 ms | cross p99 ms | local p50 ms | local p99 ms | lost |"
    );
    println!("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in runs {
        let phase = match r.pace {
            Pace::Window(w) => format!("saturated (window {w})"),
            Pace::Rate(rate) => format!("paced ({rate}/s per publisher)"),
        };
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {} | {} | {} | {} | {} |",
            r.label,
            phase,
            r.publications_per_s,
            r.cross_per_s,
            r.local_per_s,
            ms(&r.cross, 0.5),
            ms(&r.cross, 0.99),
            ms(&r.local, 0.5),
            ms(&r.local, 0.99),
            r.lost
        );
    }
}

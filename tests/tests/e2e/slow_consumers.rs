//! PROTOCOL.md section 8, slow consumers: each connection's outbound queue is bounded, a
//! publisher never waits on a subscriber that does not read, the other subscribers receive
//! every message, the channel's policy (drop the newest, drop the oldest, close with 1008)
//! decides what the slow one loses, and the server's memory stays bounded.
//!
//! The slow subscribers are raw clients with a 4 KiB receive buffer that never read: the
//! server's writes to them stall after a few frames, and their queues fill.

use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{Value, json};
use wirechan::testing::{TestClient, TestServer};
use wirechan::{App, Delivery, ServerConfig, SlowConsumer};

use crate::raw_ws::{OP_CLOSE, OP_TEXT, RawWs};
use crate::support::*;

/// A publication of `seq`, `pad` bytes long.
fn payload(seq: u64, pad: &str) -> Value {
    json!({ "seq": seq, "pad": pad })
}

/// Receives the publications `from..to` on `room`, in order.
async fn expect_in_order(reader: &mut TestClient, room: &str, from: u64, to: u64) {
    for want in from..to {
        let got: Value = reader.next_publication(&room_topic(room)).await.unwrap_or_else(|e| panic!("seq {want}: {e}"));
        assert_eq!(got["seq"], json!(want), "the reader receives every publication, in order");
    }
}

/// Publishes `0..n` to `room`, `batch` at a time, waiting after each batch until every reader
/// has received it (so that no reader's own queue overflows). The publisher itself never waits
/// on the server: `publish` returns at once. Returns each publication's delivery report.
async fn publish_paced(
    h: &Harness,
    room: &str,
    readers: &mut [TestClient],
    n: u64,
    batch: u64,
    pad: &str,
) -> Vec<Delivery> {
    let mut reports = Vec::new();
    let mut next = 0;
    while next < n {
        let end = (next + batch).min(n);
        for seq in next..end {
            reports.push(h.hub.publish_untyped(&room_topic(room), None, &payload(seq, pad)).await.expect("publish"));
        }
        for reader in readers.iter_mut() {
            expect_in_order(reader, room, next, end).await;
        }
        next = end;
    }
    reports
}

async fn serve(queue: usize, policy: Option<SlowConsumer>) -> Harness {
    let svc = Svc::default();
    let channel = match policy {
        Some(policy) => proto::channel().slow_consumer(policy),
        None => proto::channel(),
    };
    let config = ServerConfig::default().outbound_queue(queue).close_timeout(Duration::from_millis(300));
    let app = App::new(svc.clone()).config(config).channel(channel);
    Harness { hub: app.hub(), server: TestServer::start(app).await.expect("the server starts"), svc }
}

/// Opens `slow` raw clients and `readers` test clients in `room`.
async fn join(h: &Harness, room: &str, slow: usize, readers: usize) -> (Vec<RawWs>, Vec<TestClient>) {
    let mut slow_clients = Vec::new();
    for _ in 0..slow {
        slow_clients.push(RawWs::connect_small_window(h.server.addr(), &format!("/proto/{room}"), 4096).await);
    }
    let mut reader_clients = Vec::new();
    for _ in 0..readers {
        reader_clients.push(open_proto(h, room, Mode::Envelope).await);
    }
    let (hub, topic) = (h.hub.clone(), room_topic(room));
    wait_until("everyone joined the room", || hub.subscriber_count(&topic) == slow + readers).await;
    (slow_clients, reader_clients)
}

/// The `seq` of every publication the raw client reads until `done` says so or a close frame
/// comes (its code is returned).
async fn read_publications(raw: &mut RawWs, mut done: impl FnMut(&[u64]) -> bool) -> (Vec<u64>, Option<u16>) {
    let mut seqs = Vec::new();
    while !done(&seqs) {
        let frame = raw.next_frame().await.expect("a frame before the end of the stream");
        match frame.opcode {
            OP_TEXT => {
                let v: Value = serde_json::from_str(frame.text()).expect("JSON");
                if let Some(seq) = v["data"]["seq"].as_u64() {
                    seqs.push(seq);
                }
            }
            OP_CLOSE => return (seqs, frame.close_code()),
            _ => {}
        }
    }
    (seqs, None)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_newest_keeps_the_oldest_frames_for_a_slow_subscriber() {
    const QUEUE: usize = 16;
    const N: u64 = 400;
    let h = serve(QUEUE, None).await;
    let (mut slow, mut readers) = join(&h, "newest", 1, 1).await;
    let pad = "n".repeat(8 * 1024);
    let reports = publish_paced(&h, "newest", &mut readers, N, 8, &pad).await;

    // Each report says whether the slow client's queue took the frame (the reader's always did).
    assert!(reports.iter().all(|d| d.delivered >= 1));
    let kept: Vec<u64> = (0..N).filter(|&seq| reports[seq as usize].dropped == 0).collect();
    assert!(kept.len() < N as usize, "the slow client's queue filled up");
    assert_eq!(kept, (0..kept.len() as u64).collect::<Vec<_>>(), "what was kept is the oldest frames");

    // The slow client reads at last: exactly what was kept, in order.
    let (got, close) = read_publications(&mut slow[0], |seqs| seqs.len() == kept.len()).await;
    assert_eq!(close, None);
    assert_eq!(got, kept);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_oldest_keeps_the_newest_frames_for_a_slow_subscriber() {
    const QUEUE: usize = 16;
    const N: u64 = 400;
    let h = serve(QUEUE, Some(SlowConsumer::DropOldest)).await;
    let (mut slow, mut readers) = join(&h, "oldest", 1, 1).await;
    let pad = "o".repeat(8 * 1024);
    let reports = publish_paced(&h, "oldest", &mut readers, N, 8, &pad).await;
    // The new frame always takes a place in the queue.
    assert!(reports.iter().all(|d| d.delivered == 2 && d.dropped == 0), "{reports:?}");

    let (got, close) = read_publications(&mut slow[0], |seqs| seqs.last() == Some(&(N - 1))).await;
    assert_eq!(close, None);
    assert!(got.windows(2).all(|w| w[0] < w[1]), "in order: {got:?}");
    assert!(got.len() < N as usize, "older frames were dropped: {got:?}");
    let tail: Vec<u64> = (N - QUEUE as u64..N).collect();
    assert_eq!(got[got.len() - QUEUE..], tail[..], "the queue held the newest frames: {got:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_close_policy_closes_a_slow_subscriber_with_1008() {
    const QUEUE: usize = 16;
    const N: u64 = 400;
    let h = serve(QUEUE, Some(SlowConsumer::Close)).await;
    let (mut slow, mut readers) = join(&h, "close", 1, 1).await;
    let pad = "c".repeat(8 * 1024);
    let reports = publish_paced(&h, "close", &mut readers, N, 8, &pad).await;
    // Once the queue overflowed, the slow client gets nothing more.
    let overflow = reports.iter().position(|d| d.delivered == 1).expect("the slow client's queue overflowed");
    assert!(reports[overflow..].iter().all(|d| d.delivered == 1), "{reports:?}");
    assert_eq!(h.hub.subscriber_count("room:close"), 2, "the slow connection waits for its socket to close");

    // The slow client reads: what was already on its way, then the close.
    let (got, close) = read_publications(&mut slow[0], |_| false).await;
    assert_eq!(close, Some(1008));
    // Everything the connection had taken from its queue before the overflow arrives; the
    // frames still queued then were discarded.
    assert_eq!(got.len(), overflow - QUEUE, "{got:?}");
    assert_eq!(got, (0..got.len() as u64).collect::<Vec<_>>());
    let (svc, hub) = (h.svc.clone(), h.hub.clone());
    wait_until("the slow connection is cleaned up", || {
        svc.disconnects.load(Ordering::SeqCst) == 1 && hub.subscriber_count("room:close") == 1
    })
    .await;
    // The reader is unaffected.
    assert_still_answers(&mut readers[0], Mode::Envelope).await;
}

// ---------------------------------------------------------------------------------------------
// Memory. The process's resident set is only meaningful without the other tests of this binary
// running beside it, so the test runs its scenario in a child process: the same test binary,
// filtered to this one test, with an environment variable set.
// ---------------------------------------------------------------------------------------------

const CHILD_ENV: &str = "WIRECHAN_E2E_MEMORY_CHILD";
const MEMORY_TEST: &str = "slow_consumers::server_memory_stays_bounded_while_clients_never_read";

const QUEUE: usize = 64;
const SLOW: usize = 4;
const READERS: usize = 2;
const PAD: usize = 16 * 1024;
const WARM_UP: u64 = 512;
const N: u64 = 8192;
const MIB: f64 = 1024.0 * 1024.0;

/// The server's own data structures for this scenario, at most:
/// - the slow connections' queues: SLOW × QUEUE frames of PAD + 40 bytes = 4 × 64 × 16.04 KiB
///   = 4.0 MiB (less in practice: the four queues share the same frames, which are refcounted);
/// - their WebSocket write buffers: SLOW × (16 KiB write buffer + one frame) = 128 KiB;
/// - the readers' batches in flight: READERS × BATCH × (the frame in the server + the decoded
///   JSON in the client) = 2 × 32 × 32 KiB = 2.0 MiB.
///
/// That is 6.1 MiB; 2 MiB more is allowed for the allocator's slack. Unbounded queues would
/// instead keep every frame published after the warm-up: (8192 − 512) × 16 KiB = 120 MiB.
const BOUND_MIB: f64 = 8.0;
const BATCH: u64 = 32;

fn rss_bytes() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).expect("a VmRSS line");
    let kib: f64 = line.split_whitespace().nth(1).and_then(|v| v.parse().ok()).expect("VmRSS in kB");
    kib * 1024.0
}

async fn memory_scenario() {
    let h = serve(QUEUE, None).await;
    let (_slow, mut readers) = join(&h, "flood", SLOW, READERS).await;
    let pad = "m".repeat(PAD);

    // Warm up: the slow clients' sockets and queues fill, every buffer reaches its size.
    let warm = publish_paced(&h, "flood", &mut readers, WARM_UP, BATCH, &pad).await;
    assert!(warm.last().is_some_and(|d| d.dropped == SLOW), "the slow queues are full after the warm-up: {warm:?}");
    let baseline = rss_bytes();

    let mut peak = baseline;
    let mut reports = Vec::new();
    let mut next = WARM_UP;
    while next < N {
        let end = (next + BATCH).min(N);
        for seq in next..end {
            reports
                .push(h.hub.publish_untyped(&room_topic("flood"), None, &payload(seq, &pad)).await.expect("publish"));
        }
        for reader in readers.iter_mut() {
            expect_in_order(reader, "flood", next, end).await;
        }
        peak = peak.max(rss_bytes());
        next = end;
    }
    // Every publication reached both readers and was dropped for the four slow clients.
    assert!(reports.iter().all(|d| d.delivered == READERS && d.dropped == SLOW), "{reports:?}");
    let growth = (peak - baseline) / MIB;
    println!(
        "slow consumers: {} publications of {} KiB to {READERS} readers and {SLOW} clients that never read; \
         RSS {:.1} MiB after the warm-up, peak {:.1} MiB, growth {growth:.2} MiB (bound {BOUND_MIB} MiB)",
        N - WARM_UP,
        PAD / 1024,
        baseline / MIB,
        peak / MIB,
    );
    assert!(growth < BOUND_MIB, "the server's memory grew by {growth:.2} MiB, over the bound of {BOUND_MIB} MiB");
}

#[test]
fn server_memory_stays_bounded_while_clients_never_read() {
    if std::env::var_os(CHILD_ENV).is_some() {
        let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
        runtime.block_on(memory_scenario());
        return;
    }
    let exe = std::env::current_exe().expect("the test binary");
    let out = std::process::Command::new(exe)
        .args([MEMORY_TEST, "--exact", "--nocapture", "--test-threads", "1"])
        .env(CHILD_ENV, "1")
        .output()
        .expect("run the scenario in a child process");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    println!("{stdout}");
    assert!(out.status.success(), "the scenario failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("slow consumers:") && stdout.contains("1 passed"), "the scenario ran:\n{stdout}");
}

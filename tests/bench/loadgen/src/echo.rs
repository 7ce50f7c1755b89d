//! Echo mode: C connections, each keeping W `echo` (or `echo_map`) calls in flight. A reply is matched with the
//! oldest call of its connection (flat mode answers in order); each reply is checked to be as
//! long as the call, which an error frame is not.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::task::JoinSet;

use crate::proc_stat::CpuWindow;
use crate::report::{self, cores};
use crate::wsraw::{self, Conn, Endpoint, TEXT};

pub const WARMUP: u8 = 0;
pub const MEASURE: u8 = 1;
pub const STOP: u8 = 2;

pub async fn run(
    target: &crate::Target,
    conns: usize,
    window: usize,
    payload: usize,
    action: &str,
    warmup: Duration,
    secs: Duration,
) -> anyhow::Result<()> {
    let endpoint = Endpoint::parse(&target.url)?;
    let (json, reply_len) = if target.envelope {
        let json =
            wsraw::padded_json(&format!(r#"{{"action":"{action}","id":1,"data":{{"p":0"#), payload.saturating_sub(1));
        let json = format!("{json}}}");
        let len = json.len();
        (json, len)
    } else {
        let json = wsraw::padded_json(&format!(r#"{{"action":"{action}""#), payload);
        let len = json.len();
        (json, len)
    };
    let frame = wsraw::text_frame(json.as_bytes());
    // W frames back to back: a connection sends any number up to W with one write.
    let batch: Arc<Vec<u8>> = Arc::new(frame.repeat(window));
    let phase = Arc::new(AtomicU8::new(WARMUP));

    let mut sockets = Vec::with_capacity(conns);
    for _ in 0..conns {
        sockets.push(wsraw::connect(&endpoint, target.envelope).await?);
    }
    let mut tasks = JoinSet::new();
    for conn in sockets {
        tasks.spawn(echo_conn(conn, batch.clone(), frame.len(), window, reply_len, phase.clone()));
    }

    tokio::time::sleep(warmup).await;
    phase.store(MEASURE, Ordering::Relaxed);
    let cpu = CpuWindow::start(target.server_pid);
    let started = Instant::now();
    tokio::time::sleep(secs).await;
    phase.store(STOP, Ordering::Relaxed);
    let elapsed = started.elapsed().as_secs_f64();
    let (server_cpu, own_cpu) = cpu.finish();

    let mut total = 0u64;
    let mut hist = report::histogram();
    let drained = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(done) = tasks.join_next().await {
            let (count, h) = done.context("connection task")??;
            total += count;
            hist.add(&h)?;
        }
        anyhow::Ok(())
    })
    .await;
    drained.context("connections did not drain within 10 s")??;

    let rate = total as f64 / elapsed;
    let (p50, p99, p999) = report::percentiles_us(&hist);
    println!(
        "{action}: {conns} conns x {window} in flight, {} B messages, {}: {rate:.0} msgs/s, \
         p50 {p50:.0} us, p99 {p99:.0} us, p99.9 {p999:.0} us; server cpu {}, loadgen cpu {}",
        json.len(),
        if target.envelope { "envelope" } else { "flat" },
        cores(server_cpu),
        cores(own_cpu),
    );
    println!(
        "RESULT mode=echo msgs_per_s={rate:.0} msgs_per_server_core_s={} p50_us={p50:.1} p99_us={p99:.1} p999_us={p999:.1} server_cpu={} loadgen_cpu={}",
        report::per_core(rate, server_cpu),
        cores(server_cpu),
        cores(own_cpu)
    );
    Ok(())
}

async fn echo_conn(
    conn: Conn,
    batch: Arc<Vec<u8>>,
    frame_len: usize,
    window: usize,
    reply_len: usize,
    phase: Arc<AtomicU8>,
) -> anyhow::Result<(u64, Histogram<u64>)> {
    let Conn { mut stream, mut buf } = conn;
    buf.reserve(64 * 1024);
    let mut hist = report::histogram();
    let mut count = 0u64;
    let mut sent: VecDeque<Instant> = VecDeque::with_capacity(window);
    let now = Instant::now();
    stream.write_all(&batch[..window * frame_len]).await?;
    sent.extend(std::iter::repeat_n(now, window));
    loop {
        let mut replies = 0;
        let mut off = 0;
        let now = Instant::now();
        let measuring = phase.load(Ordering::Relaxed) == MEASURE;
        while let Some((opcode, body, total)) = wsraw::parse_frame(&buf[off..])? {
            if opcode == TEXT {
                if body.len() != reply_len {
                    let text = String::from_utf8_lossy(&buf[off..][body]);
                    bail!("unexpected reply: {text}");
                }
                let at = sent.pop_front().context("a reply to no call")?;
                if measuring {
                    report::record(&mut hist, (now - at).as_nanos() as u64);
                    count += 1;
                }
                replies += 1;
            }
            off += total;
        }
        buf.drain(..off);
        if phase.load(Ordering::Relaxed) == STOP {
            if sent.is_empty() {
                return Ok((count, hist));
            }
        } else if replies > 0 {
            let now = Instant::now();
            stream.write_all(&batch[..replies * frame_len]).await?;
            sent.extend(std::iter::repeat_n(now, replies));
        }
        if stream.read_buf(&mut buf).await? == 0 {
            bail!("the server closed the connection");
        }
    }
}

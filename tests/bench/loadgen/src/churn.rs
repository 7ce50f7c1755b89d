//! Churn mode: one connection sends N client subscription frames (`subscribe`, then `unsubscribe`
//! of the room it entered `held` frames before, so that it holds `held` topics throughout), W in
//! flight, and reports the rate of each tenth of them: if each frame costs the same however many
//! topics are held, the tenths run at the same rate (linear time). A second connection calls
//! `echo` one call at a time, first alone and then during the churn: its p99 tells whether the
//! churn stalls other connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::report;
use crate::wsraw::{self, Conn, Endpoint, TEXT};

/// Reads the next text frame's payload into `out`.
pub(crate) async fn next_text(conn: &mut Conn, out: &mut Vec<u8>) -> anyhow::Result<()> {
    loop {
        if let Some((opcode, payload, len)) = wsraw::parse_frame(&conn.buf)? {
            out.clear();
            out.extend_from_slice(&conn.buf[payload]);
            conn.buf.drain(..len);
            match opcode {
                TEXT => return Ok(()),
                0x8 => bail!("the server closed the connection"),
                _ => continue,
            }
        }
        if conn.stream.read_buf(&mut conn.buf).await? == 0 {
            bail!("the server ended the connection");
        }
    }
}

/// The `i`-th frame of the churn: subscriptions to `r0`, `r1`, ..., each one after the first
/// `held` followed by leaving the room entered `held` subscriptions before.
fn churn_frame(i: usize, held: usize) -> Vec<u8> {
    let json = if i < held {
        format!(r#"{{"subscribe":"room","room":"r{i}"}}"#)
    } else {
        let k = held + (i - held) / 2;
        if (i - held).is_multiple_of(2) {
            format!(r#"{{"subscribe":"room","room":"r{k}"}}"#)
        } else {
            format!(r#"{{"unsubscribe":"room","room":"r{}"}}"#, k - held)
        }
    };
    wsraw::text_frame(json.as_bytes())
}

/// Calls `echo` one at a time until `stop`, recording each round trip.
async fn probe(mut conn: Conn, stop: Arc<AtomicBool>) -> anyhow::Result<(Conn, Histogram<u64>)> {
    let frame = wsraw::text_frame(br#"{"action":"echo","probe":1}"#);
    let mut hist = report::histogram();
    let mut reply = Vec::new();
    while !stop.load(Ordering::Relaxed) {
        let sent = Instant::now();
        conn.stream.write_all(&frame).await?;
        next_text(&mut conn, &mut reply).await?;
        report::record(&mut hist, sent.elapsed().as_nanos() as u64);
        // A few hundred probes a second: enough for a p99, not a load of its own.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok((conn, hist))
}

pub async fn run(
    target: &crate::Target,
    frames: usize,
    held: usize,
    window: usize,
    quiet: Duration,
) -> anyhow::Result<()> {
    let endpoint = Endpoint::parse(&target.url)?;
    let mut churner = wsraw::connect(&endpoint, false).await?;
    let prober = wsraw::connect(&endpoint, false).await?;

    // The prober alone.
    let stop = Arc::new(AtomicBool::new(false));
    let alone = tokio::spawn(probe(prober, stop.clone()));
    tokio::time::sleep(quiet).await;
    stop.store(true, Ordering::Relaxed);
    let (prober, quiet_hist) = alone.await.context("the probe task")??;

    // The prober during the churn.
    let stop = Arc::new(AtomicBool::new(false));
    let during = tokio::spawn(probe(prober, stop.clone()));
    let tenth = (frames / 10).max(1);
    let mut tenths = Vec::with_capacity(10);
    let mut reply = Vec::new();
    let started = Instant::now();
    let mut tenth_started = started;
    let (mut sent, mut answered) = (0, 0);
    while answered < frames {
        // Keeps up to `window` frames in flight; flat mode answers in order.
        let mut batch = Vec::new();
        while sent < frames && sent - answered < window {
            batch.extend(churn_frame(sent, held));
            sent += 1;
        }
        if !batch.is_empty() {
            churner.stream.write_all(&batch).await?;
        }
        next_text(&mut churner, &mut reply).await?;
        if reply.windows(8).any(|w| w == br#""error":"#)
            || !(reply.starts_with(br#"{"subscribe""#) || reply.starts_with(br#"{"unsubscribe""#))
        {
            bail!("frame {answered} was refused: {}", String::from_utf8_lossy(&reply));
        }
        answered += 1;
        if answered.is_multiple_of(tenth) {
            tenths.push(tenth as f64 / tenth_started.elapsed().as_secs_f64());
            tenth_started = Instant::now();
        }
    }
    let elapsed = started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    let (_prober, churn_hist) = during.await.context("the probe task")??;

    let rate = frames as f64 / elapsed;
    let (first, last) = (tenths.first().copied().unwrap_or(0.0), tenths.last().copied().unwrap_or(0.0));
    let (q50, q99, _) = report::percentiles_us(&quiet_hist);
    let (c50, c99, _) = report::percentiles_us(&churn_hist);
    println!(
        "churn: {frames} subscription frames ({held} topics held), {window} in flight, in {elapsed:.2} s: {rate:.0}/s"
    );
    let rates: Vec<String> = tenths.iter().map(|r| format!("{r:.0}")).collect();
    println!("  rate of each tenth: {}", rates.join(" "));
    println!(
        "  another connection's echo: p50 {q50:.0} us / p99 {q99:.0} us alone ({} calls), p50 {c50:.0} us / p99 {c99:.0} us during the churn ({} calls)",
        quiet_hist.len(),
        churn_hist.len()
    );
    println!(
        "RESULT mode=churn frames={frames} held={held} window={window} secs={elapsed:.3} rate={rate:.0} first_tenth={first:.0} last_tenth={last:.0} last_over_first={:.3} probe_p50_quiet_us={q50:.0} probe_p99_quiet_us={q99:.0} probe_p50_churn_us={c50:.0} probe_p99_churn_us={c99:.0}",
        if first > 0.0 { last / first } else { 0.0 }
    );
    Ok(())
}

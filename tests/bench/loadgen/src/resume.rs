//! Resume mode: the cost of a subscription that recovers missed publications (docs/PROTOCOL.md,
//! "Topics with history"). A subscriber follows a room's log (a topic with history), leaves it,
//! misses `missed` publications that another connection makes, then subscribes again with the
//! position of the last one it saw: the time from that frame to the answer, which comes after
//! the replayed publications. The same with nothing missed gives the cost of the resume itself;
//! the difference over `missed` is the cost of each replayed publication. wirechan's echo
//! example only (its `log` topic).

use std::time::Instant;

use anyhow::{Context, bail};
use hdrhistogram::Histogram;
use serde_json::Value;
use tokio::io::AsyncWriteExt;

use crate::churn::next_text;
use crate::report;
use crate::wsraw::{self, Conn, Endpoint};

const ROOM: &str = "resume";

/// Sends a subscription (or unsubscription) frame and reads up to its answer: returns the
/// replayed publications and the answer.
async fn subscribe(conn: &mut Conn, frame: &[u8]) -> anyhow::Result<(usize, Value)> {
    conn.stream.write_all(&wsraw::text_frame(frame)).await?;
    let mut text = Vec::new();
    let mut replayed = 0;
    loop {
        next_text(conn, &mut text).await?;
        if text.starts_with(br#"{"subscribe""#) || text.starts_with(br#"{"unsubscribe""#) {
            let answer: Value = serde_json::from_slice(&text)?;
            if answer.get("error").is_some() {
                bail!("the subscription failed: {answer}");
            }
            return Ok((replayed, answer));
        }
        replayed += 1;
    }
}

/// Publishes `n` publications of `payload` bytes to the log, one call after the other.
async fn publish(publisher: &mut Conn, n: usize, payload: usize) -> anyhow::Result<()> {
    let mut reply = Vec::new();
    let frame = wsraw::text_frame(
        wsraw::padded_json(&format!(r#"{{"action":"publish_log","room":"{ROOM}""#), payload).as_bytes(),
    );
    for _ in 0..n {
        publisher.stream.write_all(&frame).await?;
        next_text(publisher, &mut reply).await?;
    }
    Ok(())
}

/// One round: leave, miss `missed` publications, resume from the last position seen; returns
/// the resume's duration (ns) and the position it ends at.
async fn round(
    subscriber: &mut Conn,
    publisher: &mut Conn,
    since: &Value,
    missed: usize,
    payload: usize,
) -> anyhow::Result<(u64, Value)> {
    let leave = format!(r#"{{"unsubscribe":"log","room":"{ROOM}"}}"#);
    subscribe(subscriber, leave.as_bytes()).await.context("leaving")?;
    publish(publisher, missed, payload).await?;
    let frame = format!(r#"{{"subscribe":"log","room":"{ROOM}","since":{since}}}"#);
    let started = Instant::now();
    let (replayed, answer) = subscribe(subscriber, frame.as_bytes()).await?;
    let took = started.elapsed().as_nanos() as u64;
    if replayed != missed || answer["recovered"] != Value::Bool(true) {
        bail!("expected {missed} publications recovered, got {replayed}: {answer}");
    }
    let epoch = answer["epoch"].clone();
    let offset = since["offset"].as_u64().unwrap_or(0) + missed as u64;
    Ok((took, serde_json::json!({ "epoch": epoch, "offset": offset })))
}

pub async fn run(target: &crate::Target, missed: usize, rounds: usize, payload: usize) -> anyhow::Result<()> {
    let endpoint = Endpoint::parse(&target.url)?;
    let mut subscriber = wsraw::connect(&endpoint, false).await?;
    let mut publisher = wsraw::connect(&endpoint, false).await?;
    let first = format!(r#"{{"subscribe":"log","room":"{ROOM}"}}"#);
    let (_, answer) = subscribe(&mut subscriber, first.as_bytes()).await?;
    let mut since = serde_json::json!({ "epoch": answer["epoch"], "offset": answer["offset"] });
    let (mut with, mut without): (Histogram<u64>, Histogram<u64>) = (report::histogram(), report::histogram());
    for i in 0..rounds + rounds / 10 {
        // Interleaved, so that a slow spell costs both alike; the first tenth warms up.
        for (n, hist) in [(missed, &mut with), (0, &mut without)] {
            let (took, next) = round(&mut subscriber, &mut publisher, &since, n, payload).await?;
            since = next;
            if i >= rounds / 10 {
                report::record(hist, took);
            }
        }
    }
    let (p50, p99, _) = report::percentiles_us(&with);
    let (p50_none, p99_none, _) = report::percentiles_us(&without);
    let per_publication = (p50 - p50_none).max(0.0) / missed.max(1) as f64;
    println!(
        "resume: {rounds} resumes of {missed} missed publications ({payload} B): p50 {p50:.0} us, p99 {p99:.0} us; \
         with nothing missed: p50 {p50_none:.0} us, p99 {p99_none:.0} us; {per_publication:.2} us per replayed publication"
    );
    println!(
        "RESULT mode=resume missed={missed} p50_us={p50:.1} p99_us={p99:.1} p50_none_us={p50_none:.1} p99_none_us={p99_none:.1} per_publication_us={per_publication:.2}"
    );
    Ok(())
}

//! Idle mode: opens N upgraded connections that send nothing, holds them, and reports how much
//! the server's resident memory grew per connection.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::proc_stat::rss_kib;
use crate::wsraw::{self, Endpoint};

/// `deflate`: each connection offers permessage-deflate so (the server must agree).
pub async fn run(
    target: &crate::Target,
    conns: usize,
    parallel: usize,
    hold: Duration,
    deflate: Option<String>,
) -> anyhow::Result<()> {
    let endpoint = Endpoint::parse(&target.url)?;
    let pid = target.server_pid.context("idle mode needs --server-pid to read the server's memory")?;
    // One connection first, so what the first connection allocates once (buffers, tables) is
    // in the baseline, not in the per-connection figure.
    let first = wsraw::connect(&endpoint, target.envelope).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = rss_kib(pid).context("read the server's VmRSS")?;

    let started = Instant::now();
    let gate = Arc::new(Semaphore::new(parallel.max(1)));
    let mut opening = JoinSet::new();
    for _ in 0..conns {
        let permit = gate.clone().acquire_owned().await?;
        let endpoint = endpoint.clone();
        let envelope = target.envelope;
        let deflate = deflate.clone();
        opening.spawn(async move {
            let conn = match deflate {
                Some(offer) => wsraw::connect_deflate(&endpoint, &offer).await,
                None => wsraw::connect(&endpoint, envelope).await,
            };
            drop(permit);
            conn
        });
    }
    let mut held = Vec::with_capacity(conns);
    while let Some(conn) = opening.join_next().await {
        held.push(conn??);
    }
    let opened_in = started.elapsed().as_secs_f64();
    tokio::time::sleep(hold).await;
    let after = rss_kib(pid).context("read the server's VmRSS")?;
    let per_conn = after.saturating_sub(before) as f64 / conns as f64;
    println!(
        "idle: {conns} connections opened in {opened_in:.1} s; server RSS {before} KiB -> {after} KiB, \
         {per_conn:.2} KiB per connection"
    );
    println!("RESULT mode=idle conns={conns} rss_before_kib={before} rss_after_kib={after} kib_per_conn={per_conn:.2}");
    drop(held);
    drop(first);
    Ok(())
}

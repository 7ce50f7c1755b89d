//! Storm mode: N clients connect at once, as after a deploy, and each joins a room (a topic
//! subscription, the `join` action every server of the benchmark has) and makes one `echo` call.
//! Reports the time until every client was served, the handshakes per second over that time,
//! each client's time to be served (p50/p99/max), and how many waited a second or more for their
//! TCP connection: the kernel drops a SYN when the listen backlog is full, and the client sends it
//! again only after a second.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::io::AsyncWriteExt;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::churn::next_text;
use crate::proc_stat::CpuWindow;
use crate::report;
use crate::wsraw::{self, Endpoint};

/// A TCP connect that took this long waited for a SYN retransmit.
const SLOW_CONNECT: Duration = Duration::from_millis(900);

/// What one client saw.
struct Served {
    /// From the storm's start to the `echo` reply.
    total: Duration,
    /// The TCP connect alone.
    connect: Duration,
}

pub async fn run(target: &crate::Target, clients: usize, rooms: usize) -> anyhow::Result<()> {
    let endpoint = Endpoint::parse(&target.url)?;
    let (start_tx, start_rx) = watch::channel(None::<Instant>);
    // Every client holds its connection until all are served: the storm is N connections at
    // once, not N one after another.
    let (done_tx, done_rx) = watch::channel(false);
    let finished = Arc::new(AtomicUsize::new(0));
    let mut storm = JoinSet::new();
    for i in 0..clients {
        let endpoint = endpoint.clone();
        let mut start = start_rx.clone();
        let mut done = done_rx.clone();
        let finished = finished.clone();
        let room = i % rooms.max(1);
        storm.spawn(async move {
            let started = *start.wait_for(Option::is_some).await?.as_ref().expect("waited for Some");
            let client = async {
                let (mut conn, connect) = wsraw::connect_timed(&endpoint).await?;
                let mut reply = Vec::new();
                let join = format!(r#"{{"action":"join","room":"storm-{room}"}}"#);
                conn.stream.write_all(&wsraw::text_frame(join.as_bytes())).await?;
                next_text(&mut conn, &mut reply).await.context("the join reply")?;
                let echo = format!(r#"{{"action":"echo","client":{i}}}"#);
                conn.stream.write_all(&wsraw::text_frame(echo.as_bytes())).await?;
                next_text(&mut conn, &mut reply).await.context("the echo reply")?;
                anyhow::Ok((conn, Served { total: started.elapsed(), connect }))
            };
            let result = client.await;
            finished.fetch_add(1, Ordering::Relaxed);
            let (conn, served) = result?;
            let _ = done.wait_for(|all| *all).await;
            drop(conn);
            anyhow::Ok(served)
        });
    }
    // Let every task reach the gate before it opens.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let cpu = CpuWindow::start(target.server_pid);
    start_tx.send(Some(Instant::now()))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    while finished.load(Ordering::Relaxed) < clients && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (server_cpu, own_cpu) = cpu.finish();
    done_tx.send(true)?;

    let mut hist = report::histogram();
    let (mut failed, mut slow, mut last) = (clients, 0usize, Duration::ZERO);
    let mut first_error = None;
    while let Some(joined) = storm.join_next().await {
        match joined.map_err(anyhow::Error::from).and_then(|r| r) {
            Ok(served) => {
                failed -= 1;
                report::record(&mut hist, served.total.as_nanos() as u64);
                last = last.max(served.total);
                if served.connect >= SLOW_CONNECT {
                    slow += 1;
                }
            }
            Err(e) => {
                first_error.get_or_insert_with(|| format!("{e:#}"));
            }
        }
    }
    let served = clients - failed;
    let secs = last.as_secs_f64().max(1e-9);
    let rate = served as f64 / secs;
    let (p50, p99, _) = report::percentiles_us(&hist);
    let max = hist.max() as f64 / 1e6;
    println!(
        "storm: {clients} clients at once ({rooms} rooms), {served} served in {:.0} ms ({rate:.0} handshakes/s); \
         each served after p50 {:.0} ms, p99 {:.0} ms, max {max:.0} ms; {slow} waited 1 s for TCP; {failed} failed{}; \
         server CPU {} cores, load generator {}",
        secs * 1000.0,
        p50 / 1000.0,
        p99 / 1000.0,
        first_error.map(|e| format!(" (first: {e})")).unwrap_or_default(),
        report::cores(server_cpu),
        report::cores(own_cpu),
    );
    println!(
        "RESULT mode=storm clients={clients} served={served} served_ms={:.0} handshakes_per_s={rate:.0} p50_ms={:.0} \
         p99_ms={:.0} max_ms={max:.0} slow_connects={slow} failed={failed} server_cpu={} loadgen_cpu={}",
        secs * 1000.0,
        p50 / 1000.0,
        p99 / 1000.0,
        report::cores(server_cpu),
        report::cores(own_cpu),
    );
    Ok(())
}

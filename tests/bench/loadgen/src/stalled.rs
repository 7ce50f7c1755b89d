//! Stalled mode: S subscribers join a room and then never read (a small TCP receive window, so
//! that the server's writes to them stall at once), while one publisher sends large publications
//! to the room, one at a time, for a while. The server's resident memory is sampled throughout:
//! with outbound queues bounded in bytes it stays within the subscribers' bounds, whatever the
//! publications weigh; and once everyone has left, it should fall back towards where it began.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::proc_stat::rss_kib;
use crate::wsraw::{self, Conn, Endpoint, parse_frame, text_frame};

const ROOM: &str = "stalled";

/// Reads frames until one is a text frame; returns its payload.
async fn next_text(conn: &mut Conn) -> anyhow::Result<Vec<u8>> {
    loop {
        if let Some((opcode, payload, len)) = parse_frame(&conn.buf)? {
            let data = conn.buf[payload].to_vec();
            conn.buf.drain(..len);
            match opcode {
                wsraw::TEXT => return Ok(data),
                0x8 => bail!("the server closed the connection"),
                _ => continue,
            }
        }
        if conn.stream.read_buf(&mut conn.buf).await? == 0 {
            bail!("the server ended the connection");
        }
    }
}

pub async fn run(
    target: &crate::Target,
    subs: usize,
    payload: usize,
    secs: Duration,
    settle: Duration,
) -> anyhow::Result<()> {
    let endpoint = Endpoint::parse(&target.url)?;
    let pid = target.server_pid.context("stalled mode needs --server-pid to read the server's memory")?;
    let join = text_frame(format!(r#"{{"action":"join","room":"{ROOM}"}}"#).as_bytes());
    let mut stalled = Vec::with_capacity(subs);
    for _ in 0..subs {
        let mut conn = wsraw::connect_small_window(&endpoint, 4096).await?;
        conn.stream.write_all(&join).await?;
        next_text(&mut conn).await.context("the join reply")?;
        // From here on, nothing is read from this connection.
        stalled.push(conn);
    }
    let mut publisher = wsraw::connect(&endpoint, false).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let baseline = rss_kib(pid).context("read the server's VmRSS")?;

    let frame = text_frame(wsraw::padded_json(&format!(r#"{{"action":"publish","room":"{ROOM}""#), payload).as_bytes());
    let started = Instant::now();
    let mut peak = baseline;
    let mut sent = 0u64;
    let mut next_sample = Instant::now();
    while started.elapsed() < secs {
        publisher.stream.write_all(&frame).await?;
        let reply = next_text(&mut publisher).await.context("the publish reply")?;
        if !reply.starts_with(br#"{"action":"publish""#) {
            bail!("publish failed: {}", String::from_utf8_lossy(&reply[..reply.len().min(300)]));
        }
        sent += 1;
        if Instant::now() >= next_sample {
            peak = peak.max(rss_kib(pid).unwrap_or(0));
            next_sample += Duration::from_millis(100);
        }
    }
    let end = rss_kib(pid).unwrap_or(0);
    peak = peak.max(end);
    drop(stalled);
    drop(publisher);
    tokio::time::sleep(settle).await;
    let after = rss_kib(pid).context("read the server's VmRSS")?;
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "stalled: {subs} subscribers that never read, {sent} publications of {payload} bytes in {:.0} s; \
         server RSS {:.1} MiB before, {:.1} MiB at the peak, {:.1} MiB at the end, {:.1} MiB {:.0} s after everyone left",
        secs.as_secs_f64(),
        mib(baseline),
        mib(peak),
        mib(end),
        mib(after),
        settle.as_secs_f64()
    );
    println!(
        "RESULT mode=stalled subs={subs} payload={payload} publications={sent} rss_before_kib={baseline} \
         rss_peak_kib={peak} rss_end_kib={end} rss_after_kib={after}"
    );
    Ok(())
}

//! CPU time and memory of a process, from `/proc`.

use std::time::{Duration, Instant};

/// CPU time (user + system) a process has used so far.
pub fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    let hz = clock_ticks_per_second();
    Some(Duration::from_nanos(ticks * 1_000_000_000 / hz))
}

fn clock_ticks_per_second() -> u64 {
    // USER_HZ is 100 on every Linux architecture this runs on.
    100
}

/// A process's resident set size, in KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// CPU use of the server and of this process over a window.
pub struct CpuWindow {
    server_pid: Option<u32>,
    started: Instant,
    server: Option<Duration>,
    own: Option<Duration>,
}

impl CpuWindow {
    pub fn start(server_pid: Option<u32>) -> Self {
        Self {
            server_pid,
            started: Instant::now(),
            server: server_pid.and_then(|p| cpu_time(Some(p))),
            own: cpu_time(None),
        }
    }

    /// Cores used by the server and by this process since `start` (1.0 = one core all the time).
    pub fn finish(&self) -> (Option<f64>, Option<f64>) {
        let wall = self.started.elapsed().as_secs_f64();
        let used = |before: Option<Duration>, now: Option<Duration>| match (before, now) {
            (Some(b), Some(n)) if wall > 0.0 => Some((n.saturating_sub(b)).as_secs_f64() / wall),
            _ => None,
        };
        let server = used(self.server, self.server_pid.and_then(|p| cpu_time(Some(p))));
        let own = used(self.own, cpu_time(None));
        (server, own)
    }
}

//! Gives memory back to the system after a burst of large messages. glibc's allocator serves
//! large buffers from its heaps once it has freed a few mapped ones (its mmap threshold grows
//! with them), and what it frees there goes back to the system only from the top of each heap:
//! after subscribers that never read held megabytes of publications and left, a server kept that
//! resident (docs/BENCHMARKS.md, "Stalled subscribers"). Every second this looks at how much the
//! allocator has in use; once that has fallen by a few megabytes from its highest since the last
//! look that trimmed (a burst is over), `malloc_trim` hands the free pages back. A steady load,
//! however large, does not trim. Other allocators (an application's `#[global_allocator]`) return
//! memory on their own terms, and other platforms have no `malloc_trim`: there this task is not
//! started.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How often the allocator is looked at.
const PERIOD: Duration = Duration::from_secs(1);
/// A fall in use worth a trim (a trim walks the free chunks of every heap).
const WORTH_TRIMMING: usize = 8 << 20;

/// Runs until the server shuts down.
pub(crate) async fn run(shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(PERIOD);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut highest = 0;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            () = shutdown.cancelled() => return,
        }
        let now = in_use();
        highest = highest.max(now);
        if highest - now >= WORTH_TRIMMING {
            tracing::debug!(highest, now, "the allocator's use fell: trimming its heaps");
            let _ = tokio::task::spawn_blocking(trim).await;
            highest = now;
        }
    }
}

/// Bytes the allocator has handed out and not yet had back.
fn in_use() -> usize {
    // SAFETY: `mallinfo2` reads glibc's allocator statistics, taking each arena's lock; it may
    // run on any thread at any time.
    let info = unsafe { libc::mallinfo2() };
    info.uordblks + info.hblkhd
}

fn trim() {
    // SAFETY: `malloc_trim` only releases free pages of glibc's heaps, under their locks.
    unsafe {
        libc::malloc_trim(0);
    }
}

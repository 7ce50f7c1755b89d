//! A publisher: `Hub::publish` in a loop, either keeping a window of publications in flight
//! (saturated) or at a fixed rate (paced).

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::json;
use wirechan::Hub;

use crate::nodes::{BenchLog, TOPIC};
use crate::stats::Shared;

#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// At most this many publications not yet received by every subscriber.
    Window(u64),
    /// Publications per second.
    Rate(u64),
}

/// Publishes until `until`; returns how many publications fell in the measured window.
/// With `history`, to the topic that keeps history.
#[allow(clippy::too_many_arguments)]
pub async fn publish(
    hub: Hub,
    p: usize,
    pace: Pace,
    history: bool,
    until: Instant,
    shared: Arc<Shared>,
    subscribers: u64,
) -> u64 {
    let mut published = 0u64;
    let mut measured = 0u64;
    let mut tick = match pace {
        Pace::Rate(rate) => {
            let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate.max(1) as f64));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
            Some(tick)
        }
        Pace::Window(_) => None,
    };
    while Instant::now() < until {
        match (pace, tick.as_mut()) {
            (Pace::Window(window), _) => {
                // Received by every subscriber = deliveries / subscribers (rounded down).
                while published - shared.delivered_of(p) / subscribers >= window {
                    tokio::time::sleep(Duration::from_micros(200)).await;
                    if Instant::now() >= until {
                        return measured;
                    }
                }
            }
            (Pace::Rate(_), Some(tick)) => {
                tick.tick().await;
            }
            (Pace::Rate(_), None) => unreachable!("a paced publisher has a ticker"),
        }
        let t = shared.now_ns();
        let payload = json!({ "p": p, "t": t });
        let published_ok = if history {
            hub.publish(&BenchLog, None, &payload).await.is_ok()
        } else {
            hub.publish_untyped(TOPIC, None, &payload).await.is_ok()
        };
        if !published_ok {
            eprintln!("publisher {p}: publish failed");
            return measured;
        }
        published += 1;
        if shared.in_window(t) {
            measured += 1;
        }
    }
    measured
}

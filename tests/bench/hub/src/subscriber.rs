//! A subscriber: a WebSocket client that reads every publication and records its latency.

use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use serde::Deserialize;
use tokio_tungstenite::tungstenite::Message;

use crate::stats::{Recorder, Shared};

/// What publishers put in each publication.
#[derive(Deserialize)]
struct Sample {
    /// Publisher index (its node in the Redis set-up).
    p: usize,
    /// Nanoseconds since the benchmark's start, taken just before `publish`.
    t: u64,
}

#[derive(Deserialize)]
struct Frame {
    data: Sample,
}

pub struct Subscriber {
    pub recorder: Arc<Mutex<Recorder>>,
}

impl Subscriber {
    pub async fn connect(url: &str, node: usize, shared: Arc<Shared>) -> anyhow::Result<Self> {
        let (mut ws, _) = tokio_tungstenite::connect_async(url).await?;
        let recorder = Arc::new(Mutex::new(Recorder::new()));
        let record = recorder.clone();
        tokio::spawn(async move {
            while let Some(Ok(message)) = ws.next().await {
                let Message::Text(text) = message else { continue };
                let Ok(Frame { data }) = serde_json::from_str::<Frame>(&text) else { continue };
                let now = shared.now_ns();
                shared.delivered(data.p);
                if shared.in_window(data.t) {
                    let cross = shared.publisher_node(data.p) != node;
                    record.lock().unwrap_or_else(|e| e.into_inner()).record(cross, now.saturating_sub(data.t));
                }
            }
        });
        Ok(Self { recorder })
    }
}

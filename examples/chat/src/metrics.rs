//! Prometheus metrics for the chat server. wirechan records through the `metrics` facade (its
//! `metrics` feature); this module installs the Prometheus recorder, without the exporter's own
//! HTTP listener, and serves its text on the chat's own port.

use std::sync::OnceLock;
use std::time::Duration;

use anyhow::Context;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use wirechan::App;

use crate::Services;

/// Where [`with_metrics`] serves by default (`CHAT_METRICS_PATH` in the binary).
pub const METRICS_PATH: &str = "/metrics";

/// The Prometheus text format's content type.
const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// How often histogram samples are folded into their buckets when nobody scrapes, so that an
/// unscraped server does not keep every sample.
const UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// The process's Prometheus recorder, installed on the first call (a process has one global
/// recorder). Install it before the server starts: wirechan resolves its metric handles then. Inside a Tokio runtime, the first call also starts the exporter's upkeep task.
pub fn prometheus() -> anyhow::Result<PrometheusHandle> {
    static HANDLE: OnceLock<Result<PrometheusHandle, String>> = OnceLock::new();
    let installed = HANDLE.get_or_init(|| {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(
                Matcher::Full(wirechan::metrics::HANDLER_DURATION.to_owned()),
                wirechan::metrics::DURATION_BUCKETS,
            )
            .and_then(PrometheusBuilder::install_recorder)
            .map_err(|e| e.to_string())?;
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            let upkeep = handle.clone();
            runtime.spawn(async move {
                let mut tick = tokio::time::interval(UPKEEP_INTERVAL);
                loop {
                    tick.tick().await;
                    upkeep.run_upkeep();
                }
            });
        }
        Ok(handle)
    });
    installed.clone().map_err(anyhow::Error::msg).context("installing the Prometheus recorder")
}

/// Serves the Prometheus text at `GET path` on the app's port, installing the recorder first.
pub fn with_metrics(app: App<Services>, path: &str) -> anyhow::Result<App<Services>> {
    let handle = prometheus()?;
    Ok(app.asset_with(path, CONTENT_TYPE, move || handle.render()))
}

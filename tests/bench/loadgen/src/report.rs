//! Latency histograms and the `RESULT` line.

use hdrhistogram::Histogram;

/// A latency histogram in nanoseconds, 1 ns to 60 s, two significant digits (1 %).
pub fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000_000, 2).expect("valid histogram bounds")
}

/// Records a latency, clamping what is outside the histogram's range.
pub fn record(h: &mut Histogram<u64>, nanos: u64) {
    h.saturating_record(nanos.max(1));
}

/// p50, p99 and p99.9 in microseconds.
pub fn percentiles_us(h: &Histogram<u64>) -> (f64, f64, f64) {
    let at = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    (at(0.50), at(0.99), at(0.999))
}

/// A fraction of a core as text, or `-` when unknown.
pub fn cores(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.2}")).unwrap_or_else(|| "-".to_owned())
}

/// A rate per core-second of the server (the rate divided by the server's cores used), or `-`.
pub fn per_core(rate: f64, server_cores: Option<f64>) -> String {
    match server_cores {
        Some(c) if c > 0.0 => format!("{:.0}", rate / c),
        _ => "-".to_owned(),
    }
}

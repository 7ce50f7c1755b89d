//! Exponential backoff with jitter between reconnect attempts.

use std::hash::{BuildHasher, Hasher};
use std::time::Duration;

/// The delays between reconnect attempts: `initial * 2^attempt`, at most `max`, less a random
/// share of up to `jitter` (so that clients that lost one server do not all come back at once).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    /// The first delay (default 250 ms).
    pub initial: Duration,
    /// The longest delay (default 10 s).
    pub max: Duration,
    /// The share of a delay taken off at random, 0 to 1 (default 0.3).
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self { initial: Duration::from_millis(250), max: Duration::from_secs(10), jitter: 0.3 }
    }
}

impl Backoff {
    /// The delay before attempt `attempt` (0-based), with `random` in `[0, 1)`.
    pub fn delay(&self, attempt: u32, random: f64) -> Duration {
        let base = self.initial.saturating_mul(1u32 << attempt.min(20)).min(self.max.max(self.initial));
        base.mul_f64(1.0 - self.jitter.clamp(0.0, 1.0) * random.clamp(0.0, 1.0))
    }
}

/// A random number in `[0, 1)`: each `RandomState` is seeded afresh, which is all jitter needs.
pub(super) fn random() -> f64 {
    let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
    hasher.write_u64(0);
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_double_up_to_the_maximum_less_the_jitter() {
        let b = Backoff { initial: Duration::from_millis(100), max: Duration::from_secs(1), jitter: 0.5 };
        assert_eq!(b.delay(0, 0.0), Duration::from_millis(100));
        assert_eq!(b.delay(3, 0.0), Duration::from_millis(800));
        assert_eq!(b.delay(4, 0.0), Duration::from_secs(1));
        assert_eq!(b.delay(60, 0.999_999), Duration::from_secs(1).mul_f64(1.0 - 0.5 * 0.999_999));
        assert_eq!(b.delay(1, 1.0), Duration::from_millis(100));
        for _ in 0..100 {
            let r = random();
            assert!((0.0..1.0).contains(&r), "{r}");
        }
    }
}

//! The per-connection message rate limit: a token bucket (tokens and the time of the last
//! refill) plus a count of refusals, updated in place for each message.

use std::time::Instant;

use crate::server::RateLimit;

/// What to do with one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// Run it.
    Allow,
    /// Refuse it with `rate_limited`.
    Refuse,
    /// Refuse it and close the connection with 1008: too many refusals.
    Close,
}

pub(crate) struct TokenBucket {
    limit: RateLimit,
    tokens: f64,
    refilled: Instant,
    refusals: u32,
}

impl TokenBucket {
    pub(crate) fn new(limit: RateLimit, now: Instant) -> Self {
        Self { limit, tokens: limit.burst, refilled: now, refusals: 0 }
    }

    /// The refill rate, for the error message.
    pub(crate) fn per_second(&self) -> f64 {
        self.limit.per_second
    }

    pub(crate) fn take(&mut self, now: Instant) -> Verdict {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.refilled = now;
        self.tokens = (self.tokens + elapsed * self.limit.per_second).min(self.limit.burst);
        if self.tokens >= self.limit.burst {
            // A full bucket means the client slowed down for long enough: forgive it.
            self.refusals = 0;
        }
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            return Verdict::Allow;
        }
        self.refusals += 1;
        if self.refusals >= self.limit.close_after { Verdict::Close } else { Verdict::Refuse }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(RateLimit::per_second(10).burst(5).close_after(100), start);
        let verdicts: Vec<_> = (0..7).map(|_| bucket.take(start)).collect();
        assert_eq!(verdicts[..5], [Verdict::Allow; 5]);
        assert_eq!(verdicts[5..], [Verdict::Refuse; 2]);
        // 100 ms later one token is back (10 a second).
        let later = start + Duration::from_millis(100);
        assert_eq!(bucket.take(later), Verdict::Allow);
        assert_eq!(bucket.take(later), Verdict::Refuse);
    }

    #[test]
    fn repeated_refusals_close_unless_the_bucket_refills() {
        let start = Instant::now();
        let mut bucket = TokenBucket::new(RateLimit::per_second(10).burst(2).close_after(3), start);
        assert_eq!(bucket.take(start), Verdict::Allow);
        assert_eq!(bucket.take(start), Verdict::Allow);
        assert_eq!(bucket.take(start), Verdict::Refuse);
        assert_eq!(bucket.take(start), Verdict::Refuse);
        // Quiet long enough to refill completely: the refusals are forgiven.
        let later = start + Duration::from_secs(1);
        assert_eq!(bucket.take(later), Verdict::Allow);
        assert_eq!(bucket.take(later), Verdict::Allow);
        assert_eq!(bucket.take(later), Verdict::Refuse);
        assert_eq!(bucket.take(later), Verdict::Refuse);
        assert_eq!(bucket.take(later), Verdict::Close);
    }
}

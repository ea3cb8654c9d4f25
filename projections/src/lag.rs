//! Projector lag: the time from an event's commit (its `recorded_at`) to the
//! commit of the projector batch that applied it, kept as a histogram with
//! exponential buckets so that `/metrics` and `make bench` can both read it.

use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the buckets, in seconds: 0.5 ms × 1.25^i, up to ~60 s.
fn bounds() -> &'static [f64] {
    static BOUNDS: std::sync::OnceLock<Vec<f64>> = std::sync::OnceLock::new();
    BOUNDS.get_or_init(|| {
        let mut b = Vec::new();
        let mut x = 0.0005_f64;
        while x < 60.0 {
            b.push(x);
            x *= 1.25;
        }
        b.push(f64::INFINITY);
        b
    })
}

#[derive(Debug)]
pub struct LagHistogram {
    inner: Mutex<Inner>,
}

#[derive(Debug, Clone)]
struct Inner {
    counts: Vec<u64>,
    sum: f64,
    total: u64,
}

/// A copy of the histogram at one instant.
#[derive(Debug, Clone)]
pub struct LagSnapshot {
    pub bounds: &'static [f64],
    pub counts: Vec<u64>,
    pub sum: f64,
    pub total: u64,
}

impl Default for LagHistogram {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                counts: vec![0; bounds().len()],
                sum: 0.0,
                total: 0,
            }),
        }
    }
}

impl LagHistogram {
    pub fn record(&self, lag: Duration) {
        let secs = lag.as_secs_f64();
        let idx = bounds().partition_point(|b| *b < secs);
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.counts[idx] += 1;
        inner.sum += secs;
        inner.total += 1;
    }

    pub fn snapshot(&self) -> LagSnapshot {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner()).clone();
        LagSnapshot {
            bounds: bounds(),
            counts: inner.counts,
            sum: inner.sum,
            total: inner.total,
        }
    }

    pub fn clear(&self) {
        let mut inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner.counts.iter_mut().for_each(|c| *c = 0);
        inner.sum = 0.0;
        inner.total = 0;
    }
}

impl LagSnapshot {
    /// The upper bound of the bucket holding quantile `q` (0..=1), in seconds;
    /// `None` when nothing was recorded. Precise to one bucket (±25%).
    pub fn quantile(&self, q: f64) -> Option<f64> {
        if self.total == 0 {
            return None;
        }
        let rank = (q * self.total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (i, c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                return Some(self.bounds[i]);
            }
        }
        self.bounds.last().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_fall_in_the_right_bucket() {
        let h = LagHistogram::default();
        for _ in 0..98 {
            h.record(Duration::from_millis(2));
        }
        h.record(Duration::from_millis(300));
        h.record(Duration::from_secs(2));
        let s = h.snapshot();
        let p50 = s.quantile(0.5).unwrap();
        assert!((0.002..0.0025).contains(&p50), "p50 {p50}");
        let p99 = s.quantile(0.99).unwrap();
        assert!((0.3..0.375).contains(&p99), "p99 {p99}");
        assert_eq!(s.total, 100);
        assert!(LagHistogram::default().snapshot().quantile(0.5).is_none());
    }
}

//! Rates sampled by the periodic task, as Redis's `trackInstantaneousMetric` keeps them
//! (`INFO stats`: `instantaneous_ops_per_sec`, `instantaneous_input_kbps`, ...): each sample is
//! the rate since the previous one, and the figure is the mean of the last 16.

use std::time::Instant;

/// Samples kept per metric (`STATS_METRIC_SAMPLES`).
const SAMPLES: usize = 16;

/// One metric's recent rates, per second.
#[derive(Debug, Clone, Default)]
pub struct Rate {
    last: Option<(Instant, u64)>,
    samples: [f64; SAMPLES],
    next: usize,
}

impl Rate {
    /// Record the counter's value now.
    pub fn sample(&mut self, now: Instant, counter: u64) {
        if let Some((then, before)) = self.last {
            let ms = now.duration_since(then).as_millis();
            let per_second = if ms > 0 {
                counter.saturating_sub(before) as f64 * 1000.0 / ms as f64
            } else {
                0.0
            };
            self.samples[self.next] = per_second;
            self.next = (self.next + 1) % SAMPLES;
        }
        self.last = Some((now, counter));
    }

    /// The mean of the kept samples, per second.
    pub fn per_second(&self) -> f64 {
        self.samples.iter().sum::<f64>() / SAMPLES as f64
    }
}

/// The rates `INFO stats` reports.
#[derive(Debug, Clone, Default)]
pub struct Rates {
    pub commands: Rate,
    pub input_bytes: Rate,
    pub output_bytes: Rate,
}

impl Rates {
    /// Sample every rate (from the periodic task, at most every 100 ms as Redis does).
    pub fn sample(&mut self, now: Instant, stats: &crate::server::Stats) {
        self.commands.sample(now, stats.commands_processed);
        self.input_bytes.sample(now, stats.net_input_bytes);
        self.output_bytes.sample(now, stats.net_output_bytes);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn the_rate_is_the_mean_of_the_last_sixteen_samples() {
        let mut rate = Rate::default();
        let start = Instant::now();
        rate.sample(start, 0);
        assert_eq!(rate.per_second(), 0.0);
        // 100 more every 100 ms: 1,000 a second, once all 16 samples say so.
        for i in 1..=16u64 {
            rate.sample(start + Duration::from_millis(100 * i), 100 * i);
        }
        assert_eq!(rate.per_second(), 1000.0);
        // Half of the samples idle: half the rate.
        for i in 17..=24u64 {
            rate.sample(start + Duration::from_millis(100 * i), 1600);
        }
        assert_eq!(rate.per_second(), 500.0);
    }
}

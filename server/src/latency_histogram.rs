//! Per-command latency distributions (`LATENCY HISTOGRAM`, `INFO latencystats`), laid out
//! as Redis's HdrHistogram lays them out (values 1 ns to 1 s, two significant digits), so
//! the bucket edges and percentile values it reports are the same numbers.
//!
//! Durations are recorded as Redis records them: whole microseconds times 1000, clamped to
//! the range. Values below 256 ns are kept exactly; above, each power-of-two band is split
//! into 128 sub-buckets, so a recorded value stands for a range of 2^(band) nanoseconds.

use std::time::Duration;

/// Bits of a value kept exactly: 256 sub-buckets (two significant digits need 200).
const SUB_BUCKET_BITS: u32 = 8;
const SUB_BUCKET_COUNT: u64 = 1 << SUB_BUCKET_BITS;
const HALF_COUNT_BITS: u32 = SUB_BUCKET_BITS - 1;
const HALF_COUNT: u64 = 1 << HALF_COUNT_BITS;
const LOWEST: u64 = 1;
const HIGHEST: u64 = 1_000_000_000;
/// Bands needed to cover `HIGHEST` (256 << 22 > 10^9), plus the first.
const BUCKETS: usize = 23;
const COUNTS: usize = (BUCKETS + 1) * HALF_COUNT as usize;

/// One command's counts, kept sparse (a command's durations fall in a few buckets; Redis's
/// dense array would take 24 KB per command).
#[derive(Clone, Default)]
pub struct Histogram {
    /// (bucket index, count), ordered by index.
    counts: Vec<(u16, u64)>,
    total: u64,
    /// Where the last value went in `counts`: a command's durations mostly repeat their
    /// bucket, and checking it first skips the search.
    last: usize,
}

impl std::fmt::Debug for Histogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Histogram({} values)", self.total)
    }
}

/// The band and sub-bucket of a value.
fn bucket_of(value: u64) -> (u32, u64) {
    let pow2_ceiling = 64 - (value | (SUB_BUCKET_COUNT - 1)).leading_zeros();
    let bucket = pow2_ceiling - (HALF_COUNT_BITS + 1);
    (bucket, value >> bucket)
}

fn index_of(value: u64) -> usize {
    let (bucket, sub) = bucket_of(value);
    (((u64::from(bucket) + 1) << HALF_COUNT_BITS) + sub - HALF_COUNT) as usize
}

fn value_at(index: usize) -> u64 {
    let index = index as u64;
    let mut bucket = (index >> HALF_COUNT_BITS) as i64 - 1;
    let mut sub = (index & (HALF_COUNT - 1)) + HALF_COUNT;
    if bucket < 0 {
        sub -= HALF_COUNT;
        bucket = 0;
    }
    sub << bucket
}

/// The last value that shares `value`'s bucket.
fn highest_equivalent(value: u64) -> u64 {
    let (bucket, sub) = bucket_of(value);
    let band = if sub >= SUB_BUCKET_COUNT {
        bucket + 1
    } else {
        bucket
    };
    (sub << bucket) + (1 << band) - 1
}

impl Histogram {
    /// Record one command's duration.
    pub fn record(&mut self, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        let value = micros.saturating_mul(1000).clamp(LOWEST, HIGHEST);
        // Below COUNTS (3072): the clamp keeps the index in range.
        let index = index_of(value) as u16;
        self.total += 1;
        if let Some((i, count)) = self.counts.get_mut(self.last) {
            if *i == index {
                *count += 1;
                return;
            }
        }
        self.last = match self.counts.binary_search_by_key(&index, |&(i, _)| i) {
            Ok(at) => {
                self.counts[at].1 += 1;
                at
            }
            Err(at) => {
                self.counts.insert(at, (index, 1));
                at
            }
        };
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    /// The value at `percentile` (0-100], in nanoseconds, as `hdr_value_at_percentile`.
    pub fn value_at_percentile(&self, percentile: f64) -> u64 {
        let wanted = ((percentile.min(100.0) / 100.0) * self.total as f64 + 0.5) as u64;
        let wanted = wanted.max(1);
        let mut seen = 0;
        for &(index, count) in &self.counts {
            seen += count;
            if seen >= wanted {
                return highest_equivalent(value_at(usize::from(index)));
            }
        }
        0
    }

    /// The cumulative distribution `LATENCY HISTOGRAM` shows: for the bands ending at 1024,
    /// 2048, 4096... ns (as microseconds, each band's last value), how many calls took at
    /// most that long, where that count grew (`hdr_iter_log` with base 2).
    pub fn cumulative_usec(&self) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut previous = 0;
        let mut level: u64 = 1024;
        while level <= HIGHEST.next_power_of_two() {
            // The last band runs past the counts: Redis's walk stops at their end.
            let edge = index_of(level).min(COUNTS - 1);
            let cumulative: u64 = self
                .counts
                .iter()
                .take_while(|&&(i, _)| usize::from(i) <= edge)
                .map(|&(_, c)| c)
                .sum();
            if cumulative > previous {
                out.push((highest_equivalent(value_at(edge)) / 1000, cumulative));
                previous = cumulative;
            }
            if cumulative == self.total {
                break;
            }
            level *= 2;
        }
        out
    }
}

/// A percentile as `INFO latencystats` names it: `%f` without trailing zeros (`99.9`, `50`).
pub fn percentile_name(p: f64) -> String {
    let text = format!("{p:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn percentiles_are_the_bucket_ends_redis_reports() {
        // Figures redis-server 7.0.15 printed for these durations (INFO latencystats).
        let mut h = Histogram::default();
        h.record(micros(0));
        assert_eq!(h.value_at_percentile(50.0), 1);
        let mut h = Histogram::default();
        for d in [1, 4, 103] {
            h.record(micros(d));
        }
        assert_eq!(h.value_at_percentile(0.1), 1003);
        assert_eq!(h.value_at_percentile(50.0), 4015);
        assert_eq!(h.value_at_percentile(99.9), 103_423);
    }

    #[test]
    fn repeated_and_interleaved_buckets_count_alike() {
        // The last-bucket shortcut must count exactly as the search does: values that repeat
        // a bucket, alternate between two, and land before every bucket seen so far.
        let order = [5, 5, 5, 900, 5, 900, 900, 1, 0, 5, 2_000_000, 1];
        let mut h = Histogram::default();
        for d in order {
            h.record(micros(d));
        }
        assert_eq!(h.total(), 12);
        let counts: Vec<u64> = h.counts.iter().map(|&(_, c)| c).collect();
        // Buckets in value order: 0, 1, 5, 900 and 2,000,000 microseconds.
        assert_eq!(counts, vec![1, 2, 5, 3, 1]);
        assert!(h.counts.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn cumulative_bands_match_redis_edges() {
        let mut h = Histogram::default();
        for d in [0, 1, 2, 3, 5, 9, 20, 40, 66, 67, 2_000_000] {
            h.record(micros(d));
        }
        let bands = h.cumulative_usec();
        let edges: Vec<u64> = bands.iter().map(|b| b.0).collect();
        assert_eq!(&edges[..7], &[1, 2, 4, 8, 16, 33, 66]);
        assert_eq!(bands[6].1, 9);
        assert_eq!(bands.last(), Some(&(1_073_741, 11)));
        assert_eq!(percentile_name(99.9), "99.9");
        assert_eq!(percentile_name(50.0), "50");
    }
}

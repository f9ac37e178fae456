//! The latency monitor (`LATENCY LATEST|HISTORY|RESET|GRAPH|DOCTOR`): for each event class
//! (`command`, `fast-command`, `expire-cycle`), the spikes at or above
//! `latency-monitor-threshold` milliseconds, one sample per second (the worst), the last
//! 160 kept, as Redis's `latency.c` keeps them.

use std::fmt::Write;

/// Samples kept per event.
const HISTORY: usize = 160;
/// Width of `LATENCY GRAPH`.
const GRAPH_COLUMNS: usize = 80;

/// One event's samples: a ring of (unix time, milliseconds), time 0 for unused slots.
#[derive(Debug, Clone)]
pub struct Series {
    samples: [(i64, u64); HISTORY],
    next: usize,
    /// The worst latency ever sampled.
    pub max: u64,
}

impl Series {
    fn new() -> Series {
        Series {
            samples: [(0, 0); HISTORY],
            next: 0,
            max: 0,
        }
    }

    /// The used samples, oldest first.
    pub fn in_order(&self) -> impl Iterator<Item = (i64, u64)> + '_ {
        (0..HISTORY)
            .map(move |j| self.samples[(self.next + j) % HISTORY])
            .filter(|(time, _)| *time != 0)
    }

    /// The newest sample.
    pub fn latest(&self) -> (i64, u64) {
        self.samples[(self.next + HISTORY - 1) % HISTORY]
    }
}

/// Every event's series, in the order events first occurred.
#[derive(Debug, Default)]
pub struct LatencyMonitor {
    events: Vec<(&'static str, Series)>,
}

impl LatencyMonitor {
    /// Sample an event that took `elapsed`, if it reaches `threshold` milliseconds (0: the
    /// monitor is off); the wall clock is read only then.
    pub fn sample(&mut self, threshold: u64, event: &'static str, elapsed: std::time::Duration) {
        let millis = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        if threshold > 0 && millis >= threshold {
            self.add_if_needed(threshold, event, millis, crate::db::now_ms() / 1000);
        }
    }

    /// Sample `millis` for `event` at unix time `now` if it reaches `threshold` (0: off).
    fn add_if_needed(&mut self, threshold: u64, event: &'static str, millis: u64, now: i64) {
        if threshold == 0 || millis < threshold {
            return;
        }
        let position = match self.events.iter().position(|(e, _)| *e == event) {
            Some(p) => p,
            None => {
                self.events.push((event, Series::new()));
                self.events.len() - 1
            }
        };
        let series = &mut self.events[position].1;
        series.max = series.max.max(millis);
        // One sample per second: a later spike in the same second keeps the worse one.
        let previous = (series.next + HISTORY - 1) % HISTORY;
        if series.samples[previous].0 == now {
            series.samples[previous].1 = series.samples[previous].1.max(millis);
            return;
        }
        series.samples[series.next] = (now, millis);
        series.next = (series.next + 1) % HISTORY;
    }

    pub fn events(&self) -> impl Iterator<Item = &(&'static str, Series)> {
        self.events.iter()
    }

    pub fn series(&self, event: &[u8]) -> Option<(&'static str, &Series)> {
        self.events
            .iter()
            .find(|(e, _)| e.as_bytes() == event)
            .map(|(e, s)| (*e, s))
    }

    /// Forget `event` (every event with `None`); how many were forgotten.
    pub fn reset(&mut self, event: Option<&[u8]>) -> usize {
        let before = self.events.len();
        match event {
            None => self.events.clear(),
            Some(name) => self.events.retain(|(e, _)| e.as_bytes() != name),
        }
        before - self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }
}

/// Figures of one event for the doctor (`analyzeLatencyForEvent`).
struct Analysis {
    samples: u64,
    avg: u64,
    /// Mean absolute deviation.
    mad: u64,
    /// Seconds since the oldest sample (at least 1).
    period: i64,
}

fn analyze(series: &Series, now: i64) -> Analysis {
    let samples: Vec<(i64, u64)> = series
        .samples
        .iter()
        .copied()
        .filter(|s| s.0 != 0)
        .collect();
    let count = samples.len() as u64;
    if count == 0 {
        return Analysis {
            samples: 0,
            avg: 0,
            mad: 0,
            period: 0,
        };
    }
    let avg = samples.iter().map(|s| s.1).sum::<u64>() / count;
    let oldest = samples.iter().map(|s| s.0).min().unwrap_or(now);
    let mad = samples.iter().map(|s| avg.abs_diff(s.1)).sum::<u64>() / count;
    Analysis {
        samples: count,
        avg,
        mad,
        period: (now - oldest).max(1),
    }
}

/// What the doctor's advice depends on besides the events.
pub struct DoctorContext {
    pub threshold: u64,
    pub slowlog_log_slower_than: i64,
    pub hz: u32,
    pub anon_huge_pages: bool,
}

/// The advices, in the order the report gives them (`createLatencyReport`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Advice {
    SlowlogEnabled,
    SlowlogTuning,
    SlowlogInspect,
    Scheduler,
    Hz,
    LargeObjects,
    DisableThp,
}

/// `LATENCY DOCTOR`: Redis's report on the events seen, and its advice.
pub fn doctor(monitor: &LatencyMonitor, context: &DoctorContext, now: i64) -> String {
    let mut report = String::new();
    if monitor.is_empty() && context.threshold == 0 {
        report.push_str("I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n");
        return report;
    }
    let mut advices = 0;
    let mut advised: Vec<Advice> = Vec::new();
    let advise = |a: Advice, advised: &mut Vec<Advice>| {
        if !advised.contains(&a) {
            advised.push(a);
        }
    };
    for (number, (event, series)) in monitor.events().enumerate() {
        if number == 0 {
            report.push_str("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n");
        }
        let a = analyze(series, now);
        let _ = write!(
            report,
            "{}. {}: {} latency spikes (average {}ms, mean deviation {}ms, period {:.2} sec). Worst all time event {}ms.",
            number + 1,
            event,
            a.samples,
            a.avg,
            a.mad,
            a.period as f64 / a.samples as f64,
            series.max
        );
        match *event {
            "command" => {
                if context.slowlog_log_slower_than < 0 {
                    advise(Advice::SlowlogEnabled, &mut advised);
                    advices += 1;
                } else if context.slowlog_log_slower_than / 1000 > context.threshold as i64 {
                    advise(Advice::SlowlogTuning, &mut advised);
                    advices += 1;
                }
                advise(Advice::SlowlogInspect, &mut advised);
                advise(Advice::LargeObjects, &mut advised);
                advices += 2;
            }
            "fast-command" => {
                advise(Advice::Scheduler, &mut advised);
                advices += 1;
            }
            "expire-cycle" => {
                advise(Advice::Hz, &mut advised);
                advise(Advice::LargeObjects, &mut advised);
                advices += 2;
            }
            _ => {}
        }
        report.push('\n');
    }
    if context.anon_huge_pages {
        advise(Advice::DisableThp, &mut advised);
        advices += 1;
    }
    let events = monitor.events().count();
    if events == 0 && advices == 0 {
        report.push_str("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n");
        return report;
    }
    if events > 0 && advices == 0 {
        report.push_str("\nWhile there are latency events logged, I'm not able to suggest any easy fix. Please use the Redis community to get some help, providing this report in your help request.\n");
        return report;
    }
    report.push_str("\nI have a few advices for you:\n\n");
    let order = [
        Advice::SlowlogEnabled,
        Advice::SlowlogTuning,
        Advice::SlowlogInspect,
        Advice::Scheduler,
        Advice::Hz,
        Advice::LargeObjects,
        Advice::DisableThp,
    ];
    for advice in order.into_iter().filter(|a| advised.contains(a)) {
        let threshold_us = context.threshold * 1000;
        match advice {
            Advice::SlowlogEnabled => { let _ = writeln!(report, "- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log Redis feature using the command 'CONFIG SET slowlog-log-slower-than {threshold_us}'. If the Slow log is disabled Redis is not able to log slow commands execution for you."); }
            Advice::SlowlogTuning => { let _ = writeln!(report, "- Your current Slow Log configuration only logs events that are slower than your configured latency monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than {threshold_us}'."); }
            Advice::SlowlogInspect => report.push_str("- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n"),
            Advice::Scheduler => report.push_str("- The system is slow to execute Redis code paths not containing system calls. This usually means the system does not provide Redis CPU time to run for long periods. You should try to:\n  1) Lower the system load.\n  2) Use a computer / VM just for Redis if you are running other software in the same system.\n  3) Check if you have a \"noisy neighbour\" problem.\n  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using Jemalloc. However this may create fragmentation problems.\n"),
            Advice::Hz if context.hz < 100 => report.push_str("- In order to make the Redis keys expiring process more incremental, try to set the 'hz' configuration parameter to 100 using 'CONFIG SET hz 100'.\n"),
            Advice::Hz => {}
            Advice::LargeObjects => report.push_str("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n"),
            Advice::DisableThp => report.push_str("- I detected a non zero amount of anonymous huge pages used by your process. This creates very serious latency events in different conditions, especially when Redis is persisting on disk. To disable THP support use the command 'echo never > /sys/kernel/mm/transparent_hugepage/enabled', make sure to also add it into /etc/rc.local so that the command will be executed again after a reboot. Note that even if you have already disabled THP, you still need to restart the Redis process to get rid of the huge pages already created.\n"),
        }
    }
    report
}

/// `LATENCY GRAPH event`: a header and an ASCII sparkline of the samples, each labelled with
/// how long ago it was taken (`latencyCommandGenSparkeline`).
pub fn graph(event: &str, series: &Series, now: i64) -> String {
    let samples: Vec<(u64, String)> = series
        .in_order()
        .map(|(time, latency)| {
            let ago = now - time;
            let label = match ago {
                a if a < 60 => format!("{a}s"),
                a if a < 3600 => format!("{}m", a / 60),
                a if a < 86_400 => format!("{}h", a / 3600),
                a => format!("{}d", a / 86_400),
            };
            (latency, label)
        })
        .collect();
    let high = samples.iter().map(|s| s.0).max().unwrap_or(0);
    let low = samples.iter().map(|s| s.0).min().unwrap_or(0);
    let mut out = format!(
        "{event} - high {high} ms, low {low} ms (all time high {} ms)\n",
        series.max
    );
    out.push_str(&"-".repeat(GRAPH_COLUMNS));
    out.push('\n');
    for (n, chunk) in samples.chunks(GRAPH_COLUMNS).enumerate() {
        if n != 0 {
            out.push('\n');
        }
        sparkline(&mut out, chunk, low, high, 4);
    }
    out
}

/// Render samples as filled sparkline rows, then their labels written downwards
/// (`sparklineRenderRange` with `SPARKLINE_FILL`; `low`/`high` span the whole sequence).
fn sparkline(out: &mut String, samples: &[(u64, String)], low: u64, high: u64, rows: usize) {
    const FILL: &[u8] = b"_o#";
    let steps = FILL.len() * rows;
    let range = if high == low {
        1.0
    } else {
        (high - low) as f64
    };
    let any_labels = samples.iter().any(|s| !s.1.is_empty());
    // Bounded: bar rows, one margin row, then one row per label character.
    let longest_label = samples.iter().map(|s| s.1.len()).max().unwrap_or(0);
    for row in 0..rows + 1 + longest_label {
        let mut line = vec![b' '; samples.len()];
        let mut printed = false;
        let mut margin = false;
        for (j, (value, label)) in samples.iter().enumerate() {
            let step = (((value - low) as f64 * steps as f64) / range) as usize;
            let step = step.min(steps - 1);
            if row < rows {
                printed = true;
                let index = step as i64 - ((rows - row - 1) * FILL.len()) as i64;
                if (0..FILL.len() as i64).contains(&index) {
                    line[j] = FILL[index as usize];
                } else if index >= FILL.len() as i64 {
                    line[j] = b'|';
                }
            } else if any_labels && row - rows < 1 {
                printed = true;
                margin = true;
                break;
            } else if let Some(&c) = label.as_bytes().get(row - rows - 1) {
                printed = true;
                line[j] = c;
            }
        }
        if !printed {
            break;
        }
        if margin {
            // The margin row Redis writes is whatever the row buffer held: blank here.
            line = vec![b' '; samples.len()];
        }
        out.push_str(&String::from_utf8_lossy(&line));
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doctor_reports_as_redis_does() {
        // What redis-server 7.0.15 answered after `CONFIG SET latency-monitor-threshold 100`
        // and `DEBUG SLEEP 0.2`.
        let mut m = LatencyMonitor::default();
        m.add_if_needed(100, "command", 200, 1000);
        let context = DoctorContext {
            threshold: 100,
            slowlog_log_slower_than: 10_000,
            hz: 10,
            anon_huge_pages: false,
        };
        let expected = "Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n\
1. command: 1 latency spikes (average 200ms, mean deviation 0ms, period 1.00 sec). Worst all time event 200ms.\n\n\
I have a few advices for you:\n\n\
- Check your Slow Log to understand what are the commands you are running which are too slow to execute. Please check https://redis.io/commands/slowlog for more information.\n\
- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. If you have very large objects that are often deleted, expired, or evicted, try to fragment those objects into multiple smaller objects.\n";
        assert_eq!(doctor(&m, &context, 1000), expected);
    }

    #[test]
    fn one_sample_per_second_and_reset() {
        let mut m = LatencyMonitor::default();
        m.add_if_needed(0, "command", 500, 100);
        assert!(m.is_empty(), "threshold 0 is off");
        m.add_if_needed(100, "command", 50, 100);
        assert!(m.is_empty(), "below the threshold");
        m.add_if_needed(100, "command", 300, 100);
        m.add_if_needed(100, "command", 400, 100);
        m.add_if_needed(100, "command", 350, 101);
        let (_, s) = m.series(b"command").expect("series");
        assert_eq!(
            s.in_order().collect::<Vec<_>>(),
            vec![(100, 400), (101, 350)]
        );
        assert_eq!(s.latest(), (101, 350));
        assert_eq!(s.max, 400);
        assert_eq!(m.reset(Some(b"nosuch")), 0);
        assert_eq!(m.reset(None), 1);
    }
}

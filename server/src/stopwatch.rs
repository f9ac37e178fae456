//! How long a command takes (`commandstats`, SLOWLOG): a clock read twice per command, and
//! four times per command a script calls, so its cost shows in throughput. On x86-64 with
//! an invariant time-stamp counter it reads the counter (about 9 ns, against about 28 ns for
//! the vDSO clock behind `Instant`); elsewhere, and until the counter's rate is known, it
//! reads `Instant`.
//!
//! The rate is learnt from `Instant` itself: [`calibrate`], called by the periodic task,
//! compares the counter and `Instant` since the first reading. Durations are only ever taken
//! between two readings of the same source.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// A reading to measure from.
#[derive(Clone, Copy)]
pub enum Stamp {
    Counter(u64),
    Clock(Instant),
}

/// Nanoseconds per counter tick, as a 32.32 fixed-point number; 0 until calibrated (or when
/// the counter is not to be used).
static NANOS_PER_TICK: AtomicU64 = AtomicU64::new(0);

/// The first reading of both clocks, the base of the calibration.
static ORIGIN: OnceLock<Option<(u64, Instant)>> = OnceLock::new();

/// How long the calibration watches both clocks before trusting the rate.
const CALIBRATION_SPAN: Duration = Duration::from_millis(200);

/// Read the clock.
pub fn start() -> Stamp {
    if NANOS_PER_TICK.load(Ordering::Relaxed) != 0 {
        if let Some(ticks) = counter() {
            return Stamp::Counter(ticks);
        }
    }
    Stamp::Clock(Instant::now())
}

/// Time since `stamp`, read from the same source.
pub fn elapsed(stamp: Stamp) -> Duration {
    match stamp {
        Stamp::Clock(then) => then.elapsed(),
        Stamp::Counter(then) => {
            let now = counter().unwrap_or(then);
            let scale = u128::from(NANOS_PER_TICK.load(Ordering::Relaxed));
            let nanos = (u128::from(now.saturating_sub(then)) * scale) >> 32;
            Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
        }
    }
}

/// Learn the counter's rate (the periodic task calls this; cheap once done).
pub fn calibrate() {
    if NANOS_PER_TICK.load(Ordering::Relaxed) != 0 {
        return;
    }
    let origin = ORIGIN.get_or_init(|| counter().map(|ticks| (ticks, Instant::now())));
    let Some((ticks0, instant0)) = *origin else {
        return;
    };
    let span = instant0.elapsed();
    if span < CALIBRATION_SPAN {
        return;
    }
    let Some(ticks) = counter().map(|t| t.saturating_sub(ticks0)) else {
        return;
    };
    if ticks == 0 {
        return;
    }
    let scale = (span.as_nanos() << 32) / u128::from(ticks);
    if let Ok(scale) = u64::try_from(scale) {
        NANOS_PER_TICK.store(scale.max(1), Ordering::Relaxed);
    }
}

/// The time-stamp counter, where it runs at a constant rate whatever the core's frequency
/// and sleep states (CPUID's invariant-TSC bit); `None` elsewhere.
#[cfg(target_arch = "x86_64")]
fn counter() -> Option<u64> {
    static INVARIANT: OnceLock<bool> = OnceLock::new();
    let invariant = *INVARIANT.get_or_init(|| {
        let highest = std::arch::x86_64::__cpuid(0x8000_0000).eax;
        highest >= 0x8000_0007 && std::arch::x86_64::__cpuid(0x8000_0007).edx & (1 << 8) != 0
    });
    // SAFETY: RDTSC exists on every x86-64 processor and only reads a register; the
    // intrinsic is `unsafe` for its target-feature contract alone, which x86-64 meets.
    invariant.then(|| unsafe { std::arch::x86_64::_rdtsc() })
}

#[cfg(not(target_arch = "x86_64"))]
fn counter() -> Option<u64> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_follow_the_clock_before_and_after_calibration() {
        let stamp = start();
        std::thread::sleep(Duration::from_millis(20));
        let first = elapsed(stamp);
        assert!(first >= Duration::from_millis(20), "{first:?}");
        // Calibrate (on machines with the counter), then measure again from the counter.
        calibrate();
        std::thread::sleep(CALIBRATION_SPAN);
        calibrate();
        let stamp = start();
        std::thread::sleep(Duration::from_millis(30));
        let second = elapsed(stamp);
        assert!(second >= Duration::from_millis(25), "{second:?}");
        assert!(second < Duration::from_secs(5), "{second:?}");
    }
}

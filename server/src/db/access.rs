//! When keys were used, for `OBJECT IDLETIME` / `OBJECT FREQ` and the LRU and LFU eviction
//! policies: one 32-bit field per key, read as Redis reads its objects' `lru` field. Under an
//! LRU policy (or none) it is the Unix second of the last use; under an LFU policy it is the
//! minute of the last decrement (16 bits) and a logarithmic use counter (8 bits). Switching
//! policies reinterprets the field, as in Redis ("LRU and LFU data will take some time to
//! adjust").
//!
//! The clock and the policy are process-wide, as Redis's `server.lruclock` and
//! `server.maxmemory_policy` are: the keyspace sets the clock each time it takes the time, the
//! server the policy when its configuration changes.

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU32, AtomicU64, Ordering};

static CLOCK_SECONDS: AtomicU32 = AtomicU32::new(0);
static LFU: AtomicBool = AtomicBool::new(false);
static LOG_FACTOR: AtomicI64 = AtomicI64::new(10);
static DECAY_MINUTES: AtomicI64 = AtomicI64::new(1);
static RANDOM: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

/// A new key's LFU counter (`LFU_INIT_VAL`): new keys are not evicted before they are used.
const LFU_INIT: u32 = 5;

/// Set the clock (Unix milliseconds).
pub fn set_clock(unix_ms: i64) {
    let seconds = (unix_ms / 1000).clamp(0, i64::from(u32::MAX)) as u32;
    CLOCK_SECONDS.store(seconds, Ordering::Relaxed);
}

/// The policy's reading of the field: LFU or not, the counter's log factor, the decay period.
pub fn configure(lfu: bool, log_factor: i64, decay_minutes: i64) {
    LFU.store(lfu, Ordering::Relaxed);
    LOG_FACTOR.store(log_factor.max(0), Ordering::Relaxed);
    DECAY_MINUTES.store(decay_minutes.max(0), Ordering::Relaxed);
}

fn lfu() -> bool {
    LFU.load(Ordering::Relaxed)
}

fn seconds() -> u32 {
    CLOCK_SECONDS.load(Ordering::Relaxed)
}

/// Redis's `LFUGetTimeInMinutes`: minutes, 16 bits.
fn minutes() -> u32 {
    (seconds() / 60) & 0xffff
}

/// The field of a key just created.
pub fn fresh() -> u32 {
    if lfu() {
        (minutes() << 8) | LFU_INIT
    } else {
        seconds()
    }
}

/// The field after a use: now, or the counter decayed then (maybe) incremented.
pub fn touched(field: u32) -> u32 {
    if lfu() {
        let counter = log_increment(frequency(field));
        (minutes() << 8) | counter
    } else {
        seconds()
    }
}

/// Seconds since the last use (LRU reading).
pub fn idle_seconds(field: u32) -> u64 {
    u64::from(seconds().saturating_sub(field))
}

/// The field of a key unused for `seconds` (LRU reading; `RESTORE ... IDLETIME`).
pub fn with_idle_seconds(seconds_idle: u64) -> u32 {
    seconds().saturating_sub(u32::try_from(seconds_idle).unwrap_or(u32::MAX))
}

/// The use counter, decayed by the periods passed since its last decrement (Redis's
/// `LFUDecrAndReturn`; `OBJECT FREQ`).
pub fn frequency(field: u32) -> u32 {
    decayed(field, minutes(), DECAY_MINUTES.load(Ordering::Relaxed))
}

/// The counter of `field` at minute `now`, less one per `decay` minutes passed.
fn decayed(field: u32, now: u32, decay: i64) -> u32 {
    let last = field >> 8;
    let counter = field & 0xff;
    let elapsed = if now >= last {
        now - last
    } else {
        0xffff - last + now
    };
    let periods = if decay > 0 {
        i64::from(elapsed) / decay
    } else {
        0
    };
    counter.saturating_sub(u32::try_from(periods).unwrap_or(u32::MAX))
}

/// The field with use counter `counter` (`RESTORE ... FREQ`).
pub fn with_frequency(counter: u8) -> u32 {
    (minutes() << 8) | u32::from(counter)
}

/// Which key an LRU or LFU policy evicts first: the lowest rank.
pub fn eviction_rank(field: u32) -> i64 {
    if lfu() {
        i64::from(frequency(field))
    } else {
        i64::from(field)
    }
}

/// Redis's `LFULogIncr`: one more with probability 1 / ((counter - 5) * factor + 1).
fn log_increment(counter: u32) -> u32 {
    let factor = LOG_FACTOR.load(Ordering::Relaxed);
    log_increment_with(counter, factor, random_unit())
}

/// [`log_increment`] with the factor and the random draw (in [0, 1)) given.
fn log_increment_with(counter: u32, factor: i64, draw: f64) -> u32 {
    if counter >= 255 {
        return 255;
    }
    let base = counter.saturating_sub(LFU_INIT) as f64;
    let p = 1.0 / (base * factor as f64 + 1.0);
    if draw < p {
        counter + 1
    } else {
        counter
    }
}

/// A pseudo-random number in [0, 1) (xorshift64*).
fn random_unit() -> f64 {
    let mut x = RANDOM.load(Ordering::Relaxed);
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    RANDOM.store(x, Ordering::Relaxed);
    (x.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lfu_counters_decay_by_periods_and_grow_logarithmically() {
        // Counter 20, last decremented at minute 7: three periods of one minute by minute 10.
        assert_eq!(decayed((7 << 8) | 20, 10, 1), 17);
        assert_eq!(decayed((7 << 8) | 20, 10, 2), 19);
        assert_eq!(decayed((7 << 8) | 20, 10, 0), 20, "no decay time: no decay");
        assert_eq!(
            decayed((0xfffe << 8) | 20, 1, 1),
            18,
            "the 16-bit minute wraps"
        );
        assert_eq!(decayed((7 << 8) | 2, 10, 1), 0);
        // Up to the initial value an increment is certain; then 1 / ((c - 5) * factor + 1).
        assert_eq!(log_increment_with(5, 10, 0.999), 6);
        assert_eq!(log_increment_with(15, 10, 0.0099), 16);
        assert_eq!(log_increment_with(15, 10, 0.0100), 15);
        assert_eq!(log_increment_with(255, 10, 0.0), 255);
    }
}

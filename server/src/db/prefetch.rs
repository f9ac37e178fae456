//! Cache prefetching for the keyspace. A lookup in a large keyspace waits twice on memory: for
//! its bucket, then for its entry. With a batch of pipelined requests in hand, the server
//! asks for all their buckets first, then for all their entries, and only then runs them, so
//! the waits overlap instead of following one another.
//!
//! A prefetch is only a hint: it never faults, whatever the address, and changes nothing a
//! program can observe but its speed.

/// Ask for the cache line holding `value` to be loaded (nothing on other architectures).
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: PREFETCHT0 exists on every x86-64 processor (it is part of SSE, which x86-64
    // requires); the intrinsic is `unsafe` for that target-feature contract alone. It reads
    // nothing the program sees and never faults, and the address comes from a live reference.
    unsafe {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}

#[cfg(test)]
mod tests {
    use super::prefetch;

    #[test]
    fn prefetching_changes_nothing() {
        let values: Vec<u64> = (0..1024).collect();
        for value in &values {
            prefetch(value);
        }
        prefetch(&values);
        assert_eq!(values.iter().sum::<u64>(), 1023 * 1024 / 2);
    }
}

//! What long string results cost the process, measured by a counting allocator: `string.rep`
//! and long concatenations write their result straight into the new string (one copy in
//! memory, not a buffer and then the string), and a result past the memory limit is refused
//! before anything is allocated.
//!
//! One test function only: the allocator's counters are process-wide, and tests in one binary
//! run in parallel.

use lua_core::api::Lua;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to the system allocator; the counters only
// observe sizes.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc(layout.size());
        // SAFETY: forwarded with the caller's layout.
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: forwarded with the caller's pointer and layout.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        note_alloc(new_size);
        // SAFETY: forwarded with the caller's pointer, layout and size.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

fn note_alloc(size: usize) {
    let live = LIVE.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const MB: usize = 1024 * 1024;

/// The most the process held at once while `script` ran, above what it held before.
fn peak_while(lua: &Lua, script: &str) -> (usize, Result<(), String>) {
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let result = lua.load(script).exec().map_err(|e| e.to_string());
    (PEAK.load(Ordering::Relaxed) - before, result)
}

#[test]
fn long_results_are_built_once_and_refused_before_allocating() {
    let lua = Lua::new();
    lua.set_memory_limit(Some(lua.used_memory() + 256 * MB))
        .expect("limit");

    // 32 MB results: the peak is the inputs plus the result, with no second copy of the
    // result (which would add 32 MB).
    for (script, inputs_and_result) in [
        ("big = string.rep('abc', 32 * 2^20 / 3)", 32 * MB),
        (
            "local half = string.rep('ab', 8 * 2^20) big = half .. half",
            48 * MB,
        ),
        (
            "local q = string.rep('a', 8 * 2^20) big = q .. q .. q .. q",
            40 * MB,
        ),
    ] {
        lua.load("big = nil collectgarbage()")
            .exec()
            .expect("reset");
        let (peak, result) = peak_while(&lua, script);
        assert_eq!(result, Ok(()), "{script}");
        assert!(peak < inputs_and_result + 16 * MB, "{script}: peak {peak}");
    }
    // The results are right, and equal strings are still one interned string.
    lua.load(
        "assert(#big == 32 * 2^20 and big:sub(1, 3) == 'aaa')
         local a, b = string.rep('xy', 5000), ('xy'):rep(2500) .. ('xy'):rep(2500)
         local t = {[a] = 1}
         assert(a == b and t[b] == 1 and a:sub(-4) == 'xyxy')
         assert(('abc'):rep(3) == 'abcabcabc')",
    )
    .exec()
    .expect("results");
    lua.load("big = nil collectgarbage()")
        .exec()
        .expect("reset");

    // A gigabyte over a 256 MB limit: refused before the buffer exists.
    for script in [
        "local s = string.rep('x', 2^30)",
        "local s = string.rep('x', 2^29) .. string.rep('y', 2^29)",
    ] {
        let (peak, result) = peak_while(&lua, script);
        let message = result.expect_err(script);
        assert!(message.contains("not enough memory"), "{script}: {message}");
        assert!(peak < 256 * MB + 32 * MB, "{script}: peak {peak}");
    }
}

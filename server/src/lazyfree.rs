//! Freeing large values on a helper thread (Redis's lazyfree): UNLINK, `FLUSHALL`/`FLUSHDB
//! ASYNC` and the `lazyfree-lazy-user-del`/`-user-flush` options hand what would take long to
//! free to a thread that drops it, so the event loop answers at once. A value goes there when
//! freeing it is more than 64 allocations, counted as Redis's `lazyfreeGetFreeEffort` counts
//! them; a flushed database always does. `INFO` shows `lazyfree_pending_objects` and
//! `lazyfreed_objects`.

use crate::db::{Db, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::Arc;

/// Above this much free effort a value is freed on the helper thread (`LAZYFREE_THRESHOLD`).
const THRESHOLD: usize = 64;

/// Objects handed over and not yet freed, and objects freed there since the last reset
/// (shared with the helper thread).
#[derive(Default)]
struct Counters {
    pending: AtomicU64,
    freed: AtomicU64,
}

/// What the helper thread drops (held only to be dropped there).
#[allow(dead_code)]
enum Garbage {
    Value(Value),
    Db(Db),
}

/// The channel to the helper thread, started on first use.
#[derive(Default)]
pub struct LazyFree {
    sender: Option<Sender<(Garbage, u64)>>,
    counters: Arc<Counters>,
}

impl LazyFree {
    /// Free `value` here or on the helper thread, by the work freeing it takes.
    pub fn free_value(&mut self, value: Value) {
        if free_effort(&value) > THRESHOLD {
            self.hand_over(Garbage::Value(value), 1);
        }
    }

    /// Free a flushed database on the helper thread; it counts as one object per key, as
    /// Redis counts an emptied database.
    pub fn free_db(&mut self, db: Db) {
        let keys = db.len() as u64;
        if keys > 0 {
            self.hand_over(Garbage::Db(db), keys);
        }
    }

    fn hand_over(&mut self, garbage: Garbage, objects: u64) {
        if self.sender.is_none() {
            let (tx, rx) = mpsc::channel::<(Garbage, u64)>();
            let counters = Arc::clone(&self.counters);
            let spawned = std::thread::Builder::new()
                .name("lazyfree".into())
                .spawn(move || {
                    for (garbage, objects) in rx {
                        drop(garbage);
                        counters.pending.fetch_sub(objects, Ordering::Relaxed);
                        counters.freed.fetch_add(objects, Ordering::Relaxed);
                    }
                });
            if spawned.is_ok() {
                self.sender = Some(tx);
            }
        }
        self.counters.pending.fetch_add(objects, Ordering::Relaxed);
        let unsent = match &self.sender {
            Some(sender) => sender.send((garbage, objects)).err().map(|e| e.0 .0),
            None => Some(garbage),
        };
        // No thread (it could not start, or ended): free here.
        if let Some(garbage) = unsent {
            drop(garbage);
            self.counters.pending.fetch_sub(objects, Ordering::Relaxed);
        }
    }

    /// `lazyfree_pending_objects`.
    pub fn pending(&self) -> u64 {
        self.counters.pending.load(Ordering::Relaxed)
    }

    /// `lazyfreed_objects`.
    pub fn freed(&self) -> u64 {
        self.counters.freed.load(Ordering::Relaxed)
    }

    /// `CONFIG RESETSTAT` starts `lazyfreed_objects` again.
    pub fn reset_stats(&self) {
        self.counters.freed.store(0, Ordering::Relaxed);
    }
}

/// How many allocations freeing `value` takes (`lazyfreeGetFreeEffort`): a list's nodes, a
/// table's entries, a stream's radix-tree nodes and consumer groups with their pending
/// entries; 1 for a string or a packed collection.
fn free_effort(value: &Value) -> usize {
    match value {
        Value::Str(_) => 1,
        // Redis's quicklist nodes hold 8 KB of entries by default; the packed list's bytes
        // (each element and two length bytes, as a listpack stores a short one) give their
        // number closely enough for a threshold, without walking the elements.
        Value::List(list) => list.stored_bytes().div_ceil(8192).max(1),
        Value::Hash(h) if value.encoding() == "hashtable" => h.len(),
        Value::Set(s) if value.encoding() == "hashtable" => s.len(),
        Value::ZSet(z) if value.encoding() == "skiplist" => z.len(),
        Value::Hash(_) | Value::Set(_) | Value::ZSet(_) => 1,
        Value::Stream(stream) => {
            let groups = stream.groups.len();
            let first_pel = stream.groups.values().next().map_or(0, |g| g.pel.len());
            stream.radix_tree_nodes() + groups * (1 + first_pel)
        }
    }
}

//! The keyspace: numbered databases of keys to values, expiry times, and the bookkeeping that
//! hangs off key changes (`WATCH`, the dirty counter).
//!
//! Expiry is lazy on access (a key past its time is deleted when a command looks it up) and
//! active in the periodic task ([`Keyspace::active_expire`]), as Redis does.

pub mod access;
pub mod access_key;
pub mod bytes;
pub mod dict;
pub mod digest;
pub mod encoding;
pub mod geohash;
pub mod glob;
pub mod hash;
pub mod hyperloglog;
pub mod list;
pub mod notify;
pub mod packed;
pub mod prefetch;
pub mod set;
pub mod stream;
pub mod tracking;
mod value;
pub mod zset;

pub use bytes::Bytes;
pub use dict::Dict;
pub use value::Value;

use smallvec::SmallVec;
use std::collections::{HashMap, HashSet};

/// One database.
#[derive(Default)]
pub struct Db {
    pub keys: Dict<Value, access_key::AccessKey>,
    /// Absolute expiry times in Unix milliseconds, for the keys that have one.
    pub expires: Dict<i64>,
    /// The running estimate of its keys' time to live in ms, from the keys active expiry
    /// samples (`avg_ttl` in `INFO keyspace`).
    pub avg_ttl: i64,
}

impl Db {
    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }
}

/// Counters the keyspace keeps for `INFO`.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyStats {
    pub expired_keys: u64,
    pub hits: u64,
    pub misses: u64,
}

/// A client watching a key (`watchedKey`).
#[derive(Debug, Clone, Copy)]
struct Watcher {
    client: u64,
    /// The key was expired, though not deleted, when the client watched it.
    expired: bool,
}

pub struct Keyspace {
    pub dbs: Vec<Db>,
    /// The time commands see, in Unix milliseconds: set once per command (and once per script,
    /// so a script sees one instant throughout, as in Redis).
    pub now_ms: i64,
    /// Set while a script runs.
    pub time_frozen: bool,
    /// Writes since the last save.
    pub dirty: u64,
    /// Writes ever made (never reset): a command changed the dataset when this moved.
    pub changes: u64,
    /// Keys expiry or eviction deleted, while the append-only file wants them (it logs a DEL).
    pub record_deletions: bool,
    /// This server follows a primary, which decides when keys expire (Redis's
    /// `expireIfNeeded` on a replica): a key past its time reads as missing but stays until
    /// the primary's DEL arrives, and the primary's own stream still sees it.
    pub replica: bool,
    /// Clients are paused (`CLIENT PAUSE`, a failover): the dataset is kept as it is, so a
    /// key past its time reads as missing but is not deleted until the pause ends.
    pub expiry_paused: bool,
    /// The primary's stream is running now.
    pub obeying_primary: bool,
    /// The append-only file is being loaded: keys past their time are neither expired nor
    /// deleted when given a past time.
    pub loading: bool,
    /// On a writable replica: keys its own clients gave an expiry time, which the replica
    /// expires itself (its primary knows nothing of them: Redis's `slaveKeysWithExpire`).
    pub replica_keys_with_expire: std::collections::HashSet<(usize, Vec<u8>)>,
    pub deletions: Vec<(usize, Vec<u8>)>,
    pub stats: KeyStats,
    /// Clients blocked on each (db, key), first come first served, and the keys written since
    /// they were last served.
    blockers: HashMap<(usize, Vec<u8>), std::collections::VecDeque<u64>>,
    pub ready_keys: Vec<(usize, Vec<u8>)>,
    /// `notify-keyspace-events` as bits, and the events waiting to be published.
    pub notify_flags: u32,
    pub events: Vec<notify::Event>,
    /// Clients watching each (db, key), in the order they began, each with whether the key
    /// was already expired (but not yet deleted) when it did; and the clients whose watched
    /// keys changed.
    watchers: HashMap<(usize, Vec<u8>), Vec<Watcher>>,
    dirty_watchers: HashSet<u64>,
    /// Client-side caching: who may cache which keys, and the invalidations to send.
    pub tracking: tracking::Tracking,
}

impl Keyspace {
    pub fn new(databases: usize) -> Self {
        Keyspace {
            dbs: (0..databases).map(|_| Db::default()).collect(),
            now_ms: now_ms(),
            time_frozen: false,
            dirty: 0,
            changes: 0,
            record_deletions: false,
            replica: false,
            replica_keys_with_expire: std::collections::HashSet::new(),
            expiry_paused: false,
            obeying_primary: false,
            loading: false,
            deletions: Vec::new(),
            stats: KeyStats::default(),
            watchers: HashMap::new(),
            dirty_watchers: HashSet::new(),
            blockers: HashMap::new(),
            tracking: tracking::Tracking::default(),
            ready_keys: Vec::new(),
            notify_flags: 0,
            events: Vec::new(),
        }
    }

    pub fn refresh_time(&mut self) {
        self.now_ms = now_ms();
        access::set_clock(self.now_ms);
    }

    /// Take the time for a command, unless a script runs: a script sees one instant.
    pub fn refresh_time_unless_script(&mut self) {
        if !self.time_frozen {
            self.refresh_time();
        }
    }

    /// Seconds since `key` was last used (`OBJECT IDLETIME`), if it exists; expires nothing.
    pub fn idle_seconds(&self, db: usize, key: &[u8]) -> Option<u64> {
        self.dbs[db].keys.access(key).map(access::idle_seconds)
    }

    /// `key`'s LFU use counter, decayed (`OBJECT FREQ`), if it exists.
    pub fn frequency(&self, db: usize, key: &[u8]) -> Option<u32> {
        self.dbs[db].keys.access(key).map(access::frequency)
    }

    /// Make `key` look unused for `seconds` (`RESTORE ... IDLETIME`).
    pub fn set_idle_seconds(&mut self, db: usize, key: &[u8], seconds: u64) {
        let field = access::with_idle_seconds(seconds);
        self.dbs[db].keys.set_access(key, field);
    }

    /// Give `key` the LFU use counter `counter` (`RESTORE ... FREQ`).
    pub fn set_frequency(&mut self, db: usize, key: &[u8], counter: u8) {
        self.dbs[db]
            .keys
            .set_access(key, access::with_frequency(counter));
    }

    /// Whether `key`'s time has passed (the key is then gone, or hidden on a replica); see
    /// [`Keyspace::expire_check`].
    fn expire_if_needed(&mut self, db: usize, key: &[u8]) -> bool {
        self.expire_check(db, key, false)
    }

    /// Whether `key` is past its expiry time, deleting it unless this is a replica (see
    /// [`Keyspace::replica`]): a replica keeps it, hidden, except for a write (`force`), and
    /// its primary's stream sees it as live.
    fn expire_check(&mut self, db: usize, key: &[u8], force: bool) -> bool {
        let d = &mut self.dbs[db];
        if d.expires.is_empty() {
            return false;
        }
        match d.expires.get(key) {
            Some(&when) if when <= self.now_ms => {
                if self.loading {
                    return false;
                }
                if self.replica {
                    if self.obeying_primary {
                        return false;
                    }
                    if !force {
                        return true;
                    }
                }
                if self.expiry_paused {
                    return true;
                }
                d.expires.remove(key);
                d.keys.remove(key);
                self.stats.expired_keys += 1;
                if self.record_deletions {
                    self.deletions.push((db, key.to_vec()));
                }
                self.touch_watched(db, key);
                self.tracking.invalidate(key, 0);
                self.notify(notify::class::EXPIRED, "expired", db, key);
                true
            }
            _ => false,
        }
    }

    /// Start loading into the cache what looking up `keys` in database `db` will read (their
    /// buckets, then their entries, and the same in the expiry table when keys have times):
    /// the server calls this for a batch of pipelined requests before running them.
    pub fn prefetch(&self, db: usize, keys: &[&[u8]]) {
        let Some(d) = self.dbs.get(db) else {
            return;
        };
        let with_expires = !d.expires.is_empty();
        let hashes: SmallVec<[(usize, usize); 64]> = keys
            .iter()
            .map(|key| {
                let hash = d.keys.hash(key);
                d.keys.prefetch_bucket(hash);
                let expiry_hash = if with_expires {
                    let expiry_hash = d.expires.hash(key);
                    d.expires.prefetch_bucket(expiry_hash);
                    expiry_hash
                } else {
                    0
                };
                (hash, expiry_hash)
            })
            .collect();
        for &(hash, expiry_hash) in &hashes {
            d.keys.prefetch_entry(hash);
            if with_expires {
                d.expires.prefetch_entry(expiry_hash);
            }
        }
    }

    /// The value of a live key (expiring it first if due), counting a hit or a miss, and
    /// noting the use for LRU.
    pub fn read(&mut self, db: usize, key: &[u8]) -> Option<&Value> {
        self.read_with(db, key, true)
    }

    /// [`Keyspace::read`] that leaves the key's access time alone (`OBJECT`, `TYPE`: Redis's
    /// `LOOKUP_NOTOUCH`).
    pub fn read_untouched(&mut self, db: usize, key: &[u8]) -> Option<&Value> {
        self.read_with(db, key, false)
    }

    fn read_with(&mut self, db: usize, key: &[u8], touch: bool) -> Option<&Value> {
        if self.expire_if_needed(db, key) {
            self.stats.misses += 1;
            return None;
        }
        let keys = &self.dbs[db].keys;
        let found = if touch {
            keys.get_touched(key)
        } else {
            keys.get(key)
        };
        if found.is_some() {
            self.stats.hits += 1;
        } else {
            self.stats.misses += 1;
        }
        found
    }

    /// Move the value at `key` out for a while (its slot holds an empty string meanwhile);
    /// [`Keyspace::put_value`] puts it back. Nothing is notified or expired.
    pub fn take_value(&mut self, db: usize, key: &[u8]) -> Option<Value> {
        let slot = self.dbs[db].keys.get_mut(key)?;
        Some(std::mem::replace(slot, Value::string(b"")))
    }

    pub fn put_value(&mut self, db: usize, key: &[u8], value: Value) {
        if let Some(slot) = self.dbs[db].keys.get_mut(key) {
            *slot = value;
        }
    }

    /// The value stored at `key`, expired or not, changing nothing (`DEBUG OBJECT`).
    pub fn peek(&self, db: usize, key: &[u8]) -> Option<&Value> {
        self.dbs[db].keys.get(key)
    }

    /// The value of a live key for a write (no hit/miss counting).
    pub fn write(&mut self, db: usize, key: &[u8]) -> Option<&mut Value> {
        self.expire_check(db, key, true);
        self.dbs[db].keys.get_mut_touched(key)
    }

    /// One step of an unfinished rehash of the collection at `key`, as Redis's dict lookups
    /// and random picks do (`_dictRehashStep`): a set read only by SRANDMEMBER still
    /// finishes growing or shrinking.
    pub fn rehash_value_step(&mut self, db: usize, key: &[u8]) {
        match self.dbs[db].keys.get_mut(key) {
            Some(Value::Set(set)) => set.rehash_step(),
            Some(Value::Hash(hash)) => hash.rehash_step(),
            Some(Value::ZSet(zset)) => zset.rehash_step(),
            _ => {}
        }
    }

    pub fn exists(&mut self, db: usize, key: &[u8]) -> bool {
        !self.expire_if_needed(db, key) && self.dbs[db].keys.contains_key(key)
    }

    /// Add `value` at `key`, which does not exist, without counting a change: for a command
    /// that counts its own changes right after (SETBIT and BITFIELD creating their string).
    pub fn add_uncounted(&mut self, db: usize, key: &[u8], value: Value) {
        self.dbs[db].keys.insert_new(key, value);
        self.notify(notify::class::NEW, "new", db, key);
    }

    /// Store `value` at `key`, dropping any expiry time unless `keep_ttl` (Redis's `setKey`).
    pub fn set(&mut self, db: usize, key: &[u8], value: Value, keep_ttl: bool) {
        self.expire_check(db, key, true);
        let d = &mut self.dbs[db];
        match d.keys.get_mut_touched(key) {
            Some(slot) => *slot = value,
            None => {
                d.keys.insert_new(key, value);
                self.notify(notify::class::NEW, "new", db, key);
            }
        }
        let d = &mut self.dbs[db];
        if !keep_ttl && !d.expires.is_empty() {
            d.expires.remove(key);
        }
        self.modified(db, key);
    }

    /// Remove a key; its value if it was live.
    pub fn delete(&mut self, db: usize, key: &[u8]) -> Option<Value> {
        if self.expire_check(db, key, true) {
            return None;
        }
        let d = &mut self.dbs[db];
        let (_, value) = d.keys.remove(key)?;
        d.expires.remove(key);
        self.modified(db, key);
        Some(value)
    }

    /// Take a key out without telling its watchers or trackers yet (eviction measures the
    /// memory this alone gives back, then calls [`Keyspace::modified`]).
    pub fn remove_quietly(&mut self, db: usize, key: &[u8]) -> Option<Value> {
        let d = &mut self.dbs[db];
        let (_, value) = d.keys.remove(key)?;
        d.expires.remove(key);
        Some(value)
    }

    /// The expiry time of a live key, if it has one.
    pub fn expire_time(&self, db: usize, key: &[u8]) -> Option<i64> {
        self.dbs[db].expires.get(key).copied()
    }

    /// Give an existing key an expiry time. A time already past deletes the key (as a `DEL`
    /// would); returns whether it was deleted.
    pub fn set_expire(&mut self, db: usize, key: &[u8], when_ms: i64) -> bool {
        if when_ms <= self.now_ms && !self.loading {
            self.delete(db, key);
            return true;
        }
        let d = &mut self.dbs[db];
        match d.expires.get_mut(key) {
            Some(slot) => *slot = when_ms,
            None => d.expires.insert_new(key, when_ms),
        }
        if self.replica && !self.obeying_primary {
            self.replica_keys_with_expire.insert((db, key.to_vec()));
        }
        self.modified(db, key);
        false
    }

    /// A replica's periodic expiry of the keys its own clients gave a time (Redis's
    /// `expireSlaveKeys`): those past it are deleted; those that lost their time or are gone
    /// are forgotten.
    pub fn expire_replica_keys(&mut self) {
        if self.replica_keys_with_expire.is_empty() {
            return;
        }
        self.refresh_time();
        let tracked: Vec<(usize, Vec<u8>)> = self.replica_keys_with_expire.drain().collect();
        for (db, key) in tracked {
            let Some(&when) = self.dbs.get(db).and_then(|d| d.expires.get(&key)) else {
                continue;
            };
            if when <= self.now_ms {
                self.expire_check(db, &key, true);
            } else {
                self.replica_keys_with_expire.insert((db, key));
            }
        }
    }

    /// Drop a key's expiry time; whether it had one.
    pub fn persist(&mut self, db: usize, key: &[u8]) -> bool {
        let removed = self.dbs[db].expires.remove(key).is_some();
        if removed {
            self.modified(db, key);
        }
        removed
    }

    /// A key was written: count it, tell its watchers, and wake clients blocked on it.
    pub fn modified(&mut self, db: usize, key: &[u8]) {
        self.modified_counting(db, key, 1);
    }

    /// A key was written by a command that counts `writes` changes (what Redis adds to
    /// `server.dirty`: the elements a push added, the members a removal took, ...). A command
    /// that counted none still tells the key's watchers, but is not propagated.
    pub fn modified_counting(&mut self, db: usize, key: &[u8], writes: u64) {
        self.count_writes(writes);
        self.signal_modified(db, key);
    }

    /// Count the changes made since `before` (a reading of `dirty`) as exactly `writes`: for
    /// a command whose steps each count themselves (a rename's deletion, addition and expiry
    /// time) where Redis counts the whole command once.
    pub fn recount_writes_since(&mut self, before: u64, writes: u64) {
        self.dirty = before + writes;
    }

    /// Count `writes` changes made by the running command, without naming a key: what
    /// `rdb_changes_since_last_save` reports and save points wait for; any change at all
    /// makes the command propagated.
    pub fn count_writes(&mut self, writes: u64) {
        self.dirty += writes;
        self.changes += u64::from(writes > 0);
    }

    /// Tell a written key's watchers, trackers and blocked clients, without counting a change
    /// (Redis's `signalModifiedKey`, for DEBUG POPULATE).
    pub fn signal_modified(&mut self, db: usize, key: &[u8]) {
        self.touch_watched(db, key);
        // A script's changes are made by its own client, not the caller, for NOLOOP.
        let changed_by = if self.time_frozen {
            0
        } else {
            self.tracking.current
        };
        self.tracking.invalidate(key, changed_by);
        self.signal_ready(db, key);
    }

    /// Wake the clients blocked on `key` without telling its watchers or trackers (Redis's
    /// `signalKeyAsReady` alone, as XGROUP DESTROY calls it).
    pub fn signal_ready(&mut self, db: usize, key: &[u8]) {
        if !self.blockers.is_empty() {
            let entry = (db, key.to_vec());
            if self.blockers.contains_key(&entry) && !self.ready_keys.contains(&entry) {
                self.ready_keys.push(entry);
            }
        }
    }

    /// Whether `key` of `db` holds a stream (looked at without counting a hit or a miss).
    pub fn holds_stream(&self, db: usize, key: &[u8]) -> bool {
        matches!(self.dbs[db].keys.get(key), Some(Value::Stream(_)))
    }

    /// The keys of `db` that clients are blocked on and that hold a stream, in key order.
    pub fn blocked_streams(&self, db: usize) -> Vec<Vec<u8>> {
        let mut keys: Vec<Vec<u8>> = self
            .blockers
            .keys()
            .filter(|(d, key)| *d == db && self.holds_stream(db, key))
            .map(|(_, key)| key.clone())
            .collect();
        keys.sort();
        keys
    }

    /// Queue `key` of `db` for the clients blocked on it to be looked at again.
    pub fn mark_ready(&mut self, db: usize, key: Vec<u8>) {
        let entry = (db, key);
        if !self.ready_keys.contains(&entry) {
            self.ready_keys.push(entry);
        }
    }

    /// Every key of `db` that clients are blocked on and that holds a value is ready (after
    /// SWAPDB), taken in key order (Redis walks its table of blocked keys).
    pub fn signal_ready_in_db(&mut self, db: usize) {
        let mut ready: Vec<(usize, Vec<u8>)> = self
            .blockers
            .keys()
            .filter(|(d, key)| *d == db && self.dbs[db].keys.contains_key(key))
            .cloned()
            .collect();
        ready.sort();
        for entry in ready {
            if !self.ready_keys.contains(&entry) {
                self.ready_keys.push(entry);
            }
        }
    }

    /// Queue a keyspace notification of `class` (see [`notify::class`]) if it is enabled.
    pub fn notify(&mut self, class: u32, event: &'static str, db: usize, key: &[u8]) {
        let flags = self.notify_flags;
        if flags & (notify::class::KEYSPACE | notify::class::KEYEVENT) == 0 || flags & class == 0 {
            return;
        }
        self.events.push(notify::Event {
            db,
            event,
            key: key.to_vec(),
        });
    }

    /// `client` waits for data at `key`.
    pub fn block(&mut self, client: u64, db: usize, key: &[u8]) {
        self.blockers
            .entry((db, key.to_vec()))
            .or_default()
            .push_back(client);
    }

    pub fn unblock(&mut self, client: u64, db: usize, key: &[u8]) {
        let entry = (db, key.to_vec());
        if let Some(queue) = self.blockers.get_mut(&entry) {
            queue.retain(|&c| c != client);
            if queue.is_empty() {
                self.blockers.remove(&entry);
            }
        }
    }

    /// The clients blocked on `key`, in the order they blocked.
    pub fn blocked_on(&self, db: usize, key: &[u8]) -> Vec<u64> {
        self.blockers
            .get(&(db, key.to_vec()))
            .map(|q| q.iter().copied().collect())
            .unwrap_or_default()
    }

    /// A watched key changed (`touchWatchedKey`): its watchers' next EXEC fails, except for a
    /// key that was already expired when watched and is now deleted (logically no change; the
    /// flag is cleared). A watcher of an expired key that still exists stops the walk over the
    /// rest, as in Redis 7.0.
    fn touch_watched(&mut self, db: usize, key: &[u8]) {
        if self.watchers.is_empty() {
            return;
        }
        let Some(watchers) = self.watchers.get_mut(&(db, key.to_vec())) else {
            return;
        };
        // Looked up only for a watcher of an expired key (the common case needs no lookup).
        let keys = &self.dbs[db].keys;
        let mut present = None;
        for w in watchers.iter_mut() {
            if w.expired {
                if !*present.get_or_insert_with(|| keys.contains_key(key)) {
                    w.expired = false;
                    continue;
                }
                break;
            }
            self.dirty_watchers.insert(w.client);
        }
    }

    /// Whether `key` has an expiry time that has passed (it may not be deleted yet).
    fn is_expired(&self, db: usize, key: &[u8]) -> bool {
        self.dbs[db]
            .expires
            .get(key)
            .is_some_and(|&when| when <= self.now_ms)
    }

    /// Database `emptied` is about to be flushed (or swapped with `replaced_with`): watchers
    /// of keys that exist there, or will after a swap, see a change, except where an expired
    /// key is only deleted or stays expired (`touchAllWatchedKeysInDb`).
    pub fn touch_watched_in_db(&mut self, emptied: usize, replaced_with: Option<usize>) {
        self.refresh_time_unless_script();
        let keys: Vec<Vec<u8>> = self
            .watchers
            .keys()
            .filter(|(d, _)| *d == emptied)
            .map(|(_, k)| k.clone())
            .collect();
        for key in keys {
            let exists_in_emptied = self.dbs[emptied].keys.contains_key(&key);
            let in_replacement = replaced_with.filter(|&r| self.dbs[r].keys.contains_key(&key));
            if !exists_in_emptied && in_replacement.is_none() {
                continue;
            }
            let replacement_expired = in_replacement.is_some_and(|r| self.is_expired(r, &key));
            let Some(watchers) = self.watchers.get_mut(&(emptied, key)) else {
                continue;
            };
            for w in watchers.iter_mut() {
                if w.expired {
                    if in_replacement.is_none() {
                        // An expired key now deleted: no logical change.
                        w.expired = false;
                        continue;
                    } else if replacement_expired {
                        // An expired key stays expired.
                        continue;
                    }
                } else if !exists_in_emptied && replacement_expired {
                    // No key replaced with an expired one.
                    w.expired = true;
                    continue;
                }
                self.dirty_watchers.insert(w.client);
            }
        }
    }

    /// `client` watches `key` (`watchForKey`), noting whether it is already expired.
    pub fn watch(&mut self, client: u64, db: usize, key: &[u8]) {
        self.refresh_time_unless_script();
        let expired = self.is_expired(db, key);
        let list = self.watchers.entry((db, key.to_vec())).or_default();
        if !list.iter().any(|w| w.client == client) {
            list.push(Watcher { client, expired });
        }
    }

    /// Whether a key `client` watches has expired since it was watched (EXEC then fails:
    /// `isWatchedKeyExpired`).
    pub fn watched_key_expired(&mut self, client: u64, keys: &[(usize, Vec<u8>)]) -> bool {
        self.refresh_time_unless_script();
        keys.iter().any(|(db, key)| {
            // The flag is looked up only for a key that has expired.
            self.is_expired(*db, key)
                && !self
                    .watchers
                    .get(&(*db, key.clone()))
                    .and_then(|list| list.iter().find(|w| w.client == client))
                    .is_some_and(|w| w.expired)
        })
    }

    /// Stop `client` watching anything; whether any of its keys had changed.
    pub fn unwatch_all(&mut self, client: u64, keys: &[(usize, Vec<u8>)]) -> bool {
        for (db, key) in keys {
            let entry = (*db, key.clone());
            if let Some(list) = self.watchers.get_mut(&entry) {
                list.retain(|w| w.client != client);
                if list.is_empty() {
                    self.watchers.remove(&entry);
                }
            }
        }
        self.dirty_watchers.remove(&client)
    }

    pub fn watched_key_changed(&self, client: u64) -> bool {
        self.dirty_watchers.contains(&client)
    }

    /// Empty database `db`; what it held, for the caller to free (now or on the lazyfree
    /// thread).
    pub fn flush_db(&mut self, db: usize) -> Db {
        let old = self.empty_db(db);
        self.tracking.flushed();
        old
    }

    /// Empty every database; what they held.
    pub fn flush_all(&mut self) -> Vec<Db> {
        let old = (0..self.dbs.len()).map(|db| self.empty_db(db)).collect();
        self.tracking.flushed();
        old
    }

    fn empty_db(&mut self, db: usize) -> Db {
        self.touch_watched_in_db(db, None);
        // Clients blocked in XREADGROUP on a stream that goes are answered (Redis's
        // `scanDatabaseForDeletedStreams`).
        for key in self.blocked_streams(db) {
            self.mark_ready(db, key);
        }
        self.dirty += self.dbs[db].len() as u64;
        self.changes += self.dbs[db].len() as u64;
        std::mem::take(&mut self.dbs[db])
    }

    /// Keys in every database.
    pub fn total_keys(&self) -> usize {
        self.dbs.iter().map(Db::len).sum()
    }

    /// One round of active expiry in each database: sample keys with a time, delete those
    /// due, and go on while more than a quarter of a sample was due (Redis's
    /// `activeExpireCycle`), within `budget`.
    pub fn active_expire(&mut self, budget: std::time::Duration, mut random: impl FnMut() -> u64) {
        const SAMPLE: usize = 20;
        let start = std::time::Instant::now();
        self.refresh_time();
        for db in 0..self.dbs.len() {
            loop {
                let d = &self.dbs[db];
                if d.expires.is_empty() {
                    self.dbs[db].avg_ttl = 0;
                    break;
                }
                let mut due = Vec::new();
                let (mut ttl_sum, mut ttl_samples) = (0i64, 0i64);
                for _ in 0..SAMPLE.min(d.expires.len()) {
                    if let Some((key, &when)) = d.expires.random_entry(&mut random) {
                        let ttl = when - self.now_ms;
                        if ttl > 0 {
                            ttl_sum += ttl;
                            ttl_samples += 1;
                        } else if !due.iter().any(|k: &Vec<u8>| k == key) {
                            due.push(key.to_vec());
                        }
                    }
                }
                // Redis's running average: the sample weighs 2%, the estimate 98%.
                if ttl_samples > 0 {
                    let sampled = ttl_sum / ttl_samples;
                    let d = &mut self.dbs[db];
                    if d.avg_ttl == 0 {
                        d.avg_ttl = sampled;
                    }
                    d.avg_ttl = (d.avg_ttl / 50) * 49 + sampled / 50;
                }
                let count = due.len();
                for key in due {
                    self.expire_if_needed(db, &key);
                }
                if count * 4 <= SAMPLE || start.elapsed() >= budget {
                    break;
                }
            }
        }
    }

    /// Work on incremental rehashing (the periodic task's `activerehashing`) and shrink
    /// tables left sparse by deletions.
    pub fn rehash_step(&mut self, budget: std::time::Duration) {
        for d in &mut self.dbs {
            d.keys.shrink_if_sparse();
            d.expires.shrink_if_sparse();
            if d.keys.is_rehashing() {
                d.keys.rehash_for(budget);
            }
            if d.expires.is_rehashing() {
                d.expires.rehash_for(budget);
            }
        }
    }
}

/// The current Unix time in milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

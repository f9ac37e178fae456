//! Client memory and client eviction (`maxmemory-clients`).
//!
//! A client's memory is counted as Redis counts it (`getClientMemoryUsage`, `tot-mem` in
//! `CLIENT LIST`): its query buffer, its fixed reply buffer and the output beyond it, the
//! arguments it holds, its queued transaction and watched keys, its subscriptions and its
//! tracking prefixes. When `maxmemory-clients` is set, the memory of every normal and pub/sub
//! client is kept measured as it changes (each command, each read and write); when their sum
//! reaches the limit, the largest evictable clients are closed first (by power-of-two size
//! class, Redis's buckets, then oldest first) until the sum is under it. Clients with
//! `CLIENT NO-EVICT on`, replicas and the primary are counted or ignored as Redis does, never
//! evicted.

use crate::client::Client;
use crate::server::Server;

/// The smallest effective limit, so a bad setting cannot cut every client off.
const MIN_LIMIT: usize = 128 * 1024;
/// Size classes: clients below 2^15 bytes share the smallest, above 2^33 the largest.
const BUCKET_MIN_LOG: u32 = 15;
const BUCKET_MAX_LOG: u32 = 33;

/// Per-entry sizes of Redis's structures that a client's memory includes.
const POINTER: usize = 8;
/// A watched key's list node and record.
const WATCHED_KEY: usize = 24 + 32;
/// A queued command's record (`multiCmd`).
const QUEUED_COMMAND: usize = 24;
/// A pattern's list node; a channel's dictionary entry.
const LIST_NODE: usize = 24;
const DICT_ENTRY: usize = 24;
/// A tracking prefix's radix-tree nodes (about two per prefix), each counted as Redis counts
/// one (`sizeof(raxNode) * sizeof(raxNode*)`).
const PREFIX_NODES: usize = 2 * 4 * POINTER;

/// A client's memory, part by part.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub query_len: usize,
    pub query_capacity: usize,
    /// The queued transaction's arguments (`multi-mem`).
    pub multi: usize,
    /// Reply bytes not yet sent, and those beyond the fixed buffer (`omem`).
    pub pending: usize,
    pub output: usize,
    /// Everything (`tot-mem`).
    pub total: usize,
}

/// Measure a client's memory.
pub fn usage(server: &Server, client: &Client) -> Usage {
    let (query_len, query_capacity) = crate::net::query_buffer(server, client);
    let multi: usize = client.multi.as_ref().map_or(0, |m| {
        m.queued
            .iter()
            .map(|argv| argv.iter().map(Vec::len).sum::<usize>() + POINTER * argv.len())
            .sum()
    });
    // Redis reserves queued-command records two at a time, then doubling.
    let queued = client.multi.as_ref().map_or(0, |m| m.queued.len());
    let queue_records = if queued == 0 {
        0
    } else {
        queued.next_power_of_two().max(2) * QUEUED_COMMAND
    };
    let pending = crate::net::pending_output(server, client);
    let output = pending.saturating_sub(client.reply_buffer.size);
    let prefixes = server
        .keyspace
        .tracking
        .mode(client.id)
        .map_or(0, |m| m.prefixes.len());
    // The arguments of a command running from the query buffer are inside it; those of a
    // blocked command are a copy of their own.
    let argv = if client.query_in_flight.is_some() {
        0
    } else {
        client.argv_mem
    };
    let total = std::mem::size_of::<Client>()
        + query_capacity
        + client.reply_buffer.size
        + argv
        + multi
        + queue_records
        + client.watched.len() * WATCHED_KEY
        + client.patterns.len() * LIST_NODE
        + channel_dict(client.channels.len())
        + channel_dict(client.shard_channels.len())
        + prefixes * PREFIX_NODES
        + output;
    Usage {
        query_len,
        query_capacity,
        multi,
        pending,
        output,
        total,
    }
}

/// A dictionary of `n` channels: its entries and its power-of-two table of slots.
fn channel_dict(n: usize) -> usize {
    if n == 0 {
        return 0;
    }
    n * DICT_ENTRY + n.next_power_of_two().max(4) * POINTER
}

/// The measured memory of the clients that count toward the limit.
#[derive(Debug, Default)]
pub struct ClientMemory {
    measured: crate::util::IdMap<usize>,
    total: usize,
}

impl ClientMemory {
    fn set(&mut self, id: u64, bytes: usize) {
        let old = self.measured.insert(id, bytes).unwrap_or(0);
        self.total = self.total - old + bytes;
    }

    /// Stop counting a client (closed, or no longer of a counted kind).
    pub fn forget(&mut self, id: u64) {
        if let Some(old) = self.measured.remove(&id) {
            self.total -= old;
        }
    }

    fn clear(&mut self) {
        self.measured.clear();
        self.total = 0;
    }
}

/// The limit in bytes, 0 when eviction is off: `maxmemory-clients` as bytes, or as a
/// percentage of `maxmemory` (off while `maxmemory` is 0), never under 128 KB.
pub fn limit(server: &Server) -> usize {
    let setting = server.config.settings.maxmemory_clients;
    let bytes = if setting < 0 {
        let maxmemory = server.config.settings.maxmemory;
        if maxmemory == 0 {
            return 0;
        }
        (maxmemory as f64 * -(setting as f64) / 100.0) as usize
    } else if setting > 0 {
        setting as usize
    } else {
        return 0;
    };
    bytes.max(MIN_LIMIT)
}

/// Whether client eviction is on (the only case in which memory is tracked).
pub fn enabled(server: &Server) -> bool {
    server.config.settings.maxmemory_clients != 0
}

/// Normal and pub/sub clients count toward the limit; replicas and the primary do not, nor a
/// client already on its way out.
fn counted(client: &Client) -> bool {
    !client.is_replica && !client.is_master && !client.close_asap
}

fn evictable(client: &Client) -> bool {
    counted(client) && !client.no_evict
}

/// What measuring a client again means for the count.
enum Measure {
    Set(usize),
    Keep,
    Forget,
}

/// As in Redis, a client with `NO-EVICT` keeps the measure the periodic task last took of it.
fn remeasure(server: &Server, client: &Client) -> Measure {
    if evictable(client) {
        Measure::Set(usage(server, client).total)
    } else if counted(client) {
        Measure::Keep
    } else {
        Measure::Forget
    }
}

fn apply(memory: &mut ClientMemory, id: u64, measure: Measure) {
    match measure {
        Measure::Set(bytes) => memory.set(id, bytes),
        Measure::Keep => {}
        Measure::Forget => memory.forget(id),
    }
}

/// Measure a client again after its buffers changed (one out of the client table, running a
/// command).
pub fn track(server: &mut Server, client: &Client) {
    if enabled(server) {
        let measure = remeasure(server, client);
        apply(&mut server.client_memory, client.id, measure);
    }
}

/// Measure a client again before its command runs, if it is counted already (as Redis, which
/// counts a client from the end of its first command or read on).
pub fn track_counted(server: &mut Server, client: &Client) {
    if server.client_memory.measured.contains_key(&client.id) {
        track(server, client);
    }
}

/// Measure client `id` again, if it is still connected.
pub fn track_id(server: &mut Server, id: u64) {
    if !enabled(server) {
        return;
    }
    if let Some(client) = server.clients.get(&id) {
        let measure = remeasure(server, client);
        apply(&mut server.client_memory, id, measure);
    }
}

/// Measure every client (`maxmemory-clients` changed, and the periodic task); forget them all
/// when eviction is off.
pub fn track_all(server: &mut Server) {
    if !enabled(server) {
        server.client_memory.clear();
        return;
    }
    let measured: Vec<(u64, Measure)> = server
        .clients
        .values()
        .map(|c| {
            let measure = match counted(c) {
                true => Measure::Set(usage(server, c).total),
                false => Measure::Forget,
            };
            (c.id, measure)
        })
        .collect();
    for (id, measure) in measured {
        apply(&mut server.client_memory, id, measure);
    }
}

/// A client's size class (log2 of its memory, clamped to Redis's bucket range).
fn bucket(bytes: usize) -> u32 {
    let bits = usize::BITS - bytes.leading_zeros();
    bits.clamp(BUCKET_MIN_LOG, BUCKET_MAX_LOG)
}

/// `DEBUG CLIENT-EVICTION`: each size class's evictable clients and their memory, in Redis's
/// layout; `None` when eviction is off. `current` is the client asking (out of the table).
pub fn bucket_report(server: &Server, current: &Client) -> Option<String> {
    if !enabled(server) {
        return None;
    }
    let classes = (BUCKET_MAX_LOG - BUCKET_MIN_LOG + 1) as usize;
    let mut sums = vec![(0usize, 0usize); classes];
    let clients = server.clients.values().chain(std::iter::once(current));
    for client in clients.filter(|c| evictable(c)) {
        if let Some(&bytes) = server.client_memory.measured.get(&client.id) {
            let class = &mut sums[(bucket(bytes) - BUCKET_MIN_LOG) as usize];
            class.0 += bytes;
            class.1 += 1;
        }
    }
    let mut text = String::new();
    for (j, (bytes, count)) in sums.iter().enumerate() {
        let log = BUCKET_MIN_LOG as usize + j;
        if j == 0 {
            text.push_str("bucket          0");
        } else {
            text.push_str(&format!("bucket {:>10}", 1usize << (log - 1)));
        }
        if j == classes - 1 {
            text.push_str("+            : ");
        } else {
            text.push_str(&format!(" - {:>10}: ", (1usize << log) - 1));
        }
        text.push_str(&format!("tot-mem: {bytes:>10}, clients: {count}\n"));
    }
    Some(text)
}

/// Close clients, largest first, while the counted memory is at or over the limit.
/// `current` is the client whose command is about to run (it is out of the client table);
/// returns whether it was chosen (it is then marked to close, and its command must not run).
pub fn evict(server: &mut Server, mut current: Option<&mut Client>) -> bool {
    let limit = limit(server);
    if limit == 0 || server.client_memory.total < limit {
        return false;
    }
    let measured = &server.client_memory.measured;
    let size = |id: u64| measured.get(&id).copied().unwrap_or(0);
    let mut candidates: Vec<(u32, u64)> = server
        .clients
        .values()
        .filter(|c| evictable(c))
        .map(|c| (bucket(size(c.id)), c.id))
        .collect();
    if let Some(c) = current.as_deref().filter(|c| evictable(c)) {
        candidates.push((bucket(size(c.id)), c.id));
    }
    // Largest class first; within one, the oldest client first.
    candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut evicted_current = false;
    for (_, id) in candidates {
        if server.client_memory.total < limit {
            break;
        }
        let now = std::time::Instant::now();
        match current.as_deref_mut().filter(|c| c.id == id) {
            Some(client) => {
                let info = crate::commands::connection_line(server, client, now);
                server.log_notice(&format!("Evicting client: {info}"));
                client.close_asap = true;
                evicted_current = true;
            }
            None => {
                let Some(client) = server.clients.get(&id) else {
                    continue;
                };
                let info = crate::commands::connection_line(server, client, now);
                server.log_notice(&format!("Evicting client: {info}"));
                crate::net::close_client(server, id);
            }
        }
        server.client_memory.forget(id);
        server.stats.evicted_clients += 1;
    }
    if server.client_memory.total >= limit {
        server.log_warning("Over client maxmemory after evicting all evictable clients");
    }
    evicted_current
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_classes_are_powers_of_two_within_redis_range() {
        assert_eq!(bucket(0), BUCKET_MIN_LOG);
        assert_eq!(bucket(40_000), 16);
        assert_eq!(bucket(65_535), 16);
        assert_eq!(bucket(65_536), 17);
        assert_eq!(bucket(usize::MAX), BUCKET_MAX_LOG);
    }

    #[test]
    fn the_total_follows_each_clients_latest_measure() {
        let mut memory = ClientMemory::default();
        memory.set(1, 100);
        memory.set(2, 50);
        memory.set(1, 30);
        assert_eq!(memory.total, 80);
        memory.forget(2);
        memory.forget(2);
        assert_eq!(memory.total, 30);
        memory.clear();
        assert_eq!(memory.total, 0);
    }

    #[test]
    fn a_channel_table_has_at_least_four_slots() {
        assert_eq!(channel_dict(0), 0);
        assert_eq!(channel_dict(1), 24 + 4 * 8);
        assert_eq!(channel_dict(5), 5 * 24 + 8 * 8);
    }
}

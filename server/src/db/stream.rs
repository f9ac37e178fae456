//! Streams, laid out as Redis 7.0 lays them out where it shows: entries live in nodes (Redis's
//! listpacks in a radix tree) whose boundaries decide what approximate trimming removes and
//! what XINFO reports, so a node here closes under the same rules (`stream-node-max-entries`,
//! and `stream-node-max-bytes` against the byte size the listpack would have). Deleted entries
//! stay in their node, flagged, until the node empties. Consumer groups keep their pending
//! entries (PEL) and consumers in name order, as Redis's radix trees do.

use std::collections::{BTreeMap, BTreeSet};

/// A stream entry ID: milliseconds and sequence number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct StreamId {
    pub ms: u64,
    pub seq: u64,
}

impl StreamId {
    pub const MIN: StreamId = StreamId { ms: 0, seq: 0 };
    pub const MAX: StreamId = StreamId {
        ms: u64::MAX,
        seq: u64::MAX,
    };

    pub fn new(ms: u64, seq: u64) -> StreamId {
        StreamId { ms, seq }
    }

    /// The next ID, or `None` after the last possible one (`streamIncrID`).
    pub fn next(self) -> Option<StreamId> {
        if self.seq < u64::MAX {
            Some(StreamId::new(self.ms, self.seq + 1))
        } else if self.ms < u64::MAX {
            Some(StreamId::new(self.ms + 1, 0))
        } else {
            None
        }
    }

    /// The previous ID, or `None` before `0-0` (`streamDecrID`).
    pub fn prev(self) -> Option<StreamId> {
        if self.seq > 0 {
            Some(StreamId::new(self.ms, self.seq - 1))
        } else if self.ms > 0 {
            Some(StreamId::new(self.ms - 1, u64::MAX))
        } else {
            None
        }
    }

    pub fn is_zero(self) -> bool {
        self == StreamId::MIN
    }

    /// `ms-seq`, as replies write it.
    pub fn to_bytes(self) -> Vec<u8> {
        let mut text = [0u8; 41];
        self.format(&mut text).to_vec()
    }

    /// Write `<ms>-<seq>` into `text` (two u64s take at most 20 digits each), without
    /// allocating: the bytes written.
    pub fn format(self, text: &mut [u8; 41]) -> &[u8] {
        let (mut ms_digits, mut seq_digits) = (itoa::Buffer::new(), itoa::Buffer::new());
        let ms = ms_digits.format(self.ms).as_bytes();
        let seq = seq_digits.format(self.seq).as_bytes();
        let len = ms.len() + 1 + seq.len();
        text[..ms.len()].copy_from_slice(ms);
        text[ms.len()] = b'-';
        text[ms.len() + 1..len].copy_from_slice(seq);
        &text[..len]
    }

    /// The 128-bit big-endian form Redis keys its radix trees with.
    pub fn key(self) -> [u8; 16] {
        let mut k = [0u8; 16];
        k[..8].copy_from_slice(&self.ms.to_be_bytes());
        k[8..].copy_from_slice(&self.seq.to_be_bytes());
        k
    }
}

/// One entry in a node. Its fields are the node's master fields when `fields` is `None`.
#[derive(Debug, Clone)]
pub struct Entry {
    pub id: StreamId,
    pub fields: Option<Vec<Vec<u8>>>,
    pub values: Vec<Vec<u8>>,
    pub deleted: bool,
}

/// A run of entries sharing a master entry (Redis's listpack under one radix-tree key).
#[derive(Debug, Clone)]
pub struct Node {
    pub master_fields: Vec<Vec<u8>>,
    pub entries: Vec<Entry>,
    pub live: u64,
    pub deleted: u64,
    /// The listpack's bytes apart from its two counters (which change size as they grow).
    body_bytes: usize,
}

impl Node {
    /// A node read back from a snapshot, whose listpack took `listpack_bytes`.
    pub fn loaded(
        master_fields: Vec<Vec<u8>>,
        entries: Vec<Entry>,
        live: u64,
        deleted: u64,
        listpack_bytes: usize,
    ) -> Node {
        let counters = int_size(live as i64) + int_size(deleted as i64);
        Node {
            master_fields,
            entries,
            live,
            deleted,
            body_bytes: listpack_bytes.saturating_sub(counters),
        }
    }

    fn listpack_bytes(&self) -> usize {
        self.body_bytes + int_size(self.live as i64) + int_size(self.deleted as i64)
    }

    fn fields_of<'a>(&'a self, entry: &'a Entry) -> &'a [Vec<u8>] {
        entry.fields.as_deref().unwrap_or(&self.master_fields)
    }

    /// The position of `id` among the entries (deleted ones included).
    fn find(&self, id: StreamId) -> Result<usize, usize> {
        self.entries.binary_search_by(|e| e.id.cmp(&id))
    }
}

/// Bytes a listpack spends on an integer element: its encoding and its back-length.
fn int_size(v: i64) -> usize {
    let encoded = if (0..=127).contains(&v) {
        1
    } else if (-4096..=4095).contains(&v) {
        2
    } else if (-32768..=32767).contains(&v) {
        3
    } else if (-8_388_608..=8_388_607).contains(&v) {
        4
    } else if i32::try_from(v).is_ok() {
        5
    } else {
        9
    };
    encoded + backlen_size(encoded)
}

/// Bytes a listpack spends on a string element (stored as an integer when it reads as one).
fn str_size(s: &[u8]) -> usize {
    if s.len() <= 20 {
        if let Some(v) = crate::util::parse_i64(s) {
            return int_size(v);
        }
    }
    let encoded = if s.len() < 64 {
        1 + s.len()
    } else if s.len() < 4096 {
        2 + s.len()
    } else {
        5 + s.len()
    };
    encoded + backlen_size(encoded)
}

fn backlen_size(len: usize) -> usize {
    match len {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    }
}

/// Listpack header and terminator.
const LISTPACK_OVERHEAD: usize = 7;
/// Redis refuses entries whose fields and values total more than this
/// (`STREAM_LISTPACK_MAX_SIZE`).
pub const MAX_ENTRY_BYTES: usize = 1 << 30;
/// `entries_read` unknown (`SCG_INVALID_ENTRIES_READ`).
pub const INVALID_ENTRIES_READ: i64 = -1;

/// A pending entry: delivered to a consumer and not acknowledged.
#[derive(Debug, Clone)]
pub struct Nack {
    /// `None` for an entry XCLAIM FORCE created before any consumer took it.
    pub consumer: Option<Vec<u8>>,
    pub delivery_time: i64,
    pub delivery_count: u64,
}

#[derive(Debug, Clone, Default)]
pub struct Consumer {
    pub seen_time: i64,
    pub pel: BTreeSet<StreamId>,
}

#[derive(Debug, Clone)]
pub struct Group {
    pub last_id: StreamId,
    pub entries_read: i64,
    pub pel: BTreeMap<StreamId, Nack>,
    pub consumers: BTreeMap<Vec<u8>, Consumer>,
    /// Pending entries changed (delivered, claimed, acknowledged) and consumers created by
    /// the command running now: what the append-only file logs for it.
    pub touched: Vec<StreamId>,
    pub created: Vec<Vec<u8>>,
    /// The command's XCLAIMs carry the group's new position (an XREADGROUP that fills the
    /// pending list): no consumer creation or SETID is logged beside them, as in Redis.
    pub claims_carry_position: bool,
}

impl Group {
    pub fn new(last_id: StreamId, entries_read: i64) -> Group {
        Group {
            last_id,
            entries_read,
            pel: BTreeMap::new(),
            consumers: BTreeMap::new(),
            touched: Vec::new(),
            created: Vec::new(),
            claims_carry_position: false,
        }
    }

    /// Drop pending entry `id` from the group and from its consumer.
    pub fn remove_pending(&mut self, id: StreamId) -> bool {
        let Some(nack) = self.pel.remove(&id) else {
            return false;
        };
        self.touched.push(id);
        if let Some(consumer) = nack.consumer.and_then(|c| self.consumers.get_mut(&c)) {
            consumer.pel.remove(&id);
        }
        true
    }

    /// Hand pending entry `id` to `consumer` (which exists).
    pub fn assign(&mut self, id: StreamId, consumer: &[u8]) {
        let Some(nack) = self.pel.get_mut(&id) else {
            return;
        };
        self.touched.push(id);
        if nack.consumer.as_deref() != Some(consumer) {
            if let Some(old) = nack.consumer.take() {
                if let Some(c) = self.consumers.get_mut(&old) {
                    c.pel.remove(&id);
                }
            }
            nack.consumer = Some(consumer.to_vec());
            if let Some(c) = self.consumers.get_mut(consumer) {
                c.pel.insert(id);
            }
        }
    }
}

/// How XADD/XTRIM trim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trim {
    MaxLen(u64),
    MinId(StreamId),
}

/// An entry as read: its ID and its field/value pairs.
pub type EntryRef<'a> = (StreamId, Vec<(&'a [u8], &'a [u8])>);

#[derive(Debug, Clone, Default)]
pub struct Stream {
    nodes: BTreeMap<StreamId, Node>,
    pub length: u64,
    pub last_id: StreamId,
    /// The first live entry's ID when the stream last changed at its head (`0-0` empty).
    pub first_id: StreamId,
    pub max_deleted_id: StreamId,
    pub entries_added: u64,
    pub groups: BTreeMap<Vec<u8>, Group>,
}

/// Where node boundaries fall (`stream-node-max-bytes`, `stream-node-max-entries`).
#[derive(Debug, Clone, Copy)]
pub struct NodeLimits {
    pub max_bytes: usize,
    pub max_entries: u64,
}

impl Stream {
    pub fn new() -> Stream {
        Stream::default()
    }

    /// The nodes by their master ID, for snapshots.
    pub fn nodes(&self) -> &BTreeMap<StreamId, Node> {
        &self.nodes
    }

    /// Add a node read back from a snapshot (the caller sets the stream's counters).
    pub fn insert_loaded_node(&mut self, master: StreamId, node: Node) {
        self.nodes.insert(master, node);
    }

    /// Listpack nodes (`radix-tree-keys`).
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Nodes of the radix tree holding the node keys (`radix-tree-nodes`), counted for the
    /// compressed tree Redis's rax builds from these keys.
    pub fn radix_tree_nodes(&self) -> usize {
        let keys: Vec<[u8; 16]> = self.nodes.keys().map(|id| id.key()).collect();
        if keys.is_empty() {
            return 1;
        }
        rax_nodes(&keys, 0)
    }

    /// Append an entry with `id` (already checked to be above `last_id`).
    pub fn append(&mut self, id: StreamId, pairs: &[(&[u8], &[u8])], limits: NodeLimits) {
        let total: usize = pairs.iter().map(|(f, v)| f.len() + v.len()).sum();
        let max_bytes = if limits.max_bytes == 0 || limits.max_bytes > MAX_ENTRY_BYTES {
            MAX_ENTRY_BYTES
        } else {
            limits.max_bytes
        };
        let need_node = match self.nodes.values().next_back() {
            None => true,
            Some(tail) => {
                tail.listpack_bytes() + total >= max_bytes
                    || (limits.max_entries != 0 && tail.live + tail.deleted >= limits.max_entries)
            }
        };
        if need_node {
            let master_fields: Vec<Vec<u8>> = pairs.iter().map(|(f, _)| f.to_vec()).collect();
            let body_bytes = LISTPACK_OVERHEAD
                + int_size(master_fields.len() as i64)
                + master_fields.iter().map(|f| str_size(f)).sum::<usize>()
                + int_size(0);
            self.nodes.insert(
                id,
                Node {
                    master_fields,
                    entries: Vec::new(),
                    live: 0,
                    deleted: 0,
                    body_bytes,
                },
            );
        }
        let Some((&master, node)) = self.nodes.iter_mut().next_back() else {
            return;
        };
        let same = node.master_fields.len() == pairs.len()
            && node
                .master_fields
                .iter()
                .zip(pairs)
                .all(|(m, (f, _))| m == f);
        let mut bytes = int_size(if same { 2 } else { 0 })
            + int_size(id.ms.wrapping_sub(master.ms) as i64)
            + int_size(id.seq.wrapping_sub(master.seq) as i64)
            + pairs.iter().map(|(_, v)| str_size(v)).sum::<usize>();
        let mut lp_count = pairs.len() as i64 + 3;
        if !same {
            bytes += int_size(pairs.len() as i64)
                + pairs.iter().map(|(f, _)| str_size(f)).sum::<usize>();
            lp_count += pairs.len() as i64 + 1;
        }
        bytes += int_size(lp_count);
        node.body_bytes += bytes;
        node.live += 1;
        node.entries.push(Entry {
            id,
            fields: (!same).then(|| pairs.iter().map(|(f, _)| f.to_vec()).collect()),
            values: pairs.iter().map(|(_, v)| v.to_vec()).collect(),
            deleted: false,
        });
        self.length += 1;
        self.entries_added += 1;
        self.last_id = id;
        if self.length == 1 {
            self.first_id = id;
        }
    }

    /// Live entries from `start` to `end` (inclusive), backwards with `rev`, at most `count`
    /// (0: all).
    pub fn range(
        &self,
        start: StreamId,
        end: StreamId,
        rev: bool,
        count: usize,
    ) -> Vec<EntryRef<'_>> {
        let mut out = Vec::new();
        if start > end {
            return out;
        }
        fn push<'a>(node: &'a Node, e: &'a Entry, out: &mut Vec<EntryRef<'a>>) {
            let pairs = node
                .fields_of(e)
                .iter()
                .zip(&e.values)
                .map(|(f, v)| (f.as_slice(), v.as_slice()))
                .collect();
            out.push((e.id, pairs));
        }
        // Nodes that can hold IDs in range: the one holding `start`, then later ones.
        let first_node = self
            .nodes
            .range(..=start)
            .next_back()
            .map_or(start, |(k, _)| *k);
        let nodes = self.nodes.range(first_node..=end);
        if rev {
            for (_, node) in nodes.rev() {
                for e in node.entries.iter().rev() {
                    if e.deleted || e.id > end {
                        continue;
                    }
                    if e.id < start {
                        return out;
                    }
                    push(node, e, &mut out);
                    if count != 0 && out.len() >= count {
                        return out;
                    }
                }
            }
        } else {
            for (_, node) in nodes {
                let from = match node.find(start) {
                    Ok(i) | Err(i) => i,
                };
                for e in &node.entries[from..] {
                    if e.id > end {
                        return out;
                    }
                    if e.deleted {
                        continue;
                    }
                    push(node, e, &mut out);
                    if count != 0 && out.len() >= count {
                        return out;
                    }
                }
            }
        }
        out
    }

    /// Whether a live entry `id` exists.
    pub fn contains(&self, id: StreamId) -> bool {
        self.nodes
            .range(..=id)
            .next_back()
            .and_then(|(_, n)| n.find(id).ok().map(|i| !n.entries[i].deleted))
            .unwrap_or(false)
    }

    /// The last live entry's ID (`streamLastValidID`), `0-0` when empty.
    pub fn last_valid_id(&self) -> StreamId {
        self.edge(false)
    }

    /// The first (or last) live entry's ID; `MAX` (or `MIN`) when there is none, as
    /// `streamGetEdgeID` answers.
    fn edge(&self, first: bool) -> StreamId {
        let found = if first {
            self.nodes
                .values()
                .flat_map(|n| n.entries.iter())
                .find(|e| !e.deleted)
        } else {
            self.nodes
                .values()
                .rev()
                .flat_map(|n| n.entries.iter().rev())
                .find(|e| !e.deleted)
        };
        match found {
            Some(e) => e.id,
            None if first => StreamId::MAX,
            None => StreamId::MIN,
        }
    }

    /// The first entry, deleted or not (for the trim argument Redis propagates).
    pub fn first_entry_id(&self) -> StreamId {
        self.edge(true)
    }

    /// Delete entry `id`; whether it was there (`streamDeleteItem`).
    pub fn delete(&mut self, id: StreamId) -> bool {
        let Some((&key, node)) = self.nodes.range_mut(..=id).next_back() else {
            return false;
        };
        let Ok(i) = node.find(id) else {
            return false;
        };
        if node.entries[i].deleted {
            return false;
        }
        if node.live == 1 {
            self.nodes.remove(&key);
        } else {
            node.entries[i].deleted = true;
            node.live -= 1;
            node.deleted += 1;
        }
        self.length -= 1;
        true
    }

    /// After deletions: the recorded first ID follows the head (`0-0` when empty).
    pub fn refresh_first_id(&mut self) {
        self.first_id = if self.length == 0 {
            StreamId::MIN
        } else {
            self.edge(true)
        };
    }

    /// Trim (Redis's `streamTrim`): whole nodes while they fit the bound, then, unless
    /// `approx`, entries of the next node one by one. `limit` (0: none) caps the entries
    /// removed, counted by whole nodes. The number removed.
    pub fn trim(&mut self, how: Trim, approx: bool, limit: u64) -> u64 {
        let mut removed = 0u64;
        let keys: Vec<StreamId> = self.nodes.keys().copied().collect();
        for key in keys {
            if let Trim::MaxLen(max) = how {
                if self.length <= max {
                    break;
                }
            }
            let Some(node) = self.nodes.get(&key) else {
                continue;
            };
            let entries = node.live;
            if limit != 0 && removed + entries > limit {
                break;
            }
            let remove_node = match how {
                Trim::MaxLen(max) => self.length - entries >= max,
                Trim::MinId(min) => node.entries.last().map_or(true, |e| e.id < min),
            };
            if remove_node {
                self.nodes.remove(&key);
                self.length -= entries;
                removed += entries;
                continue;
            }
            if approx {
                break;
            }
            let Some(node) = self.nodes.get_mut(&key) else {
                break;
            };
            let mut from_node = 0;
            for e in node.entries.iter_mut() {
                let stop = match how {
                    Trim::MaxLen(max) => self.length <= max,
                    Trim::MinId(min) => e.id >= min,
                };
                if stop {
                    break;
                }
                if !e.deleted {
                    e.deleted = true;
                    from_node += 1;
                    self.length -= 1;
                }
            }
            node.live -= from_node;
            node.deleted += from_node;
            removed += from_node;
            break;
        }
        if self.length == 0 {
            self.first_id = StreamId::MIN;
        } else if removed > 0 {
            self.first_id = self.edge(true);
        }
        removed
    }

    /// Whether deleted entries may lie between `start` and the end of the stream
    /// (`streamRangeHasTombstones` with no end).
    fn has_tombstones_from(&self, start: StreamId) -> bool {
        if self.length == 0 || self.max_deleted_id.is_zero() {
            return false;
        }
        if self.first_id > self.max_deleted_id {
            return false;
        }
        start <= self.max_deleted_id
    }

    /// How many entries were added up to `id`, when it can be known
    /// (`streamEstimateDistanceFromFirstEverEntry`).
    pub fn entries_up_to(&self, id: StreamId) -> Option<u64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if self.length == 0 && id <= self.last_id {
            return Some(self.entries_added);
        }
        if id == self.last_id {
            return Some(self.entries_added);
        }
        if id > self.last_id {
            return None;
        }
        if self.max_deleted_id.is_zero() || self.max_deleted_id < self.first_id {
            if id < self.first_id {
                return Some(self.entries_added - self.length);
            }
            if id == self.first_id {
                return Some(self.entries_added - self.length + 1);
            }
        }
        None
    }

    /// A group's lag, when it can be known (`streamReplyWithCGLag`).
    pub fn lag(&self, group: &Group) -> Option<i64> {
        if self.entries_added == 0 {
            return Some(0);
        }
        if group.entries_read != INVALID_ENTRIES_READ && !self.has_tombstones_from(group.last_id) {
            return Some(self.entries_added as i64 - group.entries_read);
        }
        self.entries_up_to(group.last_id)
            .map(|read| self.entries_added as i64 - read as i64)
    }

    /// Move a group past entry `id` as it delivers it (counting what it has read).
    pub fn advance_group(&self, group: &mut Group, id: StreamId) {
        if id <= group.last_id {
            return;
        }
        if group.entries_read != INVALID_ENTRIES_READ && !self.has_tombstones_from(id) {
            group.entries_read += 1;
        } else if self.entries_added > 0 {
            group.entries_read = self
                .entries_up_to(id)
                .map_or(INVALID_ENTRIES_READ, |n| n as i64);
        }
        group.last_id = id;
    }

    /// Approximate bytes held (for `MEMORY USAGE` and eviction).
    pub fn memory(&self) -> usize {
        self.nodes
            .values()
            .map(|n| n.listpack_bytes() + 48)
            .sum::<usize>()
            + self
                .groups
                .iter()
                .map(|(name, g)| name.len() + 64 + g.pel.len() * 48 + g.consumers.len() * 64)
                .sum::<usize>()
    }
}

/// Nodes of a compressed radix tree holding `keys` (sorted, distinct, all 16 bytes) below a
/// node at `depth`: the node itself, a compressed node for a shared run, and a child per
/// distinct next byte.
fn rax_nodes(keys: &[[u8; 16]], depth: usize) -> usize {
    if keys.len() == 1 {
        return if depth == 16 { 1 } else { 2 };
    }
    let (first, last) = (&keys[0], &keys[keys.len() - 1]);
    let mut split = depth;
    while split < 16 && first[split] == last[split] {
        split += 1;
    }
    if split == 16 {
        return 1;
    }
    let compressed = usize::from(split > depth);
    let mut total = compressed + 1;
    let mut start = 0;
    while start < keys.len() {
        let byte = keys[start][split];
        let end = start
            + keys[start..]
                .iter()
                .take_while(|k| k[split] == byte)
                .count();
        total += rax_nodes(&keys[start..end], split + 1);
        start = end;
    }
    total
}

/// Redis's `string2ull`: `string2ll` for non-negative values, else `strtoull` of the whole
/// text (leading spaces and a sign allowed; a minus wraps, as C's does).
fn string2ull(s: &[u8]) -> Option<u64> {
    if let Some(v) = crate::util::parse_i64(s) {
        return u64::try_from(v).ok();
    }
    let mut i = s
        .iter()
        .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r'))
        .count();
    let negative = match s.get(i) {
        Some(b'-') => {
            i += 1;
            true
        }
        Some(b'+') => {
            i += 1;
            false
        }
        _ => false,
    };
    let digits = &s[i..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: u64 = 0;
    for &d in digits {
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// How an ID argument was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParsedId {
    pub id: StreamId,
    /// The sequence was given (not `ms-*`, not missing).
    pub seq_given: bool,
}

/// Parse a stream ID argument (`streamGenericParseIDOrReply`): `ms-seq`, `ms` (sequence
/// `missing_seq`), `-` and `+` unless `strict`, and `ms-*` when `allow_auto_seq`.
pub fn parse_id(
    arg: &[u8],
    missing_seq: u64,
    strict: bool,
    allow_auto_seq: bool,
) -> Option<ParsedId> {
    if arg.len() > 127 {
        return None;
    }
    // Redis reads the argument as a C string.
    let arg = &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())];
    let given = |id| ParsedId {
        id,
        seq_given: true,
    };
    match arg {
        b"-" if !strict => return Some(given(StreamId::MIN)),
        b"+" if !strict => return Some(given(StreamId::MAX)),
        b"-" | b"+" => return None,
        _ => {}
    }
    let (ms_text, seq_text) = match arg.iter().position(|&b| b == b'-') {
        Some(dash) => (&arg[..dash], Some(&arg[dash + 1..])),
        None => (arg, None),
    };
    let ms = string2ull(ms_text)?;
    match seq_text {
        Some(b"*") if allow_auto_seq => Some(ParsedId {
            id: StreamId::new(ms, 0),
            seq_given: false,
        }),
        Some(text) => Some(given(StreamId::new(ms, string2ull(text)?))),
        None => Some(given(StreamId::new(ms, missing_seq))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: NodeLimits = NodeLimits {
        max_bytes: 4096,
        max_entries: 100,
    };

    #[test]
    fn ids_parse_as_redis_reads_them() {
        assert_eq!(
            parse_id(b"5-3", 0, true, false).unwrap().id,
            StreamId::new(5, 3)
        );
        assert_eq!(
            parse_id(b"5", 7, true, false).unwrap().id,
            StreamId::new(5, 7)
        );
        assert_eq!(parse_id(b"+", 0, false, false).unwrap().id, StreamId::MAX);
        assert!(parse_id(b"+", 0, true, false).is_none());
        assert!(!parse_id(b"5-*", 0, true, true).unwrap().seq_given);
        assert!(parse_id(b"5-*", 0, true, false).is_none());
        assert_eq!(
            parse_id(b" 007", 0, true, false).unwrap().id,
            StreamId::new(7, 0)
        );
        assert!(parse_id(b"-1", 0, true, false).is_none());
        assert!(parse_id(b"1-x", 0, true, false).is_none());
        assert!(parse_id(b"", 0, true, false).is_none());
    }

    #[test]
    fn nodes_close_at_the_entry_limit_and_trim_by_node() {
        let mut s = Stream::new();
        for i in 1..=250u64 {
            s.append(StreamId::new(i, 1), &[(b"f", b"v")], LIMITS);
        }
        assert_eq!(s.node_count(), 3);
        assert_eq!(s.trim(Trim::MaxLen(120), true, 10_000), 100);
        assert_eq!(s.length, 150);
        assert_eq!(s.trim(Trim::MaxLen(5), false, 0), 145);
        assert_eq!(s.range(StreamId::MIN, StreamId::MAX, false, 0).len(), 5);
    }

    #[test]
    fn radix_tree_node_counts() {
        let mut s = Stream::new();
        assert_eq!(s.radix_tree_nodes(), 1);
        s.append(StreamId::new(1, 1), &[(b"f", b"v")], LIMITS);
        assert_eq!(s.radix_tree_nodes(), 2);
    }
}

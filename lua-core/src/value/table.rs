//! Lua tables: an array part for keys 1..n and a hash part of chained nodes.
//!
//! The layout and every algorithm follow Lua 5.1's tables exactly: the main position of a key,
//! collision resolution that moves a colliding node out of a foreign main position, the free
//! pointer that scans down from the end, and the rehash rule that sizes the array part as the
//! largest power of two more than half full. Keeping these identical keeps `next`/`pairs` order
//! and the `#` border identical to the reference for string and number keys.

use super::{LuaStr, Value};
use crate::gc::{Gc, SpareVecs};

/// Largest log2 of a table part (as in Lua 5.1, `MAXBITS` on a 32-bit int).
const MAX_BITS: usize = 26;
const MAX_ARRAY_SIZE: usize = 1 << MAX_BITS;

/// Why a write to a table failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableError {
    IndexIsNil,
    IndexIsNaN,
    /// The hash part would exceed 2^26 nodes.
    Overflow,
}

impl TableError {
    pub fn message(self) -> &'static str {
        match self {
            TableError::IndexIsNil => "table index is nil",
            TableError::IndexIsNaN => "table index is NaN",
            TableError::Overflow => "table overflow",
        }
    }
}

/// `next` was given a key that is not in the table (`invalid key to 'next'`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyNotFound;

/// Sentinel for "no next node" in a chain.
const NO_NODE: u32 = u32::MAX;

#[derive(Clone, Copy)]
struct Node {
    key: Value,
    val: Value,
    /// Index of the next node in this chain, or `NO_NODE`.
    next: u32,
}

const EMPTY_NODE: Node = Node {
    key: Value::Nil,
    val: Value::Nil,
    next: NO_NODE,
};

pub struct Table {
    array: Vec<Value>,
    /// The hash part: empty, or a power-of-two number of nodes. Its size is fixed between
    /// rehashes, so it is a boxed slice (16 bytes, against a vector's 24).
    nodes: Box<[Node]>,
    /// Every node at or above this index is known to be in use (free ones are searched below).
    /// (A node index: the hash part has at most 2^26 nodes, so 32 bits keep the table small.)
    last_free: u32,
    metatable: Option<Gc<Table>>,
    /// Cache of metamethods known absent from this table when it serves as a metatable (bit `n`
    /// for event `n`, for the first events only); cleared on every write.
    pub(crate) absent_metamethods: u8,
    /// Set by the host: every write raises an error.
    pub(crate) readonly: bool,
}

/// Bytes held by a table's parts, for memory accounting.
pub(crate) fn parts_size(array_len: usize, node_len: usize) -> usize {
    array_len * std::mem::size_of::<Value>() + node_len * std::mem::size_of::<Node>()
}

/// The parts of dead tables, kept for new small tables (see `gc/spare_vecs.rs`).
#[derive(Default)]
pub(crate) struct SpareParts {
    arrays: SpareVecs<Value>,
    nodes: SpareVecs<Node>,
}

impl SpareParts {
    /// Take the parts of `table`, which is dead (its values are dropped).
    pub(crate) fn keep(&mut self, table: &mut Table) {
        self.arrays.keep(std::mem::take(&mut table.array));
        self.nodes.keep(std::mem::take(&mut table.nodes).into_vec());
    }
}

/// The array index a key would have: `Some(k)` when the key is a number with an integral value
/// representable as an `i32` (as Lua 5.1 tests it).
#[inline(always)]
fn array_index(key: &Value) -> Option<i64> {
    if let Value::Number(n) = *key {
        let k = crate::number::to_c_int(n);
        if k as f64 == n {
            return Some(k as i64);
        }
    }
    None
}

fn ceil_log2(x: usize) -> usize {
    // ceil(log2(x)) for x >= 1
    if x <= 1 {
        0
    } else {
        (usize::BITS - (x - 1).leading_zeros()) as usize
    }
}

/// The hash of a number key, as Lua 5.1 computes it: the sum of the two 32-bit halves of the
/// double, with 0 and -0 both at node 0.
#[inline]
fn number_hash(n: f64) -> Option<u32> {
    if n == 0.0 {
        return None;
    }
    let bits = n.to_bits();
    Some((bits as u32).wrapping_add((bits >> 32) as u32))
}

impl Table {
    pub fn new(array_size: usize, hash_size: usize) -> Table {
        Table::new_from(array_size, hash_size, &mut SpareParts::default())
    }

    /// A table with room for `array_size` sequence values and `hash_size` other keys, its
    /// parts taken from `spares` when they are small.
    #[inline]
    pub(crate) fn new_from(array_size: usize, hash_size: usize, spares: &mut SpareParts) -> Table {
        let nodes: Box<[Node]> = match hash_size {
            0 => Box::default(),
            size => match ceil_log2(size) {
                // A size too large cannot be honoured up front; the table grows on demand.
                lsize if lsize > MAX_BITS => Box::default(),
                lsize => spares.nodes.take(1 << lsize, EMPTY_NODE).into_boxed_slice(),
            },
        };
        Table {
            array: spares
                .arrays
                .take(array_size.min(MAX_ARRAY_SIZE), Value::Nil),
            last_free: nodes.len() as u32,
            nodes,
            metatable: None,
            absent_metamethods: 0,
            readonly: false,
        }
    }

    /// Bytes held by the array and hash parts.
    pub(crate) fn parts_size(&self) -> usize {
        parts_size(self.array.len(), self.nodes.len())
    }

    pub fn metatable(&self) -> Option<Gc<Table>> {
        self.metatable
    }

    pub fn set_metatable(&mut self, mt: Option<Gc<Table>>) {
        self.metatable = mt;
    }

    pub fn is_readonly(&self) -> bool {
        self.readonly
    }

    pub fn set_readonly(&mut self, readonly: bool) {
        self.readonly = readonly;
    }

    pub fn array_len(&self) -> usize {
        self.array.len()
    }

    /// Whether the table is exactly `len` array slots and nothing else: no hash part, no
    /// metatable, writable. Such a table, refilled slot by slot, is indistinguishable from
    /// a new one made with `len` array slots and filled the same way.
    pub(crate) fn is_bare_array_of(&self, len: usize) -> bool {
        self.array.len() == len
            && self.nodes.is_empty()
            && self.metatable.is_none()
            && !self.readonly
    }

    // ---- hashing -------------------------------------------------------------------------

    #[inline(always)]
    fn mod_pow2(&self, h: u32) -> usize {
        (h as usize) & (self.nodes.len() - 1)
    }

    #[inline(always)]
    fn mod_odd(&self, h: u32) -> usize {
        (h % (((self.nodes.len() - 1) | 1) as u32)) as usize
    }

    /// The main position of a key. The hash part must be non-empty.
    fn main_position(&self, key: &Value) -> usize {
        match *key {
            Value::Number(n) => match number_hash(n) {
                None => 0,
                Some(h) => self.mod_odd(h),
            },
            Value::String(s) => self.mod_pow2(s.hash()),
            Value::Boolean(b) => self.mod_pow2(b as u32),
            _ => self.mod_odd(key.identity() as u32),
        }
    }

    // ---- reads ---------------------------------------------------------------------------

    /// `t[key]` without metamethods.
    #[inline]
    pub fn get(&self, key: &Value) -> Value {
        match *key {
            Value::String(s) => self.get_str(s),
            Value::Number(n) => {
                if let Some(k) = array_index(key) {
                    return self.get_int(k);
                }
                if n.is_nan() {
                    return Value::Nil;
                }
                self.get_generic(key)
            }
            Value::Nil => Value::Nil,
            _ => self.get_generic(key),
        }
    }

    /// `t[key]` for an integer key.
    #[inline]
    pub fn get_int(&self, key: i64) -> Value {
        let i = key.wrapping_sub(1) as u64;
        if i < self.array.len() as u64 {
            return self.array[i as usize];
        }
        if self.nodes.is_empty() {
            return Value::Nil;
        }
        let nk = key as f64;
        let mut n = match number_hash(nk) {
            None => 0,
            Some(h) => self.mod_odd(h),
        };
        loop {
            let node = &self.nodes[n];
            if let Value::Number(x) = node.key {
                if x == nk {
                    return node.val;
                }
            }
            if node.next == NO_NODE {
                return Value::Nil;
            }
            n = node.next as usize;
        }
    }

    /// `t[key]` for a string key: pointer comparison, since strings are interned.
    #[inline]
    pub fn get_str(&self, key: Gc<LuaStr>) -> Value {
        if self.nodes.is_empty() {
            return Value::Nil;
        }
        let mut n = self.mod_pow2(key.hash());
        loop {
            let node = &self.nodes[n];
            if let Value::String(s) = node.key {
                if s == key {
                    return node.val;
                }
            }
            if node.next == NO_NODE {
                return Value::Nil;
            }
            n = node.next as usize;
        }
    }

    fn get_generic(&self, key: &Value) -> Value {
        match self.find_node(key) {
            Some(n) => self.nodes[n].val,
            None => Value::Nil,
        }
    }

    /// The node holding `key` (live or with a nil value), if any.
    fn find_node(&self, key: &Value) -> Option<usize> {
        if self.nodes.is_empty() {
            return None;
        }
        let mut n = self.main_position(key);
        loop {
            let node = &self.nodes[n];
            if node.key.raw_equal(key) {
                return Some(n);
            }
            if node.next == NO_NODE {
                return None;
            }
            n = node.next as usize;
        }
    }

    // ---- writes --------------------------------------------------------------------------

    /// `t[key] = val` without metamethods. Growing the table may fail (`table overflow`); the
    /// caller accounts for size changes through `parts_size`.
    pub fn set(&mut self, key: Value, val: Value) -> Result<(), TableError> {
        self.absent_metamethods = 0;
        match key {
            Value::Nil => return Err(TableError::IndexIsNil),
            Value::Number(n) if n.is_nan() => return Err(TableError::IndexIsNaN),
            _ => {}
        }
        if let Some(slot) = self.slot_mut(&key) {
            *slot = val;
            return Ok(());
        }
        // An absent key is inserted even to hold nil, as Lua 5.1 inserts it (`luaH_set`
        // makes the node before the value is stored): the node it takes, and the rehash it
        // may cause, show in later `pairs` orders and borders, and `next` accepts the key.
        self.new_key(key, val)
    }

    /// `t[key] = val` for an integer key.
    #[inline]
    pub fn set_int(&mut self, key: i64, val: Value) -> Result<(), TableError> {
        let i = key.wrapping_sub(1) as u64;
        if i < self.array.len() as u64 {
            self.array[i as usize] = val;
            self.absent_metamethods = 0;
            return Ok(());
        }
        self.set(Value::Number(key as f64), val)
    }

    /// Overwrite `t[key]` in place when that needs no insertion and no `__newindex` check: the
    /// key holds a value, or it is an array slot of a table without a metatable. Returns
    /// whether it did (the VM's fast path for assignments).
    #[inline]
    pub(crate) fn overwrite_int(&mut self, key: i64, val: Value) -> bool {
        let i = key.wrapping_sub(1) as u64;
        if i < self.array.len() as u64 {
            let slot = &mut self.array[i as usize];
            if !slot.is_nil() || self.metatable.is_none() {
                *slot = val;
                self.absent_metamethods = 0;
                return true;
            }
            return false;
        }
        match self.find_node(&Value::Number(key as f64)) {
            Some(n) if !self.nodes[n].val.is_nil() => {
                self.nodes[n].val = val;
                self.absent_metamethods = 0;
                true
            }
            _ => false,
        }
    }

    /// As `overwrite_int`, for a string key.
    #[inline]
    pub(crate) fn overwrite_str(&mut self, key: Gc<LuaStr>, val: Value) -> bool {
        if self.nodes.is_empty() {
            return false;
        }
        let mut n = self.mod_pow2(key.hash());
        loop {
            let node = &self.nodes[n];
            if let Value::String(s) = node.key {
                if s == key {
                    if node.val.is_nil() && self.metatable.is_some() {
                        return false;
                    }
                    self.nodes[n].val = val;
                    self.absent_metamethods = 0;
                    return true;
                }
            }
            if node.next == NO_NODE {
                return false;
            }
            n = node.next as usize;
        }
    }

    /// The value slot of an existing key (its node may hold a nil value).
    #[inline]
    fn slot_mut(&mut self, key: &Value) -> Option<&mut Value> {
        if let Some(k) = array_index(key) {
            let i = k.wrapping_sub(1) as u64;
            if i < self.array.len() as u64 {
                return Some(&mut self.array[i as usize]);
            }
        }
        let n = self.find_node(key)?;
        Some(&mut self.nodes[n].val)
    }

    fn free_position(&mut self) -> Option<usize> {
        while self.last_free > 0 {
            self.last_free -= 1;
            let at = self.last_free as usize;
            if self.nodes[at].key.is_nil() {
                return Some(at);
            }
        }
        None
    }

    /// Insert a key known to be absent (neither nil nor NaN), with its value (which may be nil).
    pub(crate) fn new_key(&mut self, key: Value, val: Value) -> Result<(), TableError> {
        if self.nodes.is_empty() {
            self.rehash(&key)?;
            return self.set(key, val);
        }
        let mut mp = self.main_position(&key);
        if !self.nodes[mp].val.is_nil() {
            let Some(free) = self.free_position() else {
                self.rehash(&key)?;
                return self.set(key, val);
            };
            let colliding_key = self.nodes[mp].key;
            let mut other = self.main_position(&colliding_key);
            if other != mp {
                // The colliding node is out of its main position: move it to the free slot.
                while self.nodes[other].next as usize != mp {
                    other = self.nodes[other].next as usize;
                }
                self.nodes[other].next = free as u32;
                self.nodes[free] = self.nodes[mp];
                self.nodes[mp].next = NO_NODE;
                self.nodes[mp].val = Value::Nil;
            } else {
                // The colliding node is in its main position: chain the new key after it.
                self.nodes[free].next = self.nodes[mp].next;
                self.nodes[mp].next = free as u32;
                mp = free;
            }
        }
        self.nodes[mp].key = key;
        self.nodes[mp].val = val;
        Ok(())
    }

    fn set_node_vector(&mut self, size: usize) -> Result<(), TableError> {
        if size == 0 {
            self.nodes = Box::default();
            self.last_free = 0;
            return Ok(());
        }
        let lsize = ceil_log2(size);
        if lsize > MAX_BITS {
            return Err(TableError::Overflow);
        }
        self.nodes = vec![EMPTY_NODE; 1 << lsize].into_boxed_slice();
        self.last_free = self.nodes.len() as u32;
        Ok(())
    }

    /// Count integer keys per power-of-two slice of the array part.
    fn count_array_keys(&self, nums: &mut [usize; MAX_BITS + 1]) -> usize {
        let mut total = 0;
        let mut i = 1usize;
        let mut slice_limit = 1usize;
        for slot in nums.iter_mut() {
            let mut count = 0;
            let lim = slice_limit.min(self.array.len());
            if i > lim && slice_limit > self.array.len() {
                break;
            }
            while i <= lim {
                if !self.array[i - 1].is_nil() {
                    count += 1;
                }
                i += 1;
            }
            *slot += count;
            total += count;
            slice_limit *= 2;
        }
        total
    }

    fn count_int_key(key: &Value, nums: &mut [usize; MAX_BITS + 1]) -> usize {
        match array_index(key) {
            Some(k) if k > 0 && k as usize <= MAX_ARRAY_SIZE => {
                nums[ceil_log2(k as usize)] += 1;
                1
            }
            _ => 0,
        }
    }

    /// The array size that keeps the array part more than half full, and how many keys go there.
    fn compute_sizes(nums: &[usize; MAX_BITS + 1], narray: usize) -> (usize, usize) {
        let mut a = 0;
        let mut na = 0;
        let mut n = 0;
        let mut twotoi = 1usize;
        for &count in nums.iter() {
            if twotoi / 2 >= narray {
                break;
            }
            if count > 0 {
                a += count;
                if a > twotoi / 2 {
                    n = twotoi;
                    na = a;
                }
            }
            if a == narray {
                break;
            }
            twotoi *= 2;
        }
        (n, na)
    }

    fn rehash(&mut self, extra_key: &Value) -> Result<(), TableError> {
        let mut nums = [0usize; MAX_BITS + 1];
        let mut nasize = self.count_array_keys(&mut nums);
        let mut total = nasize;
        for node in &self.nodes {
            if !node.val.is_nil() {
                nasize += Self::count_int_key(&node.key, &mut nums);
                total += 1;
            }
        }
        nasize += Self::count_int_key(extra_key, &mut nums);
        total += 1;
        let (array_size, in_array) = Self::compute_sizes(&nums, nasize);
        self.resize(array_size, total - in_array)
    }

    /// Resize both parts, reinserting what no longer fits (as Lua 5.1 does, in the same order).
    pub(crate) fn resize(&mut self, array_size: usize, hash_size: usize) -> Result<(), TableError> {
        let old_array_size = self.array.len();
        if array_size > old_array_size {
            self.array.resize(array_size, Value::Nil);
        }
        let old_nodes = std::mem::take(&mut self.nodes);
        if let Err(e) = self.set_node_vector(hash_size) {
            self.nodes = old_nodes;
            return Err(e);
        }
        if array_size < old_array_size {
            let vanishing: Vec<Value> = self.array.drain(array_size..).collect();
            for (i, v) in vanishing.into_iter().enumerate() {
                if !v.is_nil() {
                    self.set_int((array_size + i + 1) as i64, v)?;
                }
            }
            self.array.shrink_to_fit();
        }
        for node in old_nodes.iter().rev() {
            if !node.val.is_nil() {
                self.reinsert(node.key, node.val)?;
            }
        }
        Ok(())
    }

    /// Put a key of the old hash part back after a resize. The keys are distinct and the new
    /// parts have room for all of them, so the lookup `set` would start with cannot find
    /// anything and is skipped; the slot chosen is the one `set` would choose (Lua 5.1
    /// re-inserts the same way, so `pairs` order is unchanged).
    fn reinsert(&mut self, key: Value, val: Value) -> Result<(), TableError> {
        if let Some(k) = array_index(&key) {
            let i = k.wrapping_sub(1) as u64;
            if i < self.array.len() as u64 {
                self.array[i as usize] = val;
                return Ok(());
            }
        }
        if self.nodes.is_empty() {
            return self.set(key, val);
        }
        self.new_key(key, val)
    }

    /// Make room for `n` array items (used by SETLIST before filling a constructor).
    pub(crate) fn ensure_array(&mut self, n: usize) -> Result<(), TableError> {
        if n > self.array.len() {
            let nodes = self.nodes.len();
            self.resize(n.min(MAX_ARRAY_SIZE), nodes)?;
        }
        Ok(())
    }

    // ---- length and traversal ------------------------------------------------------------

    /// The border `#t` as Lua 5.1 finds it.
    pub fn border(&self) -> usize {
        let mut j = self.array.len();
        if j > 0 && self.array[j - 1].is_nil() {
            let mut i = 0;
            while j - i > 1 {
                let m = (i + j) / 2;
                if self.array[m - 1].is_nil() {
                    j = m;
                } else {
                    i = m;
                }
            }
            return i;
        }
        if self.nodes.is_empty() {
            return j;
        }
        self.unbound_search(j)
    }

    fn unbound_search(&self, j: usize) -> usize {
        let mut i = j;
        let mut j = j + 1;
        while !self.get_int(j as i64).is_nil() {
            i = j;
            j *= 2;
            if j > i32::MAX as usize {
                let mut i = 1;
                while !self.get_int(i).is_nil() {
                    i += 1;
                }
                return (i - 1) as usize;
            }
        }
        while j - i > 1 {
            let m = (i + j) / 2;
            if self.get_int(m as i64).is_nil() {
                j = m;
            } else {
                i = m;
            }
        }
        i
    }

    /// The traversal position after `key` (`None` for `nil`, the start), or `Err` when the key
    /// is not in the table.
    fn traversal_index(&self, key: &Value) -> Result<usize, KeyNotFound> {
        if key.is_nil() {
            return Ok(0);
        }
        if let Some(k) = array_index(key) {
            if k > 0 && (k as usize) <= self.array.len() {
                return Ok(k as usize);
            }
        }
        match self.find_node(key) {
            Some(n) => Ok(self.array.len() + n + 1),
            None => Err(KeyNotFound),
        }
    }

    /// `next(t, key)`: the entry after `key`, `Ok(None)` at the end, `Err` for a key that is not
    /// in the table.
    pub fn next(&self, key: &Value) -> Result<Option<(Value, Value)>, KeyNotFound> {
        let start = self.traversal_index(key)?;
        for i in start..self.array.len() {
            let v = self.array[i];
            if !v.is_nil() {
                return Ok(Some((Value::Number((i + 1) as f64), v)));
            }
        }
        let node_start = start.saturating_sub(self.array.len());
        for node in self.nodes.iter().skip(node_start) {
            if !node.val.is_nil() {
                return Ok(Some((node.key, node.val)));
            }
        }
        Ok(None)
    }

    /// The first live entry at traversal position `pos` or after it, with the position to
    /// continue from: `next` without the key lookup, for Rust code walking a table it does not
    /// change.
    pub(crate) fn entry_from(&self, pos: usize) -> Option<(usize, Value, Value)> {
        for i in pos..self.array.len() {
            let v = self.array[i];
            if !v.is_nil() {
                return Some((i + 1, Value::Number((i + 1) as f64), v));
            }
        }
        let node_start = pos.saturating_sub(self.array.len());
        for (n, node) in self.nodes.iter().enumerate().skip(node_start) {
            if !node.val.is_nil() {
                return Some((self.array.len() + n + 1, node.key, node.val));
            }
        }
        None
    }

    // ---- collector support ---------------------------------------------------------------

    /// Every live entry, for marking.
    pub(crate) fn for_each_entry(&self, mut f: impl FnMut(&Value, &Value)) {
        for v in &self.array {
            if !v.is_nil() {
                f(&Value::Nil, v);
            }
        }
        for node in &self.nodes {
            if !node.val.is_nil() {
                f(&node.key, &node.val);
            }
        }
    }

    /// Remove entries whose key or value the predicate calls dead (weak-table clearing). A
    /// removed entry keeps its key, as a dead key, so a traversal in progress can continue.
    pub(crate) fn clear_entries(&mut self, mut dead: impl FnMut(&Value, &Value) -> bool) {
        for v in self.array.iter_mut() {
            if !v.is_nil() && dead(&Value::Nil, v) {
                *v = Value::Nil;
            }
        }
        for node in self.nodes.iter_mut() {
            if !node.val.is_nil() && dead(&node.key, &node.val) {
                node.val = Value::Nil;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn num(n: f64) -> Value {
        Value::Number(n)
    }

    #[test]
    fn array_part_grows_for_sequences() {
        let mut t = Table::new(0, 0);
        for i in 1..=100 {
            t.set(num(i as f64), num(i as f64 * 2.0)).unwrap();
        }
        assert_eq!(t.array_len(), 128);
        assert_eq!(t.border(), 100);
        assert!(matches!(t.get_int(50), Value::Number(x) if x == 100.0));
    }

    #[test]
    fn nil_and_nan_keys_are_rejected() {
        let mut t = Table::new(0, 0);
        assert_eq!(t.set(Value::Nil, num(1.0)), Err(TableError::IndexIsNil));
        assert_eq!(t.set(num(f64::NAN), num(1.0)), Err(TableError::IndexIsNaN));
        assert!(t.get(&num(f64::NAN)).is_nil());
    }

    #[test]
    fn traversal_visits_every_entry_once() {
        let mut t = Table::new(0, 0);
        for i in 1..=10 {
            t.set(num(i as f64 * 1.5), num(i as f64)).unwrap();
        }
        let mut key = Value::Nil;
        let mut seen = 0;
        while let Ok(Some((k, _))) = t.next(&key) {
            seen += 1;
            key = k;
        }
        assert_eq!(seen, 10);
    }

    #[test]
    fn negative_zero_key_finds_zero() {
        let mut t = Table::new(0, 0);
        t.set(num(0.0), num(7.0)).unwrap();
        assert!(matches!(t.get(&num(-0.0)), Value::Number(x) if x == 7.0));
    }

    #[test]
    fn a_table_box_takes_64_bytes() {
        // The array part's vector, the hash part's boxed slice, the metatable, the free-node
        // index and two flags, after the collector's header: one cache line. Every table pays
        // this, so growth here is a regression.
        assert_eq!(std::mem::size_of::<crate::gc::GcBox<Table>>(), 64);
    }
}

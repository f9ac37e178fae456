//! HyperLogLog as Redis stores it (`hyperloglog.c`), inside a string value: a 16-byte header
//! (`HYLL`, the encoding, a cached cardinality), then 16,384 six-bit registers, either dense
//! (12,288 packed bytes) or sparse (run-length opcodes ZERO, XZERO and VAL). Every operation
//! edits those bytes exactly as Redis does, so `GET` of a key shows Redis's bytes, and counts
//! use Redis's estimator, so they match it.

/// The string is not a well-formed HLL (`-INVALIDOBJ`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Corrupt;

const P: u32 = 14;
const Q: u32 = 64 - P;
pub const REGISTERS: usize = 1 << P;
const BITS: usize = 6;
const REGISTER_MAX: u8 = (1 << BITS) - 1;
pub const HEADER: usize = 16;
pub const DENSE_SIZE: usize = HEADER + (REGISTERS * BITS + 7) / 8;
const DENSE: u8 = 0;
const SPARSE: u8 = 1;

const VAL_MAX_VALUE: u8 = 32;
const VAL_MAX_LEN: usize = 4;
const ZERO_MAX_LEN: usize = 64;
const XZERO_MAX_LEN: usize = 16384;
const ALPHA_INF: f64 = 0.721347520444481703680;

/// One sparse opcode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Zero(usize),
    XZero(usize),
    Val { value: u8, len: usize },
}

impl Op {
    fn read(bytes: &[u8], at: usize) -> Option<Op> {
        let b = *bytes.get(at)?;
        Some(if b & 0xc0 == 0 {
            Op::Zero(usize::from(b & 0x3f) + 1)
        } else if b & 0xc0 == 0x40 {
            let low = *bytes.get(at + 1)?;
            Op::XZero(((usize::from(b & 0x3f) << 8) | usize::from(low)) + 1)
        } else {
            Op::Val {
                value: ((b >> 2) & 0x1f) + 1,
                len: usize::from(b & 0x3) + 1,
            }
        })
    }

    fn size(self) -> usize {
        match self {
            Op::XZero(_) => 2,
            _ => 1,
        }
    }

    fn span(self) -> usize {
        match self {
            Op::Zero(n) | Op::XZero(n) => n,
            Op::Val { len, .. } => len,
        }
    }

    fn write(self, out: &mut Vec<u8>) {
        match self {
            Op::Zero(n) => out.push((n - 1) as u8),
            Op::XZero(n) => {
                let l = n - 1;
                out.push((l >> 8) as u8 | 0x40);
                out.push((l & 0xff) as u8);
            }
            Op::Val { value, len } => out.push(((value - 1) << 2) | (len as u8 - 1) | 0x80),
        }
    }
}

/// A run of zero registers: ZERO up to 64, else XZERO.
fn zeros(n: usize) -> Op {
    if n > ZERO_MAX_LEN {
        Op::XZero(n)
    } else {
        Op::Zero(n)
    }
}

/// A new, empty HLL (sparse: XZERO opcodes covering every register).
pub fn new_sparse() -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER + 2);
    out.extend_from_slice(b"HYLL");
    out.push(SPARSE);
    out.extend_from_slice(&[0; 11]);
    let mut left = REGISTERS;
    while left > 0 {
        let n = left.min(XZERO_MAX_LEN);
        Op::XZero(n).write(&mut out);
        left -= n;
    }
    out
}

/// Whether `bytes` pass Redis's HLL checks (`isHLLObjectOrReply`).
pub fn is_hll(bytes: &[u8]) -> bool {
    bytes.len() >= HEADER
        && &bytes[..4] == b"HYLL"
        && bytes[4] <= SPARSE
        && (bytes[4] != DENSE || bytes.len() == DENSE_SIZE)
}

pub fn is_sparse(bytes: &[u8]) -> bool {
    bytes[4] == SPARSE
}

fn invalidate_cache(bytes: &mut [u8]) {
    bytes[15] |= 1 << 7;
}

/// The cached cardinality, when valid.
pub fn cached_count(bytes: &[u8]) -> Option<u64> {
    if bytes[15] & (1 << 7) != 0 {
        return None;
    }
    let mut card = [0u8; 8];
    card.copy_from_slice(&bytes[8..16]);
    Some(u64::from_le_bytes(card))
}

pub fn set_cached_count(bytes: &mut [u8], count: u64) {
    bytes[8..16].copy_from_slice(&count.to_le_bytes());
}

/// MurmurHash64A, as Redis hashes elements.
fn murmur64a(key: &[u8], seed: u64) -> u64 {
    const M: u64 = 0xc6a4a7935bd1e995;
    const R: u32 = 47;
    let mut h = seed ^ (key.len() as u64).wrapping_mul(M);
    let mut chunks = key.chunks_exact(8);
    for chunk in chunks.by_ref() {
        let mut k = u64::from_le_bytes(chunk.try_into().unwrap_or([0; 8]));
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h ^= k;
        h = h.wrapping_mul(M);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        for (i, &b) in tail.iter().enumerate().rev() {
            h ^= u64::from(b) << (8 * i);
        }
        h = h.wrapping_mul(M);
    }
    h ^= h >> R;
    h = h.wrapping_mul(M);
    h ^= h >> R;
    h
}

/// The register an element goes to and the count it offers (`hllPatLen`).
fn pattern(element: &[u8]) -> (usize, u8) {
    let hash = murmur64a(element, 0xadc83b19);
    let index = (hash & (REGISTERS as u64 - 1)) as usize;
    let rest = (hash >> P) | (1u64 << Q);
    (index, rest.trailing_zeros() as u8 + 1)
}

fn dense_get(registers: &[u8], index: usize) -> u8 {
    let byte = index * BITS / 8;
    let fb = (index * BITS) & 7;
    let b0 = u16::from(registers[byte]);
    let b1 = u16::from(*registers.get(byte + 1).unwrap_or(&0));
    (((b0 >> fb) | (b1 << (8 - fb))) as u8) & REGISTER_MAX
}

fn dense_set(registers: &mut [u8], index: usize, value: u8) {
    let byte = index * BITS / 8;
    let fb = (index * BITS) & 7;
    let v = u16::from(value);
    registers[byte] &= !((u16::from(REGISTER_MAX) << fb) as u8);
    registers[byte] |= (v << fb) as u8;
    if let Some(next) = registers.get_mut(byte + 1) {
        *next &= !((u16::from(REGISTER_MAX) >> (8 - fb)) as u8);
        *next |= (v >> (8 - fb)) as u8;
    }
}

/// Raise register `index` to `count` in a dense HLL; whether it changed.
fn dense_raise(registers: &mut [u8], index: usize, count: u8) -> bool {
    if count > dense_get(registers, index) {
        dense_set(registers, index, count);
        true
    } else {
        false
    }
}

/// The sparse opcodes, each with its byte position.
fn sparse_ops(bytes: &[u8]) -> Vec<(usize, Op)> {
    let mut ops = Vec::new();
    let mut at = HEADER;
    while let Some(op) = Op::read(bytes, at) {
        ops.push((at, op));
        at += op.size();
    }
    ops
}

/// Convert a sparse HLL to dense in place (`hllSparseToDense`).
pub fn to_dense(bytes: &mut Vec<u8>) -> Result<(), Corrupt> {
    if bytes[4] == DENSE {
        return Ok(());
    }
    let mut dense = vec![0u8; DENSE_SIZE];
    dense[..HEADER].copy_from_slice(&bytes[..HEADER]);
    dense[4] = DENSE;
    let mut idx = 0;
    for (_, op) in sparse_ops(bytes) {
        match op {
            Op::Zero(n) | Op::XZero(n) => idx += n,
            Op::Val { value, len } => {
                // A run past the last register is corruption (the reference, with the fix
                // for CVE-2025-32023, refuses it).
                if idx + len > REGISTERS {
                    return Err(Corrupt);
                }
                for _ in 0..len {
                    dense_set(&mut dense[HEADER..], idx, value);
                    idx += 1;
                }
            }
        }
    }
    if idx != REGISTERS {
        return Err(Corrupt);
    }
    *bytes = dense;
    Ok(())
}

/// Raise register `index` to `count` in a sparse HLL (`hllSparseSet`), promoting it to dense
/// when a value does not fit sparse or the bytes would pass `max_bytes`; whether it changed.
fn sparse_raise(
    bytes: &mut Vec<u8>,
    index: usize,
    count: u8,
    max_bytes: usize,
) -> Result<bool, Corrupt> {
    if count > VAL_MAX_VALUE {
        return promote(bytes, index, count);
    }
    // Find the opcode covering `index`, and the one before it.
    let mut at = HEADER;
    let mut first = 0;
    let mut prev: Option<usize> = None;
    let mut found = None;
    while let Some(op) = Op::read(bytes, at) {
        if index < first + op.span() {
            found = Some(op);
            break;
        }
        prev = Some(at);
        at += op.size();
        first += op.span();
    }
    let Some(op) = found else {
        return Err(Corrupt);
    };
    let last = first + op.span() - 1;
    let mut replacement = Vec::with_capacity(5);
    match op {
        Op::Val { value, .. } if value >= count => return Ok(false),
        Op::Val { len: 1, .. } | Op::Zero(1) => {
            Op::Val {
                value: count,
                len: 1,
            }
            .write(&mut replacement);
        }
        Op::Zero(_) | Op::XZero(_) => {
            if index != first {
                zeros(index - first).write(&mut replacement);
            }
            Op::Val {
                value: count,
                len: 1,
            }
            .write(&mut replacement);
            if index != last {
                zeros(last - index).write(&mut replacement);
            }
        }
        Op::Val { value, .. } => {
            if index != first {
                Op::Val {
                    value,
                    len: index - first,
                }
                .write(&mut replacement);
            }
            Op::Val {
                value: count,
                len: 1,
            }
            .write(&mut replacement);
            if index != last {
                Op::Val {
                    value,
                    len: last - index,
                }
                .write(&mut replacement);
            }
        }
    }
    let grows = replacement.len() > op.size();
    if grows && bytes.len() + replacement.len() - op.size() > max_bytes {
        return promote(bytes, index, count);
    }
    bytes.splice(at..at + op.size(), replacement);
    merge_adjacent_values(bytes, prev.unwrap_or(HEADER));
    invalidate_cache(bytes);
    Ok(true)
}

/// Join neighbouring VAL opcodes of equal value, looking at up to five opcodes from `from`.
fn merge_adjacent_values(bytes: &mut Vec<u8>, from: usize) {
    let mut p = from;
    let mut scan = 5;
    while p < bytes.len() && scan > 0 {
        scan -= 1;
        let Some(op) = Op::read(bytes, p) else {
            break;
        };
        let Op::Val { value: v1, len: l1 } = op else {
            p += op.size();
            continue;
        };
        if let Some(Op::Val { value: v2, len: l2 }) = Op::read(bytes, p + 1) {
            if v1 == v2 && l1 + l2 <= VAL_MAX_LEN {
                let mut merged = Vec::with_capacity(1);
                Op::Val {
                    value: v1,
                    len: l1 + l2,
                }
                .write(&mut merged);
                bytes.splice(p..p + 2, merged);
                continue;
            }
        }
        p += 1;
    }
}

fn promote(bytes: &mut Vec<u8>, index: usize, count: u8) -> Result<bool, Corrupt> {
    to_dense(bytes)?;
    dense_raise(&mut bytes[HEADER..], index, count);
    Ok(true)
}

/// Add an element (`hllAdd`); whether a register changed.
pub fn add(bytes: &mut Vec<u8>, element: &[u8], sparse_max_bytes: usize) -> Result<bool, Corrupt> {
    let (index, count) = pattern(element);
    match bytes[4] {
        DENSE => Ok(dense_raise(&mut bytes[HEADER..], index, count)),
        SPARSE => sparse_raise(bytes, index, count, sparse_max_bytes),
        _ => Err(Corrupt),
    }
}

/// Raise register `index` to at least `count`, in either encoding (PFMERGE).
pub fn raise(
    bytes: &mut Vec<u8>,
    index: usize,
    count: u8,
    sparse_max_bytes: usize,
) -> Result<(), Corrupt> {
    match bytes[4] {
        DENSE => {
            dense_raise(&mut bytes[HEADER..], index, count);
            Ok(())
        }
        _ => sparse_raise(bytes, index, count, sparse_max_bytes).map(drop),
    }
}

/// Take the maximum of each register into `max` (`hllMerge`).
pub fn merge_into(max: &mut [u8], bytes: &[u8]) -> Result<(), Corrupt> {
    if bytes[4] == DENSE {
        for (i, slot) in max.iter_mut().enumerate().take(REGISTERS) {
            *slot = (*slot).max(dense_get(&bytes[HEADER..], i));
        }
        return Ok(());
    }
    let mut i = 0;
    for (_, op) in sparse_ops(bytes) {
        match op {
            Op::Zero(n) | Op::XZero(n) => i += n,
            Op::Val { value, len } => {
                if i + len > REGISTERS {
                    return Err(Corrupt);
                }
                for slot in &mut max[i..i + len] {
                    *slot = (*slot).max(value);
                }
                i += len;
            }
        }
    }
    if i == REGISTERS {
        Ok(())
    } else {
        Err(Corrupt)
    }
}

/// How many registers hold each value.
fn histogram(bytes: &[u8]) -> Result<[u32; 64], Corrupt> {
    let mut histo = [0u32; 64];
    if bytes[4] == DENSE {
        for i in 0..REGISTERS {
            histo[usize::from(dense_get(&bytes[HEADER..], i))] += 1;
        }
        return Ok(histo);
    }
    let mut idx = 0;
    for (_, op) in sparse_ops(bytes) {
        match op {
            Op::Zero(n) | Op::XZero(n) => {
                idx += n;
                histo[0] += n as u32;
            }
            Op::Val { value, len } => {
                idx += len;
                histo[usize::from(value)] += len as u32;
            }
        }
    }
    if idx == REGISTERS {
        Ok(histo)
    } else {
        Err(Corrupt)
    }
}

/// The histogram of plain registers (one byte each), as PFCOUNT of several keys merges them.
pub fn raw_histogram(registers: &[u8]) -> [u32; 64] {
    let mut histo = [0u32; 64];
    for &r in registers.iter().take(REGISTERS) {
        histo[usize::from(r & 63)] += 1;
    }
    histo
}

fn sigma(mut x: f64) -> f64 {
    if x == 1.0 {
        return f64::INFINITY;
    }
    let mut y = 1.0;
    let mut z = x;
    loop {
        x *= x;
        let z_prime = z;
        z += x * y;
        y += y;
        if z_prime == z {
            return z;
        }
    }
}

fn tau(mut x: f64) -> f64 {
    if x == 0.0 || x == 1.0 {
        return 0.0;
    }
    let mut y = 1.0;
    let mut z = 1.0 - x;
    loop {
        x = x.sqrt();
        let z_prime = z;
        y *= 0.5;
        z -= (1.0 - x) * (1.0 - x) * y;
        if z_prime == z {
            return z / 3.0;
        }
    }
}

/// The estimate from a register histogram (`hllCount`: Ertl's improved estimator).
pub fn estimate(histo: &[u32; 64]) -> u64 {
    let m = REGISTERS as f64;
    let mut z = m * tau((m - f64::from(histo[Q as usize + 1])) / m);
    for j in (1..=Q as usize).rev() {
        z += f64::from(histo[j]);
        z *= 0.5;
    }
    z += m * sigma(f64::from(histo[0]) / m);
    (ALPHA_INF * m * m / z).round() as u64
}

/// The estimated cardinality of an HLL.
pub fn count(bytes: &[u8]) -> Result<u64, Corrupt> {
    Ok(estimate(&histogram(bytes)?))
}

/// Every register's value (PFDEBUG GETREG), of a dense HLL.
pub fn registers(bytes: &[u8]) -> Vec<u8> {
    (0..REGISTERS)
        .map(|i| dense_get(&bytes[HEADER..], i))
        .collect()
}

/// The sparse opcodes as PFDEBUG DECODE writes them (`z:n`, `Z:n`, `v:value,len`).
pub fn decode_sparse(bytes: &[u8]) -> String {
    sparse_ops(bytes)
        .iter()
        .map(|(_, op)| match op {
            Op::Zero(n) => format!("z:{n}"),
            Op::XZero(n) => format!("Z:{n}"),
            Op::Val { value, len } => format!("v:{value},{len}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_hll_counts_zero_and_grows_by_adds() {
        let mut h = new_sparse();
        assert_eq!(h.len(), HEADER + 2);
        assert_eq!(count(&h), Ok(0));
        for i in 0..100u32 {
            add(&mut h, i.to_string().as_bytes(), 3000).unwrap();
        }
        let c = count(&h).unwrap();
        assert!((95..=105).contains(&c), "{c}");
        let sparse_count = c;
        to_dense(&mut h).unwrap();
        assert_eq!(count(&h), Ok(sparse_count));
    }
}

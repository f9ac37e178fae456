//! Bit commands on strings (`bitops.c`): SETBIT, GETBIT, BITCOUNT, BITPOS, BITOP, BITFIELD and
//! BITFIELD_RO. Bits are numbered from the most significant bit of the first byte.

use super::strings::{read_string, write_string};
use super::{int_arg, is, Ctx, Handler, SYNTAX};
use crate::db::notify::class;
use crate::db::Value;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("setbit", setbit),
    ("getbit", getbit),
    ("bitcount", bitcount),
    ("bitpos", bitpos),
    ("bitop", bitop),
    ("bitfield", bitfield),
    ("bitfield_ro", bitfield_ro),
];

const BAD_OFFSET: &str = "ERR bit offset is not an integer or out of range";

/// A bit offset argument; with `bits`, `#n` means the n-th field of that width
/// (`getBitOffsetFromArgument`). Offsets past `proto-max-bulk-len` bytes are refused.
fn offset_arg(ctx: &mut Ctx, arg: &[u8], field_bits: Option<u64>) -> Option<u64> {
    let (hashed, digits) = match (arg.first(), field_bits) {
        (Some(b'#'), Some(_)) => (true, &arg[1..]),
        _ => (false, arg),
    };
    let parsed = crate::util::parse_i64(digits).and_then(|n| {
        let n = if hashed {
            n.checked_mul(field_bits.unwrap_or(1) as i64)?
        } else {
            n
        };
        let limit = ctx.server.config.settings.proto_max_bulk_len;
        (n >= 0 && (n >> 3) < limit).then_some(n as u64)
    });
    if parsed.is_none() {
        ctx.client.reply.error(BAD_OFFSET);
    }
    parsed
}

/// The string at `key` for writing, grown with zero bytes to hold bit `max_bit`; whether it
/// was created or grown. `None` after WRONGTYPE.
fn grow_for_bit(ctx: &mut Ctx, key: &[u8], max_bit: u64) -> Option<bool> {
    let bytes = (max_bit >> 3) as usize + 1;
    let db = ctx.client.db;
    let existing = match write_string(ctx, key) {
        Err(()) => return None,
        Ok(s) => s.map(|s| s.len()),
    };
    match existing {
        None => {
            // Counted as a change by the caller, once, with the bits it sets.
            ctx.server.keyspace.add_uncounted(
                db,
                key,
                Value::Str(crate::db::bytes::Bytes::from_vec(vec![0; bytes])),
            );
            Some(true)
        }
        Some(len) => {
            let Ok(Some(s)) = write_string(ctx, key) else {
                return None;
            };
            let v = s.make_mut();
            if v.len() < bytes {
                v.resize(bytes, 0);
            }
            Some(len != v.len())
        }
    }
}

fn setbit(ctx: &mut Ctx, argv: &[&[u8]]) {
    let key = argv[1];
    let Some(offset) = offset_arg(ctx, argv[2], None) else {
        return;
    };
    let on = match crate::util::parse_i64(argv[3]) {
        Some(v @ (0 | 1)) => v as u8,
        _ => {
            ctx.client
                .reply
                .error("ERR bit is not an integer or out of range");
            return;
        }
    };
    let Some(grown) = grow_for_bit(ctx, key, offset) else {
        return;
    };
    let Ok(Some(s)) = write_string(ctx, key) else {
        return;
    };
    let bytes = s.make_mut();
    let (byte, shift) = ((offset >> 3) as usize, 7 - (offset & 7) as u8);
    let was = (bytes[byte] >> shift) & 1;
    if grown || was != on {
        bytes[byte] = (bytes[byte] & !(1 << shift)) | (on << shift);
        let db = ctx.client.db;
        ctx.server.keyspace.modified(db, key);
        ctx.server.keyspace.notify(class::STRING, "setbit", db, key);
    }
    ctx.client.reply.int(i64::from(was));
}

fn getbit(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(offset) = offset_arg(ctx, argv[2], None) else {
        return;
    };
    let Ok(s) = read_string(ctx, argv[1]) else {
        return;
    };
    let bit = s
        .and_then(|s| s.get((offset >> 3) as usize))
        .map_or(0, |b| (b >> (7 - (offset & 7))) & 1);
    ctx.client.reply.int(i64::from(bit));
}

/// A `start end [BYTE|BIT]` range resolved against a string of `len` bytes (Redis's shared
/// logic of BITCOUNT and BITPOS): byte positions, and masks of the bits outside the range in
/// the first and last byte (BIT ranges).
struct BitRange {
    start: i64,
    end: i64,
    first_mask: u8,
    last_mask: u8,
}

fn resolve_range(len: i64, start: i64, end: i64, in_bits: bool) -> BitRange {
    let total = if in_bits { len << 3 } else { len };
    let mut start = if start < 0 { total + start } else { start };
    let mut end = if end < 0 { total + end } else { end };
    start = start.max(0);
    end = end.max(0);
    if end >= total {
        end = total - 1;
    }
    let (mut first_mask, mut last_mask) = (0u8, 0u8);
    if in_bits && start <= end {
        first_mask = (!((1u32 << (8 - (start & 7))) - 1) & 0xff) as u8;
        last_mask = ((1u32 << (7 - (end & 7))) - 1) as u8;
        start >>= 3;
        end >>= 3;
    }
    BitRange {
        start,
        end,
        first_mask,
        last_mask,
    }
}

fn unit_arg(ctx: &mut Ctx, arg: &[u8]) -> Option<bool> {
    if is(arg, "bit") {
        Some(true)
    } else if is(arg, "byte") {
        Some(false)
    } else {
        ctx.client.reply.error(SYNTAX);
        None
    }
}

fn popcount(bytes: &[u8]) -> i64 {
    let mut chunks = bytes.chunks_exact(8);
    let mut count: u64 = chunks
        .by_ref()
        .map(|c| u64::from(u64::from_ne_bytes(c.try_into().unwrap_or([0; 8])).count_ones()))
        .sum();
    count += chunks
        .remainder()
        .iter()
        .map(|b| u64::from(b.count_ones()))
        .sum::<u64>();
    count as i64
}

fn bitcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    let data = match read_string(ctx, argv[1]) {
        Err(()) => return,
        Ok(None) => {
            ctx.client.reply.int(0);
            return;
        }
        Ok(Some(s)) => s.to_vec(),
    };
    let len = data.len() as i64;
    let range = match argv.len() {
        2 => BitRange {
            start: 0,
            end: len - 1,
            first_mask: 0,
            last_mask: 0,
        },
        4 | 5 => {
            let Some(start) = int_arg(ctx, argv[2]) else {
                return;
            };
            let Some(end) = int_arg(ctx, argv[3]) else {
                return;
            };
            if start < 0 && end < 0 && start > end {
                ctx.client.reply.int(0);
                return;
            }
            let in_bits = match argv.get(4) {
                None => false,
                Some(unit) => match unit_arg(ctx, unit) {
                    Some(b) => b,
                    None => return,
                },
            };
            resolve_range(len, start, end, in_bits)
        }
        _ => {
            ctx.client.reply.error(SYNTAX);
            return;
        }
    };
    if range.start > range.end {
        ctx.client.reply.int(0);
        return;
    }
    let (s, e) = (range.start as usize, range.end as usize);
    let mut count = popcount(&data[s..=e]);
    count -= i64::from((data[s] & range.first_mask).count_ones());
    count -= i64::from((data[e] & range.last_mask).count_ones());
    ctx.client.reply.int(count);
}

/// The position of the first `bit` in `bytes` (`redisBitpos`): for a 0 not found, the bit
/// just past the end; for a 1 not found, -1.
fn first_bit(bytes: &[u8], bit: bool) -> i64 {
    for (i, &b) in bytes.iter().enumerate() {
        if bit && b != 0 {
            return i as i64 * 8 + i64::from(b.leading_zeros());
        }
        if !bit && b != 0xff {
            return i as i64 * 8 + i64::from(b.leading_ones());
        }
    }
    if bit {
        -1
    } else {
        bytes.len() as i64 * 8
    }
}

fn bitpos(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(bit) = int_arg(ctx, argv[2]) else {
        return;
    };
    if bit != 0 && bit != 1 {
        ctx.client
            .reply
            .error("ERR The bit argument must be 1 or 0.");
        return;
    }
    let bit = bit == 1;
    let data = match read_string(ctx, argv[1]) {
        Err(()) => return,
        Ok(None) => {
            ctx.client.reply.int(if bit { -1 } else { 0 });
            return;
        }
        Ok(Some(s)) => s.to_vec(),
    };
    let len = data.len() as i64;
    let mut end_given = false;
    let range = match argv.len() {
        3 => BitRange {
            start: 0,
            end: len - 1,
            first_mask: 0,
            last_mask: 0,
        },
        4..=6 => {
            let Some(start) = int_arg(ctx, argv[3]) else {
                return;
            };
            let in_bits = match argv.get(5) {
                None => false,
                Some(unit) => match unit_arg(ctx, unit) {
                    Some(b) => b,
                    None => return,
                },
            };
            let end = match argv.get(4) {
                Some(arg) => {
                    end_given = true;
                    match int_arg(ctx, arg) {
                        Some(e) => e,
                        None => return,
                    }
                }
                None if in_bits => (len << 3) + 7,
                None => len - 1,
            };
            resolve_range(len, start, end, in_bits)
        }
        _ => {
            ctx.client.reply.error(SYNTAX);
            return;
        }
    };
    if range.start > range.end {
        ctx.client.reply.int(-1);
        return;
    }
    let (pos, start, bytes) = scan_range(&data, &range, bit);
    if end_given && !bit && pos == bytes << 3 {
        ctx.client.reply.int(-1);
        return;
    }
    ctx.client
        .reply
        .int(if pos != -1 { pos + (start << 3) } else { pos });
}

/// Search `range` for `bit` as Redis's BITPOS does, masking the partial first and last bytes
/// of a BIT range: the position found (relative to the byte the search ended in), that byte
/// index, and the bytes left at that point.
fn scan_range(data: &[u8], range: &BitRange, bit: bool) -> (i64, i64, i64) {
    let mask_out = |b: u8, mask: u8| if bit { b & !mask } else { b | mask };
    let (mut start, end) = (range.start, range.end);
    let mut bytes = end - start + 1;
    if range.first_mask != 0 {
        let mut c = mask_out(data[start as usize], range.first_mask);
        if range.last_mask != 0 && bytes == 1 {
            c = mask_out(c, range.last_mask);
        }
        let pos = first_bit(&[c], bit);
        if bytes == 1 || (pos != -1 && pos != 8) {
            return (pos, start, bytes);
        }
        start += 1;
        bytes -= 1;
    }
    let whole = bytes - i64::from(range.last_mask != 0);
    if whole > 0 {
        let pos = first_bit(&data[start as usize..(start + whole) as usize], bit);
        if bytes == whole || (pos != -1 && pos != whole << 3) {
            return (pos, start, bytes);
        }
        start += whole;
        bytes -= whole;
    }
    let c = mask_out(data[end as usize], range.last_mask);
    (first_bit(&[c], bit), start, bytes)
}

fn bitop(ctx: &mut Ctx, argv: &[&[u8]]) {
    #[derive(Clone, Copy, PartialEq)]
    enum Op {
        And,
        Or,
        Xor,
        Not,
    }
    let op = match argv[1] {
        o if is(o, "and") => Op::And,
        o if is(o, "or") => Op::Or,
        o if is(o, "xor") => Op::Xor,
        o if is(o, "not") => Op::Not,
        _ => {
            ctx.client.reply.error(SYNTAX);
            return;
        }
    };
    if op == Op::Not && argv.len() != 4 {
        ctx.client
            .reply
            .error("ERR BITOP NOT must be called with a single source key.");
        return;
    }
    let mut sources: Vec<Vec<u8>> = Vec::with_capacity(argv.len() - 3);
    for key in &argv[3..] {
        match read_string(ctx, key) {
            Err(()) => return,
            Ok(s) => sources.push(s.map(<[u8]>::to_vec).unwrap_or_default()),
        }
    }
    let max_len = sources.iter().map(Vec::len).max().unwrap_or(0);
    let byte_of = |s: &Vec<u8>, j: usize| s.get(j).copied().unwrap_or(0);
    let result: Vec<u8> = (0..max_len)
        .map(|j| {
            let mut out = byte_of(&sources[0], j);
            if op == Op::Not {
                return !out;
            }
            for s in &sources[1..] {
                let b = byte_of(s, j);
                match op {
                    Op::And => out &= b,
                    Op::Or => out |= b,
                    _ => out ^= b,
                }
            }
            out
        })
        .collect();
    let (dest, db) = (argv[2], ctx.client.db);
    if max_len > 0 {
        let value = Value::Str(crate::db::bytes::Bytes::from_vec(result));
        ctx.server.keyspace.set(db, dest, value, false);
        ctx.server.keyspace.notify(class::STRING, "set", db, dest);
    } else if ctx.server.keyspace.delete(db, dest).is_some() {
        ctx.server.keyspace.notify(class::GENERIC, "del", db, dest);
    }
    ctx.client.reply.int(max_len as i64);
}

#[derive(Clone, Copy, PartialEq)]
enum Overflow {
    Wrap,
    Sat,
    Fail,
}

#[derive(Clone, Copy, PartialEq)]
enum FieldOp {
    Get,
    Set,
    IncrBy,
}

struct Field {
    op: FieldOp,
    offset: u64,
    value: i64,
    bits: u64,
    signed: bool,
    overflow: Overflow,
}

const BAD_TYPE: &str =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.";

fn type_arg(ctx: &mut Ctx, arg: &[u8]) -> Option<(bool, u64)> {
    let signed = match arg.first() {
        Some(b'i') => true,
        Some(b'u') => false,
        _ => {
            ctx.client.reply.error(BAD_TYPE);
            return None;
        }
    };
    // The width is read as a C string.
    let digits = &arg[1..];
    let digits = &digits[..digits.iter().position(|&b| b == 0).unwrap_or(digits.len())];
    let bits =
        crate::util::parse_i64(digits).filter(|&b| b >= 1 && b <= if signed { 64 } else { 63 });
    match bits {
        Some(b) => Some((signed, b as u64)),
        None => {
            ctx.client.reply.error(BAD_TYPE);
            None
        }
    }
}

fn bitfield(ctx: &mut Ctx, argv: &[&[u8]]) {
    bitfield_generic(ctx, argv, false);
}

fn bitfield_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    bitfield_generic(ctx, argv, true);
}

fn parse_fields(ctx: &mut Ctx, argv: &[&[u8]]) -> Option<Vec<Field>> {
    let mut fields = Vec::new();
    let mut overflow = Overflow::Wrap;
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let sub = argv[j];
        let op = if is(sub, "get") && left >= 2 {
            FieldOp::Get
        } else if is(sub, "set") && left >= 3 {
            FieldOp::Set
        } else if is(sub, "incrby") && left >= 3 {
            FieldOp::IncrBy
        } else if is(sub, "overflow") && left >= 1 {
            overflow = match argv[j + 1] {
                t if is(t, "wrap") => Overflow::Wrap,
                t if is(t, "sat") => Overflow::Sat,
                t if is(t, "fail") => Overflow::Fail,
                _ => {
                    ctx.client
                        .reply
                        .error("ERR Invalid OVERFLOW type specified");
                    return None;
                }
            };
            j += 2;
            continue;
        } else {
            ctx.client.reply.error(SYNTAX);
            return None;
        };
        let (signed, bits) = type_arg(ctx, argv[j + 1])?;
        let offset = offset_arg(ctx, argv[j + 2], Some(bits))?;
        let value = if op == FieldOp::Get {
            0
        } else {
            int_arg(ctx, argv[j + 3])?
        };
        fields.push(Field {
            op,
            offset,
            value,
            bits,
            signed,
            overflow,
        });
        j += if op == FieldOp::Get { 3 } else { 4 };
    }
    Some(fields)
}

fn bitfield_generic(ctx: &mut Ctx, argv: &[&[u8]], read_only: bool) {
    let Some(fields) = parse_fields(ctx, argv) else {
        return;
    };
    let key = argv[1];
    let writes = fields.iter().any(|f| f.op != FieldOp::Get);
    if !writes {
        let data = match read_string(ctx, key) {
            Err(()) => return,
            Ok(s) => s.map(<[u8]>::to_vec).unwrap_or_default(),
        };
        let out = &mut ctx.client.reply;
        out.array(fields.len());
        for f in &fields {
            out.int(read_field(&data, f));
        }
        return;
    }
    if read_only {
        ctx.client
            .reply
            .error("ERR BITFIELD_RO only supports the GET subcommand");
        return;
    }
    let highest = fields
        .iter()
        .filter(|f| f.op != FieldOp::Get)
        .map(|f| f.offset + f.bits - 1)
        .max()
        .unwrap_or(0);
    let Some(grown) = grow_for_bit(ctx, key, highest) else {
        return;
    };
    let Ok(Some(s)) = write_string(ctx, key) else {
        return;
    };
    let data = s.make_mut();
    let mut replies: Vec<Option<i64>> = Vec::with_capacity(fields.len());
    let mut changes = 0;
    for f in &fields {
        if f.op == FieldOp::Get {
            replies.push(Some(read_field(data, f)));
            continue;
        }
        let old = get_bits(data, f.offset, f.bits);
        let (new, overflowed, reply) = if f.signed {
            let old_value = sign_extend(old, f.bits);
            let (add, base) = if f.op == FieldOp::IncrBy {
                (f.value, old_value)
            } else {
                (0, f.value)
            };
            let (overflowed, limited) = signed_overflow(base, add, f.bits, f.overflow);
            let new = if overflowed != 0 {
                limited
            } else {
                base.wrapping_add(add)
            };
            let reply = if f.op == FieldOp::IncrBy {
                new
            } else {
                old_value
            };
            (new as u64, overflowed != 0, reply)
        } else {
            let (add, base) = if f.op == FieldOp::IncrBy {
                (f.value, old)
            } else {
                (0, f.value as u64)
            };
            let (overflowed, limited) = unsigned_overflow(base, add, f.bits, f.overflow);
            let new = if overflowed != 0 {
                limited
            } else {
                base.wrapping_add(add as u64)
            };
            let reply = if f.op == FieldOp::IncrBy { new } else { old };
            (new, overflowed != 0, reply as i64)
        };
        if overflowed && f.overflow == Overflow::Fail {
            replies.push(None);
            continue;
        }
        replies.push(Some(reply));
        set_bits(data, f.offset, f.bits, new);
        if grown || (old & mask(f.bits)) != (new & mask(f.bits)) {
            changes += 1;
        }
    }
    if changes > 0 {
        let db = ctx.client.db;
        // Each field that changed counts, as Redis adds them to `dirty`.
        ctx.server.keyspace.modified_counting(db, key, changes);
        ctx.server.keyspace.notify(class::STRING, "setbit", db, key);
    }
    let out = &mut ctx.client.reply;
    out.array(replies.len());
    for r in replies {
        match r {
            Some(v) => out.int(v),
            None => out.null(),
        }
    }
}

fn mask(bits: u64) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

fn read_field(data: &[u8], f: &Field) -> i64 {
    let raw = get_bits(data, f.offset, f.bits);
    if f.signed {
        sign_extend(raw, f.bits)
    } else {
        raw as i64
    }
}

/// `bits` bits from bit `offset` (bits past the end read as 0).
fn get_bits(data: &[u8], offset: u64, bits: u64) -> u64 {
    let mut value = 0u64;
    for j in 0..bits {
        let at = offset + j;
        let byte = data.get((at >> 3) as usize).copied().unwrap_or(0);
        value = (value << 1) | u64::from((byte >> (7 - (at & 7))) & 1);
    }
    value
}

fn set_bits(data: &mut [u8], offset: u64, bits: u64, value: u64) {
    for j in 0..bits {
        let at = offset + j;
        let bit = ((value >> (bits - 1 - j)) & 1) as u8;
        if let Some(byte) = data.get_mut((at >> 3) as usize) {
            let shift = 7 - (at & 7) as u8;
            *byte = (*byte & !(1 << shift)) | (bit << shift);
        }
    }
}

fn sign_extend(raw: u64, bits: u64) -> i64 {
    if bits < 64 && raw & (1 << (bits - 1)) != 0 {
        (raw | (u64::MAX << bits)) as i64
    } else {
        raw as i64
    }
}

/// `checkUnsignedBitfieldOverflow`: 1 over, -1 under, 0 neither, and the value to store
/// instead under WRAP or SAT.
fn unsigned_overflow(value: u64, incr: i64, bits: u64, how: Overflow) -> (i32, u64) {
    let max = mask(bits);
    let max_incr = max.wrapping_sub(value) as i64;
    let min_incr = (value as i64).wrapping_neg();
    let wrapped = || value.wrapping_add(incr as u64) & max;
    if value > max || (incr > 0 && incr > max_incr) {
        let limit = match how {
            Overflow::Wrap => wrapped(),
            Overflow::Sat => max,
            Overflow::Fail => 0,
        };
        (1, limit)
    } else if incr < 0 && incr < min_incr {
        match how {
            Overflow::Wrap => (1, wrapped()),
            Overflow::Sat => (-1, 0),
            Overflow::Fail => (-1, 0),
        }
    } else {
        (0, 0)
    }
}

/// `checkSignedBitfieldOverflow`, as [`unsigned_overflow`].
fn signed_overflow(value: i64, incr: i64, bits: u64, how: Overflow) -> (i32, i64) {
    let max = if bits == 64 {
        i64::MAX
    } else {
        (1i64 << (bits - 1)) - 1
    };
    let min = -max - 1;
    let max_incr = (max as u64).wrapping_sub(value as u64) as i64;
    let min_incr = min.wrapping_sub(value);
    let wrapped = || {
        let c = (value as u64).wrapping_add(incr as u64);
        if bits < 64 {
            let high = u64::MAX << bits;
            if c & (1 << (bits - 1)) != 0 {
                (c | high) as i64
            } else {
                (c & !high) as i64
            }
        } else {
            c as i64
        }
    };
    let over = value > max
        || (bits != 64 && incr > max_incr)
        || (value >= 0 && incr > 0 && incr > max_incr);
    let under = value < min
        || (bits != 64 && incr < min_incr)
        || (value < 0 && incr < 0 && incr < min_incr);
    if over {
        match how {
            Overflow::Wrap => (1, wrapped()),
            Overflow::Sat => (1, max),
            Overflow::Fail => (1, 0),
        }
    } else if under {
        match how {
            Overflow::Wrap => (1, wrapped()),
            Overflow::Sat => (-1, min),
            Overflow::Fail => (-1, 0),
        }
    } else {
        (0, 0)
    }
}

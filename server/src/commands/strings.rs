//! String commands (`t_string.c`): GET/SET and their variants, counters, ranges.

use super::{is, Ctx, Handler, NOT_INTEGER, SYNTAX, WRONGTYPE};
use crate::db::notify::class;
use crate::db::{Bytes, Value};
use crate::long_double;
use crate::util::parse_i64;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("get", get),
    ("set", set),
    ("setnx", setnx),
    ("setex", setex),
    ("psetex", psetex),
    ("getset", getset),
    ("getdel", getdel),
    ("getex", getex),
    ("mget", mget),
    ("mset", mset),
    ("msetnx", msetnx),
    ("append", append),
    ("strlen", strlen),
    ("getrange", getrange),
    ("substr", getrange),
    ("setrange", setrange),
    ("incr", incr),
    ("decr", decr),
    ("incrby", incrby),
    ("decrby", decrby),
    ("incrbyfloat", incrbyfloat),
    ("lcs", lcs),
];

/// The string at `key`: `Ok(None)` when absent, `Err` (WRONGTYPE written) for another type.
pub(super) fn read_string<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a [u8]>, ()> {
    let db = ctx.client.db;
    match ctx.server.keyspace.read(db, key) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            Err(())
        }
    }
}

/// GET's reply for `key` (null, the value, or WRONGTYPE); false on WRONGTYPE.
fn reply_get(ctx: &mut Ctx, key: &[u8]) -> bool {
    let db = ctx.client.db;
    match ctx.server.keyspace.read(db, key) {
        None => ctx.client.reply.null(),
        Some(Value::Str(s)) => ctx.client.reply.bulk(s),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            return false;
        }
    }
    true
}

fn get(ctx: &mut Ctx, argv: &[&[u8]]) {
    reply_get(ctx, argv[1]);
}

/// SET's options, parsed as `parseExtendedStringArgumentsOrReply` does.
#[derive(Default, Clone, Copy)]
struct SetOptions<'a> {
    nx: bool,
    xx: bool,
    get: bool,
    keep_ttl: bool,
    persist: bool,
    expire: Option<(Unit, &'a [u8])>,
}

#[derive(Clone, Copy, PartialEq)]
enum Unit {
    Ex,
    Px,
    ExAt,
    PxAt,
}

fn parse_set_options<'a>(argv: &[&'a [u8]], first: usize, for_set: bool) -> Option<SetOptions<'a>> {
    let mut o = SetOptions::default();
    let mut j = first;
    while j < argv.len() {
        let opt = argv[j];
        let has_next = j + 1 < argv.len();
        let no_expire = o.expire.is_none();
        if is(opt, "nx") && !o.xx && for_set {
            o.nx = true;
        } else if is(opt, "xx") && !o.nx && for_set {
            o.xx = true;
        } else if is(opt, "get") && for_set {
            o.get = true;
        } else if is(opt, "keepttl") && !o.persist && no_expire && for_set {
            o.keep_ttl = true;
        } else if is(opt, "persist") && !for_set && no_expire && !o.keep_ttl {
            o.persist = true;
        } else if let Some(unit) = [
            ("ex", Unit::Ex),
            ("px", Unit::Px),
            ("exat", Unit::ExAt),
            ("pxat", Unit::PxAt),
        ]
        .iter()
        .find(|(name, _)| is(opt, name))
        .map(|(_, u)| *u)
        {
            // The same unit may repeat (the last value wins); mixing units is an error.
            let allowed = !o.keep_ttl && !o.persist && o.expire.is_none_or(|(u, _)| u == unit);
            if !allowed || !has_next {
                return None;
            }
            o.expire = Some((unit, argv[j + 1]));
            j += 1;
        } else {
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// The absolute expiry time in ms for an option's value, or the error Redis gives.
fn expire_ms(ctx: &mut Ctx, unit: Unit, arg: &[u8], command: &str) -> Option<i64> {
    let Some(mut ms) = parse_i64(arg) else {
        ctx.client.reply.error(NOT_INTEGER);
        return None;
    };
    let seconds = matches!(unit, Unit::Ex | Unit::ExAt);
    let invalid = |ctx: &mut Ctx| {
        ctx.client
            .reply
            .error(&format!("ERR invalid expire time in '{command}' command"));
        None
    };
    if ms <= 0 || (seconds && ms > i64::MAX / 1000) {
        return invalid(ctx);
    }
    if seconds {
        ms *= 1000;
    }
    if matches!(unit, Unit::Ex | Unit::Px) {
        ms = ms.wrapping_add(crate::db::now_ms());
    }
    if ms <= 0 {
        return invalid(ctx);
    }
    Some(ms)
}

fn set(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(options) = parse_set_options(argv, 3, true) else {
        ctx.client.reply.error(SYNTAX);
        return;
    };
    set_generic(ctx, argv[1], argv[2], options, "set", None);
}

/// Integer replies for "set" and "not set", for SETNX (instead of `+OK` and null).
type CountReplies = Option<(i64, i64)>;

fn set_generic(
    ctx: &mut Ctx,
    key: &[u8],
    value: &[u8],
    options: SetOptions,
    command: &str,
    counts: CountReplies,
) {
    let mut when = None;
    if let Some((unit, arg)) = options.expire {
        match expire_ms(ctx, unit, arg, command) {
            Some(ms) => when = Some(ms),
            None => return,
        }
    }
    if options.get && !reply_get(ctx, key) {
        return;
    }
    let db = ctx.client.db;
    let found = ctx.server.keyspace.exists(db, key);
    if (options.nx && found) || (options.xx && !found) {
        if !options.get {
            match counts {
                Some((_, not_set)) => ctx.client.reply.int(not_set),
                None => ctx.client.reply.null(),
            }
        }
        return;
    }
    let keyspace = &mut ctx.server.keyspace;
    keyspace.set(db, key, Value::string(value), options.keep_ttl);
    keyspace.notify(class::STRING, "set", db, key);
    if let Some(ms) = when {
        // The value and its expiry time are one change.
        let before = keyspace.dirty;
        keyspace.set_expire(db, key, ms);
        keyspace.recount_writes_since(before, 0);
        keyspace.notify(class::GENERIC, "expire", db, key);
        // Logged as `SET key value PXAT <absolute ms>`, as Redis propagates it.
        let ms = ms.to_string();
        ctx.client.propagate_instead(vec![super::logged(&[
            b"SET",
            key,
            value,
            b"PXAT",
            ms.as_bytes(),
        ])]);
    } else if options.get {
        let mut parts = vec![b"SET".to_vec(), key.to_vec(), value.to_vec()];
        if options.nx {
            parts.push(b"NX".to_vec());
        }
        if options.xx {
            parts.push(b"XX".to_vec());
        }
        if options.keep_ttl {
            parts.push(b"KEEPTTL".to_vec());
        }
        ctx.client.propagate_instead(vec![parts]);
    }
    if !options.get {
        match counts {
            Some((done, _)) => ctx.client.reply.int(done),
            None => ctx.client.reply.ok(),
        }
    }
}

fn setnx(ctx: &mut Ctx, argv: &[&[u8]]) {
    let options = SetOptions {
        nx: true,
        ..Default::default()
    };
    set_generic(ctx, argv[1], argv[2], options, "setnx", Some((1, 0)));
}

fn setex(ctx: &mut Ctx, argv: &[&[u8]]) {
    let options = SetOptions {
        expire: Some((Unit::Ex, argv[2])),
        ..Default::default()
    };
    set_generic(ctx, argv[1], argv[3], options, "setex", None);
}

fn psetex(ctx: &mut Ctx, argv: &[&[u8]]) {
    let options = SetOptions {
        expire: Some((Unit::Px, argv[2])),
        ..Default::default()
    };
    set_generic(ctx, argv[1], argv[3], options, "psetex", None);
}

fn getset(ctx: &mut Ctx, argv: &[&[u8]]) {
    if !reply_get(ctx, argv[1]) {
        return;
    }
    let db = ctx.client.db;
    ctx.server
        .keyspace
        .set(db, argv[1], Value::string(argv[2]), false);
    ctx.server
        .keyspace
        .notify(class::STRING, "set", db, argv[1]);
    ctx.client
        .propagate_instead(vec![super::logged(&[b"SET", argv[1], argv[2]])]);
}

fn getdel(ctx: &mut Ctx, argv: &[&[u8]]) {
    if !reply_get(ctx, argv[1]) {
        return;
    }
    let db = ctx.client.db;
    if ctx.server.keyspace.delete(db, argv[1]).is_some() {
        ctx.server
            .keyspace
            .notify(class::GENERIC, "del", db, argv[1]);
        ctx.client
            .propagate_instead(vec![super::logged(&[b"DEL", argv[1]])]);
    }
}

fn getex(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(options) = parse_set_options(argv, 2, false) else {
        ctx.client.reply.error(SYNTAX);
        return;
    };
    let key = argv[1];
    let value = match read_string(ctx, key) {
        Ok(Some(v)) => v.to_vec(),
        Ok(None) => {
            ctx.client.reply.null();
            return;
        }
        Err(()) => return,
    };
    let mut when = None;
    if let Some((unit, arg)) = options.expire {
        match expire_ms(ctx, unit, arg, "getex") {
            Some(ms) => when = Some(ms),
            None => return,
        }
    }
    ctx.client.reply.bulk(&value);
    let db = ctx.client.db;
    let keyspace = &mut ctx.server.keyspace;
    if let Some(ms) = when {
        let deleted = keyspace.set_expire(db, key, ms);
        keyspace.notify(
            class::GENERIC,
            if deleted { "del" } else { "expire" },
            db,
            key,
        );
        let text = ms.to_string();
        let logged = if deleted {
            super::logged(&[b"DEL", key])
        } else {
            super::logged(&[b"PEXPIREAT", key, text.as_bytes()])
        };
        ctx.client.propagate_instead(vec![logged]);
    } else if options.persist && keyspace.persist(db, key) {
        keyspace.notify(class::GENERIC, "persist", db, key);
        ctx.client
            .propagate_instead(vec![super::logged(&[b"PERSIST", key])]);
    }
}

fn mget(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.client.db;
    ctx.client.reply.array(argv.len() - 1);
    for key in &argv[1..] {
        match ctx.server.keyspace.read(db, key) {
            Some(Value::Str(s)) => ctx.client.reply.bulk(s),
            _ => ctx.client.reply.null(),
        }
    }
}

fn mset_generic(ctx: &mut Ctx, argv: &[&[u8]], nx: bool) {
    if argv.len() % 2 == 0 {
        let name = if nx { "msetnx" } else { "mset" };
        ctx.client.reply.error(&format!(
            "ERR wrong number of arguments for '{name}' command"
        ));
        return;
    }
    let db = ctx.client.db;
    if nx
        && argv[1..]
            .chunks(2)
            .any(|pair| ctx.server.keyspace.exists(db, pair[0]))
    {
        ctx.client.reply.int(0);
        return;
    }
    for pair in argv[1..].chunks(2) {
        ctx.server
            .keyspace
            .set(db, pair[0], Value::string(pair[1]), false);
        ctx.server
            .keyspace
            .notify(class::STRING, "set", db, pair[0]);
    }
    if nx {
        ctx.client.reply.int(1);
    } else {
        ctx.client.reply.ok();
    }
}

fn mset(ctx: &mut Ctx, argv: &[&[u8]]) {
    mset_generic(ctx, argv, false);
}

fn msetnx(ctx: &mut Ctx, argv: &[&[u8]]) {
    mset_generic(ctx, argv, true);
}

/// Refuse a string that would pass `proto-max-bulk-len`.
fn check_length(ctx: &mut Ctx, size: i64, append: i64) -> bool {
    let total = size.checked_add(append);
    if total.is_none_or(|t| t > ctx.server.config.settings.proto_max_bulk_len) {
        ctx.client
            .reply
            .error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
        return false;
    }
    true
}

/// The string at `key` for writing; `Err` after WRONGTYPE.
pub(super) fn write_string<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut Bytes>, ()> {
    let db = ctx.client.db;
    match ctx.server.keyspace.write(db, key) {
        None => Ok(None),
        Some(Value::Str(s)) => Ok(Some(s)),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            Err(())
        }
    }
}

fn append(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (key, tail) = (argv[1], argv[2]);
    let current = match write_string(ctx, key) {
        Err(()) => return,
        Ok(s) => s.map(|s| s.len()),
    };
    let db = ctx.client.db;
    let length = match current {
        None => {
            ctx.server.keyspace.set(db, key, Value::string(tail), false);
            ctx.server.keyspace.notify(class::STRING, "append", db, key);
            tail.len()
        }
        Some(len) => {
            if !check_length(ctx, len as i64, tail.len() as i64) {
                return;
            }
            let Ok(Some(s)) = write_string(ctx, key) else {
                return;
            };
            s.make_mut().extend_from_slice(tail);
            let length = s.len();
            ctx.server.keyspace.modified(db, key);
            ctx.server.keyspace.notify(class::STRING, "append", db, key);
            length
        }
    };
    ctx.client.reply.int(length as i64);
}

fn strlen(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Ok(found) = read_string(ctx, argv[1]) {
        let length = found.map_or(0, |s| s.len());
        ctx.client.reply.int(length as i64);
    }
}

fn getrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (Some(mut start), Some(mut end)) = (parse_i64(argv[2]), parse_i64(argv[3])) else {
        ctx.client.reply.error(NOT_INTEGER);
        return;
    };
    let value = match read_string(ctx, argv[1]) {
        Err(()) => return,
        Ok(None) => {
            ctx.client.reply.bulk(b"");
            return;
        }
        Ok(Some(v)) => v,
    };
    let length = value.len() as i64;
    if start < 0 && end < 0 && start > end {
        ctx.client.reply.bulk(b"");
        return;
    }
    if start < 0 {
        start += length;
    }
    if end < 0 {
        end += length;
    }
    start = start.max(0);
    end = end.max(0);
    if end >= length {
        end = length - 1;
    }
    if start > end || length == 0 {
        ctx.client.reply.bulk(b"");
    } else {
        let slice = value[start as usize..=end as usize].to_vec();
        ctx.client.reply.bulk(&slice);
    }
}

fn setrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (key, patch) = (argv[1], argv[3]);
    let Some(offset) = parse_i64(argv[2]) else {
        ctx.client.reply.error(NOT_INTEGER);
        return;
    };
    if offset < 0 {
        ctx.client.reply.error("ERR offset is out of range");
        return;
    }
    let current = match write_string(ctx, key) {
        Err(()) => return,
        Ok(s) => s.map(|s| s.len()),
    };
    if patch.is_empty() {
        ctx.client.reply.int(current.unwrap_or(0) as i64);
        return;
    }
    if !check_length(ctx, offset, patch.len() as i64) {
        return;
    }
    let db = ctx.client.db;
    if current.is_none() {
        // Counted with the write below.
        ctx.server
            .keyspace
            .add_uncounted(db, key, Value::string(b""));
    }
    let Ok(Some(s)) = write_string(ctx, key) else {
        return;
    };
    let offset = offset as usize;
    let end = offset + patch.len();
    let s = s.make_mut();
    if s.len() < end {
        s.resize(end, 0);
    }
    s[offset..end].copy_from_slice(patch);
    let length = s.len();
    ctx.server.keyspace.modified(db, key);
    ctx.server
        .keyspace
        .notify(class::STRING, "setrange", db, key);
    ctx.client.reply.int(length as i64);
}

fn incr_by(ctx: &mut Ctx, key: &[u8], increment: i64) {
    let db = ctx.client.db;
    let mut digits = itoa::Buffer::new();
    // One lookup; the new value's text is written over the old in place (an integer's text
    // always fits the inline form, so nothing is allocated).
    let value = match write_string(ctx, key) {
        Err(()) => return,
        Ok(None) => {
            ctx.server.keyspace.set(
                db,
                key,
                Value::string(digits.format(increment).as_bytes()),
                false,
            );
            increment
        }
        Ok(Some(s)) => {
            let Some(current) = parse_i64(s) else {
                ctx.client.reply.error(NOT_INTEGER);
                return;
            };
            let Some(value) = current.checked_add(increment) else {
                ctx.client
                    .reply
                    .error("ERR increment or decrement would overflow");
                return;
            };
            *s = Bytes::new(digits.format(value).as_bytes());
            ctx.server.keyspace.modified(db, key);
            value
        }
    };
    ctx.server.keyspace.notify(class::STRING, "incrby", db, key);
    ctx.client.reply.int(value);
}

fn incr(ctx: &mut Ctx, argv: &[&[u8]]) {
    incr_by(ctx, argv[1], 1);
}

fn decr(ctx: &mut Ctx, argv: &[&[u8]]) {
    incr_by(ctx, argv[1], -1);
}

fn incrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Some(n) = super::int_arg(ctx, argv[2]) {
        incr_by(ctx, argv[1], n);
    }
}

fn decrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Some(n) = super::int_arg(ctx, argv[2]) {
        if n == i64::MIN {
            ctx.client.reply.error("ERR decrement would overflow");
            return;
        }
        incr_by(ctx, argv[1], -n);
    }
}

fn incrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) {
    let key = argv[1];
    let result = match write_string(ctx, key) {
        Err(()) => return,
        Ok(current) => long_double::incrbyfloat(current.map(|s| &s[..]), argv[2]),
    };
    let text = match result {
        Ok(text) => text,
        Err(e) => {
            ctx.client.reply.error(e.message());
            return;
        }
    };
    let db = ctx.client.db;
    ctx.server.keyspace.set(db, key, Value::string(&text), true);
    ctx.server
        .keyspace
        .notify(class::STRING, "incrbyfloat", db, key);
    // Propagated as the value it set, so a replica or a replay needs no float arithmetic.
    ctx.client
        .propagate_instead(vec![super::logged(&[b"SET", key, &text, b"KEEPTTL"])]);
    ctx.client.reply.bulk(&text);
}

/// LCS: the longest common subsequence of two strings, its length, or the matching ranges, as
/// Redis computes them (the same dynamic-programming table and the same walk back through it,
/// so ties and range boundaries come out identical).
fn lcs(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.client.db;
    let mut fetch = |key: &[u8]| -> Result<Vec<u8>, ()> {
        match ctx.server.keyspace.read(db, key) {
            None => Ok(Vec::new()),
            Some(Value::Str(s)) => Ok(s.to_vec()),
            Some(_) => Err(()),
        }
    };
    let (Ok(a), Ok(b)) = (fetch(argv[1]), fetch(argv[2])) else {
        ctx.client
            .reply
            .error("ERR The specified keys must contain string values");
        return;
    };
    let (mut get_len, mut get_idx, mut with_match_len) = (false, false, false);
    let mut min_match_len: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if is(argv[j], "idx") {
            get_idx = true;
        } else if is(argv[j], "len") {
            get_len = true;
        } else if is(argv[j], "withmatchlen") {
            with_match_len = true;
        } else if is(argv[j], "minmatchlen") && more > 0 {
            let Some(n) = super::int_arg(ctx, argv[j + 1]) else {
                return;
            };
            min_match_len = n.max(0);
            j += 1;
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
        j += 1;
    }
    if get_len && get_idx {
        ctx.client
            .reply
            .error("ERR If you want both the length and indexes, please just use IDX.");
        return;
    }
    let (alen, blen) = (a.len(), b.len());
    let cells = (alen as u64 + 1) * (blen as u64 + 1);
    if cells.saturating_mul(4) > ctx.server.config.settings.proto_max_bulk_len as u64 {
        ctx.client
            .reply
            .error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
        return;
    }
    let width = blen + 1;
    let mut table = vec![0u32; cells as usize];
    for i in 1..=alen {
        for j in 1..=blen {
            table[i * width + j] = if a[i - 1] == b[j - 1] {
                table[(i - 1) * width + j - 1] + 1
            } else {
                table[(i - 1) * width + j].max(table[i * width + j - 1])
            };
        }
    }
    let total = table[alen * width + blen];
    let mut result = vec![0u8; total as usize];
    let mut idx = total as usize;
    let mut ranges: Vec<[u32; 5]> = Vec::new();
    // `alen` as a start marks "no range open", as in Redis.
    let unset = alen as u32;
    let (mut a_start, mut a_end, mut b_start, mut b_end) = (unset, 0u32, 0u32, 0u32);
    let (mut i, mut j) = (alen, blen);
    let compute = get_idx || !get_len;
    while compute && i > 0 && j > 0 {
        let mut emit = false;
        if a[i - 1] == b[j - 1] {
            result[idx - 1] = a[i - 1];
            if a_start == unset {
                a_start = (i - 1) as u32;
                a_end = (i - 1) as u32;
                b_start = (j - 1) as u32;
                b_end = (j - 1) as u32;
            } else if a_start == i as u32 && b_start == j as u32 {
                a_start -= 1;
                b_start -= 1;
            } else {
                emit = true;
            }
            if a_start == 0 || b_start == 0 {
                emit = true;
            }
            idx -= 1;
            i -= 1;
            j -= 1;
        } else {
            if table[(i - 1) * width + j] > table[i * width + j - 1] {
                i -= 1;
            } else {
                j -= 1;
            }
            if a_start != unset {
                emit = true;
            }
        }
        let match_len = a_end.wrapping_sub(a_start).wrapping_add(1);
        if emit {
            if min_match_len == 0 || i64::from(match_len) >= min_match_len {
                ranges.push([a_start, a_end, b_start, b_end, match_len]);
            }
            a_start = unset;
        }
    }
    let out = &mut ctx.client.reply;
    if get_idx {
        out.map(2);
        out.bulk(b"matches");
        out.array(ranges.len());
        for [a0, a1, b0, b1, len] in ranges {
            out.array(2 + usize::from(with_match_len));
            out.array(2);
            out.int(i64::from(a0));
            out.int(i64::from(a1));
            out.array(2);
            out.int(i64::from(b0));
            out.int(i64::from(b1));
            if with_match_len {
                out.int(i64::from(len));
            }
        }
        out.bulk(b"len");
        out.int(i64::from(total));
    } else if get_len {
        out.int(i64::from(total));
    } else {
        out.bulk(&result);
    }
}

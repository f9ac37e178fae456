//! List commands (`t_list.c`), except the blocking ones.

use super::{is, Ctx, Handler, NOT_INTEGER, SYNTAX, WRONGTYPE};
use crate::db::notify::class;
use crate::db::Value;
use crate::util::parse_i64;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("lmpop", lmpop),
    ("blmpop", blmpop),
    ("lpush", lpush),
    ("rpush", rpush),
    ("lpushx", lpushx),
    ("rpushx", rpushx),
    ("lpop", lpop),
    ("rpop", rpop),
    ("llen", llen),
    ("lrange", lrange),
    ("lindex", lindex),
    ("lset", lset),
    ("linsert", linsert),
    ("lrem", lrem),
    ("ltrim", ltrim),
    ("lpos", lpos),
    ("lmove", lmove),
    ("rpoplpush", rpoplpush),
    ("blpop", blpop),
    ("brpop", brpop),
    ("blmove", blmove),
    ("brpoplpush", brpoplpush),
];

use crate::db::list::List;

/// The list at `key` for reading: `Ok(None)` when absent; `Err` after WRONGTYPE.
fn read_list<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a List>, ()> {
    let db = ctx.client.db;
    match ctx.server.keyspace.read(db, key) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            Err(())
        }
    }
}

fn write_list<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a mut List>, ()> {
    let db = ctx.client.db;
    match ctx.server.keyspace.write(db, key) {
        None => Ok(None),
        Some(Value::List(l)) => Ok(Some(l)),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            Err(())
        }
    }
}

/// After a change that Redis counts as `writes` changes (see [`super::collection_written`]).
fn changed(ctx: &mut Ctx, key: &[u8], event: &'static str, writes: u64) {
    super::collection_written(ctx, key, class::LIST, event, writes);
}

/// Make an empty list at `key`, which does not exist, counting nothing: the push that
/// follows counts its elements.
fn create(ctx: &mut Ctx, key: &[u8]) {
    let db = ctx.client.db;
    ctx.server
        .keyspace
        .add_uncounted(db, key, Value::List(Box::default()));
}

fn push(ctx: &mut Ctx, argv: &[&[u8]], front: bool, only_existing: bool) {
    let key = argv[1];
    let exists = match write_list(ctx, key) {
        Err(()) => return,
        Ok(l) => l.is_some(),
    };
    if !exists {
        if only_existing {
            ctx.client.reply.int(0);
            return;
        }
        create(ctx, key);
    }
    let Ok(Some(list)) = write_list(ctx, key) else {
        return;
    };
    for item in &argv[2..] {
        if front {
            list.push_front(item);
        } else {
            list.push_back(item);
        }
    }
    let length = list.len();
    let pushed = argv.len() as u64 - 2;
    changed(ctx, key, if front { "lpush" } else { "rpush" }, pushed);
    ctx.client.reply.int(length as i64);
}

fn lpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    push(ctx, argv, true, false);
}

fn rpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    push(ctx, argv, false, false);
}

fn lpushx(ctx: &mut Ctx, argv: &[&[u8]]) {
    push(ctx, argv, true, true);
}

fn rpushx(ctx: &mut Ctx, argv: &[&[u8]]) {
    push(ctx, argv, false, true);
}

/// A non-negative count argument, or `ERR <message>` for a negative value or a non-integer,
/// as Redis's `getPositiveLongFromObjectOrReply` answers both.
fn positive(ctx: &mut Ctx, arg: &[u8], message: &str) -> Option<i64> {
    super::positive_arg(
        ctx,
        arg.as_ref(),
        message.strip_prefix("ERR ").unwrap_or(message),
    )
}

const MUST_BE_POSITIVE: &str = "ERR value is out of range, must be positive";

fn pop(ctx: &mut Ctx, argv: &[&[u8]], front: bool) {
    if argv.len() > 3 {
        let name = if front { "lpop" } else { "rpop" };
        ctx.client.reply.error(&format!(
            "ERR wrong number of arguments for '{name}' command"
        ));
        return;
    }
    let count = match argv.get(2) {
        Some(arg) => match positive(ctx, arg, MUST_BE_POSITIVE) {
            Some(n) => Some(n as usize),
            None => return,
        },
        None => None,
    };
    let key = argv[1];
    let list = match write_list(ctx, key) {
        Err(()) => return,
        Ok(None) => {
            if count.is_some() {
                ctx.client.reply.null_array();
            } else {
                ctx.client.reply.null();
            }
            return;
        }
        Ok(Some(l)) => l,
    };
    let taken: Vec<Vec<u8>> = match count {
        Some(0) => Vec::new(),
        Some(n) => (0..n.min(list.len()))
            .filter_map(|_| {
                if front {
                    list.pop_front()
                } else {
                    list.pop_back()
                }
            })
            .collect(),
        None => (if front {
            list.pop_front()
        } else {
            list.pop_back()
        })
        .into_iter()
        .collect(),
    };
    if count == Some(0) {
        ctx.client.reply.array(0);
        return;
    }
    changed(
        ctx,
        key,
        if front { "lpop" } else { "rpop" },
        taken.len() as u64,
    );
    match count {
        Some(_) => ctx.client.reply.bulks(taken.iter().map(|v| v.as_slice())),
        None => ctx.client.reply.bulk(&taken[0]),
    }
}

fn lpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    pop(ctx, argv, true);
}

fn rpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    pop(ctx, argv, false);
}

fn llen(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Ok(list) = read_list(ctx, argv[1]) {
        let length = list.map_or(0, |l| l.len());
        ctx.client.reply.int(length as i64);
    }
}

/// Redis's clamping of a `start..=end` range with negative indexes over `len` items; `None`
/// for an empty range.
pub fn clamp_range(start: i64, end: i64, len: usize) -> Option<(usize, usize)> {
    let len = len as i64;
    let mut start = if start < 0 { len + start } else { start };
    let mut end = if end < 0 { len + end } else { end };
    if start < 0 {
        start = 0;
    }
    if start > end || start >= len {
        return None;
    }
    if end >= len {
        end = len - 1;
    }
    Some((start as usize, end as usize))
}

fn lrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (Some(start), Some(end)) = (parse_i64(argv[2]), parse_i64(argv[3])) else {
        ctx.client.reply.error(NOT_INTEGER);
        return;
    };
    // The reply is written straight from the list (no copy of its elements).
    let db = ctx.client.db;
    let out = &mut ctx.client.reply;
    match ctx.server.keyspace.read(db, argv[1]) {
        None => out.array(0),
        Some(Value::List(list)) => match clamp_range(start, end, list.len()) {
            Some((s, e)) => {
                out.array(e + 1 - s);
                for item in list.iter_from(s).take(e + 1 - s) {
                    out.bulk(item);
                }
            }
            None => out.array(0),
        },
        Some(_) => out.error(WRONGTYPE),
    }
}

/// The position of `index` (negative from the end) in a list of `len`.
fn position(index: i64, len: usize) -> Option<usize> {
    let i = if index < 0 { len as i64 + index } else { index };
    (0..len as i64).contains(&i).then_some(i as usize)
}

fn lindex(ctx: &mut Ctx, argv: &[&[u8]]) {
    // The key is looked up first, as Redis does: a missing key answers nil whatever the index.
    // The reply is written straight from the list (the keyspace and the reply are apart).
    let db = ctx.client.db;
    let out = &mut ctx.client.reply;
    let list = match ctx.server.keyspace.read(db, argv[1]) {
        None => return out.null(),
        Some(Value::List(list)) => list,
        Some(_) => return out.error(WRONGTYPE),
    };
    let Some(index) = parse_i64(argv[2]) else {
        return out.error(NOT_INTEGER);
    };
    match position(index, list.len()).and_then(|i| list.get(i)) {
        Some(item) => out.bulk(item),
        None => out.null(),
    }
}

fn lset(ctx: &mut Ctx, argv: &[&[u8]]) {
    let key = argv[1];
    // The key first, as Redis: a missing key is the error whatever the index.
    let list = match write_list(ctx, key) {
        Err(()) => return,
        Ok(None) => {
            ctx.client.reply.error("ERR no such key");
            return;
        }
        Ok(Some(l)) => l,
    };
    let Some(index) = parse_i64(argv[2]) else {
        ctx.client.reply.error(NOT_INTEGER);
        return;
    };
    match position(index, list.len()) {
        Some(i) => {
            list.set(i, argv[3]);
            changed(ctx, key, "lset", 1);
            ctx.client.reply.ok();
        }
        None => ctx.client.reply.error("ERR index out of range"),
    }
}

fn linsert(ctx: &mut Ctx, argv: &[&[u8]]) {
    let after = if is(argv[2], "after") {
        true
    } else if is(argv[2], "before") {
        false
    } else {
        ctx.client.reply.error(SYNTAX);
        return;
    };
    let key = argv[1];
    let list = match write_list(ctx, key) {
        Err(()) => return,
        Ok(None) => {
            ctx.client.reply.int(0);
            return;
        }
        Ok(Some(l)) => l,
    };
    let Some(at) = list.iter().position(|v| v == argv[3]) else {
        ctx.client.reply.int(-1);
        return;
    };
    list.insert(if after { at + 1 } else { at }, argv[4]);
    let length = list.len();
    changed(ctx, key, "linsert", 1);
    ctx.client.reply.int(length as i64);
}

fn lrem(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(count) = parse_i64(argv[2]) else {
        ctx.client.reply.error(NOT_INTEGER);
        return;
    };
    let key = argv[1];
    let target = argv[3];
    let list = match write_list(ctx, key) {
        Err(()) => return,
        Ok(None) => {
            ctx.client.reply.int(0);
            return;
        }
        Ok(Some(l)) => l,
    };
    let limit = if count == 0 {
        usize::MAX
    } else {
        count.unsigned_abs() as usize
    };
    let removed = list.remove_matching(target, limit, count < 0);
    if removed > 0 {
        changed(ctx, key, "lrem", removed as u64);
    }
    ctx.client.reply.int(removed as i64);
}

fn ltrim(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (Some(start), Some(end)) = (parse_i64(argv[2]), parse_i64(argv[3])) else {
        ctx.client.reply.error(NOT_INTEGER);
        return;
    };
    let key = argv[1];
    let list = match write_list(ctx, key) {
        Err(()) => return,
        Ok(None) => {
            ctx.client.reply.ok();
            return;
        }
        Ok(Some(l)) => l,
    };
    let before = list.len();
    match clamp_range(start, end, list.len()) {
        Some((s, e)) => {
            list.keep_range(s, e);
        }
        None => list.clear(),
    }
    // Counted by the elements it removed: trimming nothing is not propagated, though the
    // event is sent and watchers are told.
    let removed = (before - list.len()) as u64;
    changed(ctx, key, "ltrim", removed);
    ctx.client.reply.ok();
}

fn lpos(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut rank: i64 = 1;
    let mut count: Option<i64> = None;
    let mut maxlen: i64 = 0;
    let mut j = 3;
    while j < argv.len() {
        let has_value = j + 1 < argv.len();
        if is(argv[j], "rank") && has_value {
            let Some(r) = super::int_arg(ctx, argv[j + 1]) else {
                return;
            };
            if r == 0 {
                ctx.client.reply.error("ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
                return;
            }
            rank = r;
        } else if is(argv[j], "count") && has_value {
            let Some(c) = positive(ctx, argv[j + 1], "ERR COUNT can't be negative") else {
                return;
            };
            count = Some(c);
        } else if is(argv[j], "maxlen") && has_value {
            let Some(m) = positive(ctx, argv[j + 1], "ERR MAXLEN can't be negative") else {
                return;
            };
            maxlen = m;
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
        j += 2;
    }
    // A negative rank counts from the tail. Redis negates it in C's arithmetic, so the most
    // negative rank stays negative and every match qualifies (and COUNT stops nothing): the
    // comparisons below wrap the same way.
    let (from_end, rank) = (rank < 0, if rank < 0 { rank.wrapping_neg() } else { rank });
    let target = argv[2];
    let list = match read_list(ctx, argv[1]) {
        Err(()) => return,
        Ok(None) => {
            if count.is_some() {
                ctx.client.reply.array(0);
            } else {
                ctx.client.reply.null();
            }
            return;
        }
        Ok(Some(l)) => l,
    };
    let found = positions(list, target, rank, count, maxlen, from_end);
    match count {
        Some(_) => {
            ctx.client.reply.array(found.len());
            for i in found {
                ctx.client.reply.int(i);
            }
        }
        None => match found.first() {
            Some(&i) => ctx.client.reply.int(i),
            None => ctx.client.reply.null(),
        },
    }
}

/// The indexes LPOS reports: matches of `target` from the `rank`th on (from the tail when
/// `from_end`), stopping after `count` of them (`None`: one) or `maxlen` elements compared.
fn positions(
    list: &List,
    target: &[u8],
    rank: i64,
    count: Option<i64>,
    maxlen: i64,
    from_end: bool,
) -> Vec<i64> {
    // From the tail, the elements are gathered first: a packed list reads forward.
    let in_order: Box<dyn Iterator<Item = (usize, &[u8])>> = if from_end {
        let all: Vec<&[u8]> = list.iter().collect();
        Box::new(all.into_iter().enumerate().rev())
    } else {
        Box::new(list.iter().enumerate())
    };
    let mut found = Vec::new();
    let mut matches = 0i64;
    for (step, (index, item)) in in_order.enumerate() {
        if maxlen != 0 && step as i64 >= maxlen {
            break;
        }
        if item != target {
            continue;
        }
        matches += 1;
        if matches >= rank {
            found.push(index as i64);
            match count {
                None => break,
                Some(wanted)
                    if wanted != 0 && matches.wrapping_sub(rank).wrapping_add(1) >= wanted =>
                {
                    break
                }
                Some(_) => {}
            }
        }
    }
    found
}

fn side(ctx: &mut Ctx, arg: &[u8]) -> Option<bool> {
    if is(arg, "left") {
        Some(true)
    } else if is(arg, "right") {
        Some(false)
    } else {
        ctx.client.reply.error(SYNTAX);
        None
    }
}

/// Pop from `source` (`from_left`) and push onto `destination` (`to_left`), as LMOVE does:
/// the push is made (and announced) before the source is found empty, so moving the one
/// element of a list onto itself leaves the key in place.
fn move_item(ctx: &mut Ctx, source: &[u8], destination: &[u8], from_left: bool, to_left: bool) {
    match write_list(ctx, source) {
        Err(()) => return,
        Ok(None) => {
            ctx.client.reply.null();
            return;
        }
        Ok(Some(_)) => {}
    }
    if write_list(ctx, destination).is_err() {
        return;
    }
    let Ok(Some(list)) = write_list(ctx, source) else {
        return;
    };
    let Some(item) = (if from_left {
        list.pop_front()
    } else {
        list.pop_back()
    }) else {
        ctx.client.reply.null();
        return;
    };
    let db = ctx.client.db;
    if !ctx.server.keyspace.exists(db, destination) {
        create(ctx, destination);
    }
    if let Ok(Some(list)) = write_list(ctx, destination) {
        if to_left {
            list.push_front(&item);
        } else {
            list.push_back(&item);
        }
    }
    ctx.server.keyspace.signal_modified(db, destination);
    let push_event = if to_left { "lpush" } else { "rpush" };
    ctx.server
        .keyspace
        .notify(class::LIST, push_event, db, destination);
    // The move counts as one change.
    changed(ctx, source, if from_left { "lpop" } else { "rpop" }, 1);
    ctx.client.reply.bulk(&item);
}

fn lmove(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(from_left) = side(ctx, argv[3]) else {
        return;
    };
    let Some(to_left) = side(ctx, argv[4]) else {
        return;
    };
    move_item(ctx, argv[1], argv[2], from_left, to_left);
}

fn rpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    move_item(ctx, argv[1], argv[2], false, true);
}

/// BLPOP/BRPOP: pop from the first non-empty list of `keys`, replying `[key, value]`.
fn blocking_pop(ctx: &mut Ctx, argv: &[&[u8]], front: bool) {
    let Some(deadline) = super::timeout_arg(ctx, argv[argv.len() - 1]) else {
        return;
    };
    let keys = &argv[1..argv.len() - 1];
    for key in keys {
        let item = match write_list(ctx, key) {
            Err(()) => return,
            Ok(None) => continue,
            Ok(Some(list)) => {
                if front {
                    list.pop_front()
                } else {
                    list.pop_back()
                }
            }
        };
        if let Some(item) = item {
            changed(ctx, key, if front { "lpop" } else { "rpop" }, 1);
            // Propagated as the plain pop it was.
            let pop: &[u8] = if front { b"LPOP" } else { b"RPOP" };
            ctx.client
                .propagate_instead(vec![super::logged(&[pop, key])]);
            let out = &mut ctx.client.reply;
            out.array(2);
            out.bulk(key);
            out.bulk(&item);
            return;
        }
    }
    super::block_or_answer(ctx, keys, deadline, true);
}

fn blpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    blocking_pop(ctx, argv, true);
}

fn brpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    blocking_pop(ctx, argv, false);
}

fn blocking_move(ctx: &mut Ctx, argv: &[&[u8]], from_left: bool, to_left: bool, timeout: &[u8]) {
    let Some(deadline) = super::timeout_arg(ctx, timeout) else {
        return;
    };
    match write_list(ctx, argv[1]) {
        Err(()) => {}
        Ok(Some(_)) => {
            move_item(ctx, argv[1], argv[2], from_left, to_left);
            // Propagated as the command's non-blocking form.
            let plain = if argv.len() == 6 {
                super::logged(&[b"LMOVE", argv[1], argv[2], argv[3], argv[4]])
            } else {
                super::logged(&[b"RPOPLPUSH", argv[1], argv[2]])
            };
            ctx.client.propagate_instead(vec![plain]);
        }
        Ok(None) => super::block_or_answer(ctx, &argv[1..2], deadline, false),
    }
}

fn blmove(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(from_left) = side(ctx, argv[3]) else {
        return;
    };
    let Some(to_left) = side(ctx, argv[4]) else {
        return;
    };
    blocking_move(ctx, argv, from_left, to_left, argv[5]);
}

fn brpoplpush(ctx: &mut Ctx, argv: &[&[u8]]) {
    blocking_move(ctx, argv, false, true, argv[3]);
}

/// Pop up to `count` items from the first non-empty list, replying `[key, [items]]`.
/// `Some(false)` when every list is empty or missing; `None` after WRONGTYPE.
fn pop_first(ctx: &mut Ctx, request: &super::MultiPop) -> Option<bool> {
    for key in request.keys {
        let items: Vec<Vec<u8>> = match write_list(ctx, key) {
            Err(()) => return None,
            Ok(None) => continue,
            Ok(Some(list)) => {
                let n = request.count.min(list.len());
                let pop = if request.from_start {
                    List::pop_front
                } else {
                    List::pop_back
                };
                (0..n).filter_map(|_| pop(list)).collect()
            }
        };
        if items.is_empty() {
            continue;
        }
        changed(
            ctx,
            key,
            if request.from_start { "lpop" } else { "rpop" },
            items.len() as u64,
        );
        // Propagated as a plain pop of what it took.
        let pop: &[u8] = if request.from_start { b"LPOP" } else { b"RPOP" };
        let count = items.len().to_string();
        ctx.client
            .propagate_instead(vec![super::logged(&[pop, key, count.as_bytes()])]);
        let out = &mut ctx.client.reply;
        out.array(2);
        out.bulk(key);
        out.bulks(items.iter().map(|i| i.as_slice()));
        return Some(true);
    }
    Some(false)
}

/// LMPOP numkeys key... LEFT|RIGHT [COUNT count].
fn lmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(request) = super::multi_pop_args(ctx, argv, 1, "left", "right") else {
        return;
    };
    if pop_first(ctx, &request) == Some(false) {
        ctx.client.reply.null_array();
    }
}

/// BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT count].
fn blmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(request) = super::multi_pop_args(ctx, argv, 2, "left", "right") else {
        return;
    };
    let Some(deadline) = super::timeout_arg(ctx, argv[1]) else {
        return;
    };
    if pop_first(ctx, &request) == Some(false) {
        super::block_or_answer(ctx, request.keys, deadline, true);
    }
}

//! Sorted set commands (`t_zset.c`): adding and scoring, ranks, ranges by rank, score and
//! lexicographic order, removals by range, pops.

use super::{is, Ctx, Handler, NOT_FLOAT, NOT_INTEGER, SYNTAX, WRONGTYPE};
use crate::db::notify::class;
use crate::db::zset::ZSet;
use crate::db::Value;
use crate::util::parse_i64;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("zadd", zadd),
    ("zincrby", zincrby),
    ("zrem", zrem),
    ("zcard", zcard),
    ("zscore", zscore),
    ("zmscore", zmscore),
    ("zrank", zrank),
    ("zrevrank", zrevrank),
    ("zcount", zcount),
    ("zlexcount", zlexcount),
    ("zrange", zrange),
    ("zrangestore", zrangestore),
    ("zrevrange", zrevrange),
    ("zrangebyscore", zrangebyscore),
    ("zrevrangebyscore", zrevrangebyscore),
    ("zrangebylex", zrangebylex),
    ("zrevrangebylex", zrevrangebylex),
    ("zremrangebyrank", zremrangebyrank),
    ("zremrangebyscore", zremrangebyscore),
    ("zremrangebylex", zremrangebylex),
    ("zpopmin", zpopmin),
    ("zpopmax", zpopmax),
    ("bzpopmin", bzpopmin),
    ("bzpopmax", bzpopmax),
];

pub(super) fn read_zset<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a ZSet>, ()> {
    let db = ctx.client.db;
    match ctx.server.keyspace.read(db, key) {
        None => Ok(None),
        Some(Value::ZSet(z)) => Ok(Some(z)),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            Err(())
        }
    }
}

pub(super) fn write_zset<'a>(
    ctx: &'a mut Ctx,
    key: &[u8],
    create: bool,
) -> Result<Option<&'a mut ZSet>, ()> {
    let db = ctx.client.db;
    let exists = match ctx.server.keyspace.write(db, key) {
        None => false,
        Some(Value::ZSet(_)) => true,
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            return Err(());
        }
    };
    if !exists {
        if !create {
            return Ok(None);
        }
        // Counted by the members the command adds.
        ctx.server
            .keyspace
            .add_uncounted(db, key, Value::ZSet(Default::default()));
    }
    match ctx.server.keyspace.write(db, key) {
        Some(Value::ZSet(z)) => Ok(Some(z)),
        _ => Ok(None),
    }
}

/// After a change that Redis counts as `writes` changes (see [`super::collection_written`]).
pub(super) fn changed(ctx: &mut Ctx, key: &[u8], event: &'static str, writes: u64) {
    super::collection_written(ctx, key, class::ZSET, event, writes);
}

/// Redis's `getDoubleFromObject`: `strtod` of the whole argument, no leading space, no NaN,
/// nothing out of range unless written as infinity.
fn parse_score(arg: &[u8]) -> Option<f64> {
    crate::util::parse_f64_in_range(arg)
}

#[derive(Default)]
struct AddFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
    ch: bool,
    incr: bool,
}

fn zadd_generic(ctx: &mut Ctx, argv: &[&[u8]], mut flags: AddFlags) {
    let mut index = 2;
    while index < argv.len() {
        let opt = argv[index];
        if is(opt, "nx") {
            flags.nx = true;
        } else if is(opt, "xx") {
            flags.xx = true;
        } else if is(opt, "ch") {
            flags.ch = true;
        } else if is(opt, "incr") {
            flags.incr = true;
        } else if is(opt, "gt") {
            flags.gt = true;
        } else if is(opt, "lt") {
            flags.lt = true;
        } else {
            break;
        }
        index += 1;
    }
    let pairs = &argv[index..];
    if pairs.is_empty() || pairs.len() % 2 == 1 {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    if flags.nx && flags.xx {
        ctx.client
            .reply
            .error("ERR XX and NX options at the same time are not compatible");
        return;
    }
    if (flags.gt && flags.nx) || (flags.lt && flags.nx) || (flags.gt && flags.lt) {
        ctx.client
            .reply
            .error("ERR GT, LT, and/or NX options at the same time are not compatible");
        return;
    }
    if flags.incr && pairs.len() > 2 {
        ctx.client
            .reply
            .error("ERR INCR option supports a single increment-element pair");
        return;
    }
    let mut scores = Vec::with_capacity(pairs.len() / 2);
    for pair in pairs.chunks(2) {
        match parse_score(pair[0]) {
            Some(s) => scores.push(s),
            None => {
                ctx.client.reply.error(NOT_FLOAT);
                return;
            }
        }
    }
    let key = argv[1];
    let exists = match read_zset(ctx, key) {
        Err(()) => return,
        Ok(z) => z.is_some(),
    };
    let (mut added, mut updated, mut processed) = (0, 0, 0);
    let mut last_score = 0.0;
    if exists || !flags.xx {
        let limits = ctx.limits();
        let Ok(Some(zset)) = write_zset(ctx, key, true) else {
            return;
        };
        for (pair, &score) in pairs.chunks(2).zip(&scores) {
            let member = pair[1];
            match zset.score(member) {
                Some(current) => {
                    if flags.nx {
                        continue;
                    }
                    let new = if flags.incr { current + score } else { score };
                    if new.is_nan() {
                        ctx.client
                            .reply
                            .error("ERR resulting score is not a number (NaN)");
                        return;
                    }
                    if (flags.gt && new <= current) || (flags.lt && new >= current) {
                        continue;
                    }
                    processed += 1;
                    last_score = new;
                    if new != current {
                        zset.insert(member, new, &limits);
                        updated += 1;
                    }
                }
                None => {
                    if flags.xx {
                        continue;
                    }
                    zset.insert(member, score, &limits);
                    added += 1;
                    processed += 1;
                    last_score = score;
                }
            }
        }
        // Members given their present score again change nothing: no event, watchers
        // untouched, nothing propagated.
        if added + updated > 0 {
            let event = if flags.incr { "zincr" } else { "zadd" };
            changed(ctx, key, event, (added + updated) as u64);
        }
    }
    if flags.incr {
        if processed > 0 {
            ctx.client.reply.double(last_score);
        } else {
            ctx.client.reply.null();
        }
    } else {
        ctx.client
            .reply
            .int(if flags.ch { added + updated } else { added });
    }
}

pub(super) fn zadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    zadd_generic(ctx, argv, AddFlags::default());
}

fn zincrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    zadd_generic(
        ctx,
        argv,
        AddFlags {
            incr: true,
            ..Default::default()
        },
    );
}

fn zrem(ctx: &mut Ctx, argv: &[&[u8]]) {
    let key = argv[1];
    let removed = match write_zset(ctx, key, false) {
        Err(()) => return,
        Ok(None) => 0,
        Ok(Some(z)) => argv[2..].iter().filter(|m| z.remove(m)).count(),
    };
    if removed > 0 {
        changed(ctx, key, "zrem", removed as u64);
    }
    ctx.client.reply.int(removed as i64);
}

fn zcard(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Ok(z) = read_zset(ctx, argv[1]) {
        let length = z.map_or(0, ZSet::len);
        ctx.client.reply.int(length as i64);
    }
}

fn zscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let score = match read_zset(ctx, argv[1]) {
        Err(()) => return,
        Ok(z) => z.and_then(|z| z.score(argv[2])),
    };
    match score {
        Some(s) => ctx.client.reply.double(s),
        None => ctx.client.reply.null(),
    }
}

fn zmscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let scores: Vec<Option<f64>> = match read_zset(ctx, argv[1]) {
        Err(()) => return,
        Ok(z) => argv[2..]
            .iter()
            .map(|m| z.and_then(|z| z.score(m)))
            .collect(),
    };
    ctx.client.reply.array(scores.len());
    for s in scores {
        match s {
            Some(s) => ctx.client.reply.double(s),
            None => ctx.client.reply.null(),
        }
    }
}

fn rank_generic(ctx: &mut Ctx, argv: &[&[u8]], reverse: bool) {
    let rank = match read_zset(ctx, argv[1]) {
        Err(()) => return,
        Ok(z) => z.and_then(|z| {
            z.rank(argv[2])
                .map(|r| if reverse { z.len() - 1 - r } else { r })
        }),
    };
    match rank {
        Some(r) => ctx.client.reply.int(r as i64),
        None => ctx.client.reply.null(),
    }
}

fn zrank(ctx: &mut Ctx, argv: &[&[u8]]) {
    rank_generic(ctx, argv, false);
}

fn zrevrank(ctx: &mut Ctx, argv: &[&[u8]]) {
    rank_generic(ctx, argv, true);
}

/// A score bound: `1.5`, `(1.5` (exclusive), `-inf`, `+inf`.
#[derive(Clone, Copy)]
struct ScoreRange {
    min: f64,
    max: f64,
    min_open: bool,
    max_open: bool,
}

impl ScoreRange {
    fn parse(min: &[u8], max: &[u8]) -> Option<ScoreRange> {
        let bound = |b: &[u8]| -> Option<(f64, bool)> {
            let (open, text) = match b.first() {
                Some(b'(') => (true, &b[1..]),
                _ => (false, b),
            };
            let v = crate::util::parse_f64_loose(text)?;
            Some((v, open))
        };
        let (min, min_open) = bound(min)?;
        let (max, max_open) = bound(max)?;
        Some(ScoreRange {
            min,
            max,
            min_open,
            max_open,
        })
    }

    fn contains(&self, s: f64) -> bool {
        let above = if self.min_open {
            s > self.min
        } else {
            s >= self.min
        };
        let below = if self.max_open {
            s < self.max
        } else {
            s <= self.max
        };
        above && below
    }
}

/// A lexicographic bound: `-`, `+`, `[x` (inclusive), `(x` (exclusive).
#[derive(Clone)]
enum LexBound {
    Min,
    Max,
    Inclusive(Vec<u8>),
    Exclusive(Vec<u8>),
}

impl LexBound {
    fn parse(b: &[u8]) -> Option<LexBound> {
        match b.first()? {
            b'-' if b.len() == 1 => Some(LexBound::Min),
            b'+' if b.len() == 1 => Some(LexBound::Max),
            b'[' => Some(LexBound::Inclusive(b[1..].to_vec())),
            b'(' => Some(LexBound::Exclusive(b[1..].to_vec())),
            _ => None,
        }
    }

    fn above_min(&self, m: &[u8]) -> bool {
        match self {
            LexBound::Min => true,
            LexBound::Max => false,
            LexBound::Inclusive(v) => m >= v.as_slice(),
            LexBound::Exclusive(v) => m > v.as_slice(),
        }
    }

    fn below_max(&self, m: &[u8]) -> bool {
        match self {
            LexBound::Min => false,
            LexBound::Max => true,
            LexBound::Inclusive(v) => m <= v.as_slice(),
            LexBound::Exclusive(v) => m < v.as_slice(),
        }
    }
}

const NOT_FLOAT_RANGE: &str = "ERR min or max is not a float";
const NOT_LEX_RANGE: &str = "ERR min or max not valid string range item";

fn zcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(range) = ScoreRange::parse(argv[2], argv[3]) else {
        ctx.client.reply.error(NOT_FLOAT_RANGE);
        return;
    };
    if let Ok(z) = read_zset(ctx, argv[1]) {
        let n = z.map_or(0, |z| z.iter().filter(|(_, s)| range.contains(*s)).count());
        ctx.client.reply.int(n as i64);
    }
}

fn zlexcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (Some(min), Some(max)) = (LexBound::parse(argv[2]), LexBound::parse(argv[3])) else {
        ctx.client.reply.error(NOT_LEX_RANGE);
        return;
    };
    if let Ok(z) = read_zset(ctx, argv[1]) {
        let n = z.map_or(0, |z| {
            z.iter()
                .filter(|(m, _)| min.above_min(m) && max.below_max(m))
                .count()
        });
        ctx.client.reply.int(n as i64);
    }
}

#[derive(Clone, Copy, PartialEq)]
enum RangeKind {
    Auto,
    Rank,
    Score,
    Lex,
}

/// One parsed ZRANGE-family request.
struct RangeRequest {
    kind: RangeKind,
    reverse: bool,
    with_scores: bool,
    offset: i64,
    limit: i64,
}

/// ZRANGE and its older forms: parse the options after `key min max` (from `first_option`),
/// then the bounds, and select the entries. `None` when an error was written.
fn select(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    key_index: usize,
    mut kind: RangeKind,
    reverse: Option<bool>,
    store: bool,
) -> Option<(Vec<(Vec<u8>, f64)>, bool)> {
    let mut request = RangeRequest {
        kind,
        reverse: reverse.unwrap_or(false),
        with_scores: false,
        offset: 0,
        limit: -1,
    };
    let mut j = key_index + 3;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        if !store && is(argv[j], "withscores") {
            request.with_scores = true;
        } else if is(argv[j], "limit") && left >= 2 {
            let (Some(o), Some(l)) = (parse_i64(argv[j + 1]), parse_i64(argv[j + 2])) else {
                ctx.client.reply.error(NOT_INTEGER);
                return None;
            };
            request.offset = o;
            request.limit = l;
            j += 2;
        } else if reverse.is_none() && !request.reverse && is(argv[j], "rev") {
            request.reverse = true;
        } else if kind == RangeKind::Auto && is(argv[j], "bylex") {
            kind = RangeKind::Lex;
        } else if kind == RangeKind::Auto && is(argv[j], "byscore") {
            kind = RangeKind::Score;
        } else {
            ctx.client.reply.error(SYNTAX);
            return None;
        }
        j += 1;
    }
    if kind == RangeKind::Auto {
        kind = RangeKind::Rank;
    }
    request.kind = kind;
    if request.limit != -1 && kind == RangeKind::Rank {
        ctx.client.reply.error(
            "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX",
        );
        return None;
    }
    if request.with_scores && kind == RangeKind::Lex {
        ctx.client
            .reply
            .error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
        return None;
    }
    let (mut lo, mut hi) = (argv[key_index + 1], argv[key_index + 2]);
    if request.reverse && kind != RangeKind::Rank {
        std::mem::swap(&mut lo, &mut hi);
    }
    enum Bounds {
        Rank(i64, i64),
        Score(ScoreRange),
        Lex(LexBound, LexBound),
    }
    let bounds = match kind {
        RangeKind::Score => match ScoreRange::parse(lo, hi) {
            Some(r) => Bounds::Score(r),
            None => {
                ctx.client.reply.error(NOT_FLOAT_RANGE);
                return None;
            }
        },
        RangeKind::Lex => match (LexBound::parse(lo), LexBound::parse(hi)) {
            (Some(a), Some(b)) => Bounds::Lex(a, b),
            _ => {
                ctx.client.reply.error(NOT_LEX_RANGE);
                return None;
            }
        },
        _ => match (parse_i64(lo), parse_i64(hi)) {
            (Some(a), Some(b)) => Bounds::Rank(a, b),
            _ => {
                ctx.client.reply.error(NOT_INTEGER);
                return None;
            }
        },
    };
    let zset = read_zset(ctx, argv[key_index]).ok()?;
    let Some(zset) = zset else {
        return Some((Vec::new(), request.with_scores));
    };
    let ordered: Box<dyn Iterator<Item = (&[u8], f64)>> = if request.reverse {
        Box::new(zset.iter().rev())
    } else {
        Box::new(zset.iter())
    };
    let selected: Vec<(Vec<u8>, f64)> = match bounds {
        Bounds::Rank(start, end) => match super::lists::clamp_range(start, end, zset.len()) {
            Some((s, e)) => ordered
                .skip(s)
                .take(e - s + 1)
                .map(|(m, sc)| (m.to_vec(), sc))
                .collect(),
            None => Vec::new(),
        },
        Bounds::Score(range) => limit(
            ordered.filter(|(_, s)| range.contains(*s)),
            request.offset,
            request.limit,
        ),
        Bounds::Lex(min, max) => limit(
            ordered.filter(|(m, _)| min.above_min(m) && max.below_max(m)),
            request.offset,
            request.limit,
        ),
    };
    Some((selected, request.with_scores))
}

/// LIMIT offset count: a negative offset selects nothing, a negative count everything left.
fn limit<'a>(
    entries: impl Iterator<Item = (&'a [u8], f64)>,
    offset: i64,
    count: i64,
) -> Vec<(Vec<u8>, f64)> {
    if offset < 0 {
        return Vec::new();
    }
    let taken = entries.skip(offset as usize).map(|(m, s)| (m.to_vec(), s));
    if count < 0 {
        taken.collect()
    } else {
        taken.take(count as usize).collect()
    }
}

/// Members (with scores as RESP2 flat pairs or RESP3 nested pairs).
pub(super) fn reply_entries(ctx: &mut Ctx, entries: &[(Vec<u8>, f64)], with_scores: bool) {
    let out = &mut ctx.client.reply;
    let resp3 = out.resp3();
    out.array(if with_scores && !resp3 {
        entries.len() * 2
    } else {
        entries.len()
    });
    for (member, score) in entries {
        if with_scores && resp3 {
            out.array(2);
        }
        out.bulk(member);
        if with_scores {
            out.double(*score);
        }
    }
}

fn range_command(ctx: &mut Ctx, argv: &[&[u8]], kind: RangeKind, reverse: Option<bool>) {
    if let Some((entries, with_scores)) = select(ctx, argv, 1, kind, reverse, false) {
        reply_entries(ctx, &entries, with_scores);
    }
}

fn zrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    range_command(ctx, argv, RangeKind::Auto, None);
}

fn zrevrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    range_command(ctx, argv, RangeKind::Rank, Some(true));
}

fn zrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    range_command(ctx, argv, RangeKind::Score, Some(false));
}

fn zrevrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    range_command(ctx, argv, RangeKind::Score, Some(true));
}

fn zrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) {
    range_command(ctx, argv, RangeKind::Lex, Some(false));
}

fn zrevrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) {
    range_command(ctx, argv, RangeKind::Lex, Some(true));
}

fn zrangestore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some((entries, _)) = select(ctx, argv, 2, RangeKind::Auto, None, true) else {
        return;
    };
    let db = ctx.client.db;
    let destination = argv[1];
    // The result replaces the destination (one change), or an empty result deletes it.
    if !entries.is_empty() {
        let limits = ctx.limits();
        let mut zset = ZSet::default();
        for (member, score) in &entries {
            zset.insert(member, *score, &limits);
        }
        ctx.server
            .keyspace
            .set(db, destination, Value::ZSet(zset), false);
        ctx.server
            .keyspace
            .notify(class::ZSET, "zrangestore", db, destination);
    } else if ctx.server.keyspace.delete(db, destination).is_some() {
        ctx.server
            .keyspace
            .notify(class::GENERIC, "del", db, destination);
    }
    ctx.client.reply.int(entries.len() as i64);
}

/// Remove the entries ZRANGE would select with these bounds; how many.
fn remove_range(ctx: &mut Ctx, argv: &[&[u8]], kind: RangeKind) {
    // Parse the bounds as the matching range query would, without options.
    let probe: Vec<&[u8]> = argv[..4].to_vec();
    let Some((entries, _)) = select(ctx, &probe, 1, kind, Some(false), true) else {
        return;
    };
    let key = argv[1];
    if let Ok(Some(zset)) = write_zset(ctx, key, false) {
        for (member, _) in &entries {
            zset.remove(member);
        }
    }
    if !entries.is_empty() {
        let event = match kind {
            RangeKind::Rank => "zremrangebyrank",
            RangeKind::Score => "zremrangebyscore",
            _ => "zremrangebylex",
        };
        changed(ctx, key, event, entries.len() as u64);
    }
    ctx.client.reply.int(entries.len() as i64);
}

fn zremrangebyrank(ctx: &mut Ctx, argv: &[&[u8]]) {
    remove_range(ctx, argv, RangeKind::Rank);
}

fn zremrangebyscore(ctx: &mut Ctx, argv: &[&[u8]]) {
    remove_range(ctx, argv, RangeKind::Score);
}

fn zremrangebylex(ctx: &mut Ctx, argv: &[&[u8]]) {
    remove_range(ctx, argv, RangeKind::Lex);
}

fn pop(ctx: &mut Ctx, argv: &[&[u8]], max: bool) {
    if argv.len() > 3 {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    let count = match argv.get(2) {
        None => None,
        Some(arg) => match super::positive_arg(ctx, arg, "value is out of range, must be positive")
        {
            Some(n) => Some(n as usize),
            None => return,
        },
    };
    let nested = ctx.client.resp() > 2 && count.is_some();
    let key = argv[1];
    let taken: Vec<(Vec<u8>, f64)> = match write_zset(ctx, key, false) {
        Err(()) => return,
        Ok(None) => Vec::new(),
        Ok(Some(z)) => z.pop(max, count.unwrap_or(1)),
    };
    if !taken.is_empty() {
        let event = if max { "zpopmax" } else { "zpopmin" };
        changed(ctx, key, event, taken.len() as u64);
    }
    let out = &mut ctx.client.reply;
    out.array(if nested { taken.len() } else { taken.len() * 2 });
    for (member, score) in &taken {
        if nested {
            out.array(2);
        }
        out.bulk(member);
        out.double(*score);
    }
}

fn zpopmin(ctx: &mut Ctx, argv: &[&[u8]]) {
    pop(ctx, argv, false);
}

fn zpopmax(ctx: &mut Ctx, argv: &[&[u8]]) {
    pop(ctx, argv, true);
}

/// BZPOPMIN/BZPOPMAX: pop from the first non-empty sorted set, replying `[key, member, score]`.
fn blocking_pop(ctx: &mut Ctx, argv: &[&[u8]], max: bool) {
    let Some(deadline) = super::timeout_arg(ctx, argv[argv.len() - 1]) else {
        return;
    };
    let keys = &argv[1..argv.len() - 1];
    for key in keys {
        let taken = match write_zset(ctx, key, false) {
            Err(()) => return,
            Ok(None) => continue,
            Ok(Some(z)) => z.pop(max, 1).pop(),
        };
        if let Some((member, score)) = taken {
            changed(ctx, key, if max { "zpopmax" } else { "zpopmin" }, 1);
            // Propagated as the plain pop it was.
            let pop: &[u8] = if max { b"ZPOPMAX" } else { b"ZPOPMIN" };
            ctx.client
                .propagate_instead(vec![super::logged(&[pop, key])]);
            let out = &mut ctx.client.reply;
            out.array(3);
            out.bulk(key);
            out.bulk(&member);
            out.double(score);
            return;
        }
    }
    super::block_or_answer(ctx, keys, deadline, true);
}

fn bzpopmin(ctx: &mut Ctx, argv: &[&[u8]]) {
    blocking_pop(ctx, argv, false);
}

fn bzpopmax(ctx: &mut Ctx, argv: &[&[u8]]) {
    blocking_pop(ctx, argv, true);
}

//! Sorted set commands over several keys or at random (`t_zset.c`): the algebra (`ZUNION`,
//! `ZINTER`, `ZDIFF`, their `STORE` forms, `ZINTERCARD`), `ZRANDMEMBER`, and the multi-key
//! pops `ZMPOP` and `BZMPOP`.

use super::zsets::{changed, read_zset, reply_entries, write_zset};
use super::{is, range_arg, Ctx, Handler, SYNTAX, WRONGTYPE};
use crate::db::notify::class;
use crate::db::zset::ZSet;
use crate::db::Value;
use crate::util::Rng;
use std::collections::HashMap;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("zunion", zunion),
    ("zinter", zinter),
    ("zdiff", zdiff),
    ("zunionstore", zunionstore),
    ("zinterstore", zinterstore),
    ("zdiffstore", zdiffstore),
    ("zintercard", zintercard),
    ("zrandmember", zrandmember),
    ("zmpop", zmpop),
    ("bzmpop", bzmpop),
];

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Union,
    Inter,
    Diff,
}

#[derive(Clone, Copy)]
enum Aggregate {
    Sum,
    Min,
    Max,
}

impl Aggregate {
    /// Redis's `zunionInterAggregate`: +inf plus -inf counts as 0, not NaN.
    fn apply(self, target: &mut f64, value: f64) {
        match self {
            Aggregate::Sum => {
                *target += value;
                if target.is_nan() {
                    *target = 0.0;
                }
            }
            Aggregate::Min => {
                if value < *target {
                    *target = value;
                }
            }
            Aggregate::Max => {
                if value > *target {
                    *target = value;
                }
            }
        }
    }
}

/// One input: a sorted set, or a plain set whose members all score 1.
struct Source {
    entries: Vec<(Vec<u8>, f64)>,
    weight: f64,
}

/// How the command was called: where its `numkeys` is, whether it stores, counts only.
#[derive(Clone, Copy)]
struct Form {
    op: Op,
    numkeys_index: usize,
    store: bool,
    cardinality_only: bool,
}

/// What was parsed: the inputs and the options.
struct Request {
    sources: Vec<Source>,
    aggregate: Aggregate,
    with_scores: bool,
    limit: usize,
}

/// Parse and read the inputs as `zunionInterDiffGenericCommand` does: `numkeys`, the keys
/// (each a sorted set or a set), then the options the form allows.
fn parse(ctx: &mut Ctx, argv: &[&[u8]], form: Form) -> Option<Request> {
    let numkeys = super::int_arg(ctx, argv[form.numkeys_index])?;
    if numkeys < 1 {
        let name = String::from_utf8_lossy(argv[0]).to_lowercase();
        ctx.client.reply.error(&format!(
            "ERR at least 1 input key is needed for '{name}' command"
        ));
        return None;
    }
    let first_key = form.numkeys_index + 1;
    if numkeys as u64 > (argv.len() - first_key) as u64 {
        ctx.client.reply.error(SYNTAX);
        return None;
    }
    let numkeys = numkeys as usize;
    let db = ctx.client.db;
    let mut sources = Vec::with_capacity(numkeys);
    for key in &argv[first_key..first_key + numkeys] {
        let entries = match ctx.server.keyspace.read(db, key) {
            None => Vec::new(),
            Some(Value::ZSet(z)) => z.iter().map(|(m, s)| (m.to_vec(), s)).collect(),
            Some(Value::Set(s)) => s.members().into_iter().map(|m| (m, 1.0)).collect(),
            Some(_) => {
                ctx.client.reply.error(WRONGTYPE);
                return None;
            }
        };
        sources.push(Source {
            entries,
            weight: 1.0,
        });
    }
    let mut request = Request {
        sources,
        aggregate: Aggregate::Sum,
        with_scores: false,
        limit: 0,
    };
    let algebra = form.op != Op::Diff && !form.cardinality_only;
    let mut j = first_key + numkeys;
    while j < argv.len() {
        let remaining = argv.len() - j;
        if algebra && remaining > numkeys && is(argv[j], "weights") {
            for (i, source) in request.sources.iter_mut().enumerate() {
                match crate::util::parse_f64(argv[j + 1 + i]) {
                    Some(w) => source.weight = w,
                    None => {
                        ctx.client.reply.error("ERR weight value is not a float");
                        return None;
                    }
                }
            }
            j += 1 + numkeys;
        } else if algebra && remaining >= 2 && is(argv[j], "aggregate") {
            request.aggregate = match argv[j + 1] {
                a if is(a, "sum") => Aggregate::Sum,
                a if is(a, "min") => Aggregate::Min,
                a if is(a, "max") => Aggregate::Max,
                _ => {
                    ctx.client.reply.error(SYNTAX);
                    return None;
                }
            };
            j += 2;
        } else if !form.store && !form.cardinality_only && is(argv[j], "withscores") {
            request.with_scores = true;
            j += 1;
        } else if form.cardinality_only && remaining >= 2 && is(argv[j], "limit") {
            let limit = range_arg(
                ctx,
                argv[j + 1],
                0,
                i64::MAX,
                Some("LIMIT can't be negative"),
            )?;
            request.limit = limit as usize;
            j += 2;
        } else {
            ctx.client.reply.error(SYNTAX);
            return None;
        }
    }
    Some(request)
}

/// The members of `sources[0]` present in every other source, with aggregated scores; for
/// a count, stop at `limit` (0: no limit).
fn intersect(sources: &mut [Source], aggregate: Aggregate, limit: usize) -> Vec<(Vec<u8>, f64)> {
    // Smallest first, as Redis orders the inputs.
    sources.sort_by_key(|s| s.entries.len());
    let lookups: Vec<HashMap<&[u8], f64>> = sources[1..]
        .iter()
        .map(|s| {
            s.entries
                .iter()
                .map(|(m, sc)| (m.as_slice(), *sc))
                .collect()
        })
        .collect();
    let mut result = Vec::new();
    let first = &sources[0];
    'members: for (member, score) in &first.entries {
        let mut total = first.weight * score;
        if total.is_nan() {
            total = 0.0;
        }
        for (lookup, source) in lookups.iter().zip(&sources[1..]) {
            match lookup.get(member.as_slice()) {
                Some(s) => aggregate.apply(&mut total, s * source.weight),
                None => continue 'members,
            }
        }
        result.push((member.clone(), total));
        if limit > 0 && result.len() >= limit {
            break;
        }
    }
    result
}

fn unite(sources: &mut [Source], aggregate: Aggregate) -> Vec<(Vec<u8>, f64)> {
    sources.sort_by_key(|s| s.entries.len());
    let mut totals: HashMap<&[u8], f64> = HashMap::new();
    let mut order: Vec<&[u8]> = Vec::new();
    for source in sources.iter() {
        for (member, score) in &source.entries {
            let mut value = source.weight * score;
            if value.is_nan() {
                value = 0.0;
            }
            match totals.get_mut(member.as_slice()) {
                Some(total) => aggregate.apply(total, value),
                None => {
                    totals.insert(member, value);
                    order.push(member);
                }
            }
        }
    }
    order
        .into_iter()
        .map(|m| (m.to_vec(), totals.get(m).copied().unwrap_or(0.0)))
        .collect()
}

/// The members of the first source in none of the others, with the first source's scores.
fn difference(sources: &[Source]) -> Vec<(Vec<u8>, f64)> {
    let others: Vec<HashMap<&[u8], ()>> = sources[1..]
        .iter()
        .map(|s| s.entries.iter().map(|(m, _)| (m.as_slice(), ())).collect())
        .collect();
    sources[0]
        .entries
        .iter()
        .filter(|(m, _)| !others.iter().any(|o| o.contains_key(m.as_slice())))
        .cloned()
        .collect()
}

/// The result as a sorted set (ordered by score, then member).
fn compute(request: &mut Request, op: Op) -> ZSet {
    let entries = match op {
        Op::Inter => intersect(&mut request.sources, request.aggregate, 0),
        Op::Union => unite(&mut request.sources, request.aggregate),
        Op::Diff => difference(&request.sources),
    };
    // The result's encoding follows its final size, as `zsetConvertToListpackIfNeeded`.
    let unbounded = crate::db::encoding::Limits {
        zset_entries: usize::MAX,
        zset_value: usize::MAX,
        ..Default::default()
    };
    let mut zset = ZSet::default();
    for (member, score) in &entries {
        zset.insert(member, *score, &unbounded);
    }
    zset
}

fn algebra(ctx: &mut Ctx, argv: &[&[u8]], form: Form) {
    let Some(mut request) = parse(ctx, argv, form) else {
        return;
    };
    if form.cardinality_only {
        let count = intersect(&mut request.sources, Aggregate::Sum, request.limit).len();
        ctx.client.reply.int(count as i64);
        return;
    }
    let zset = compute(&mut request, form.op);
    if !form.store {
        let entries: Vec<(Vec<u8>, f64)> = zset.iter().map(|(m, s)| (m.to_vec(), s)).collect();
        reply_entries(ctx, &entries, request.with_scores);
        return;
    }
    let event = match form.op {
        Op::Union => "zunionstore",
        Op::Inter => "zinterstore",
        Op::Diff => "zdiffstore",
    };
    store(ctx, argv[1], zset, event);
}

/// Replace `destination` with `zset` (or delete it when the result is empty) and reply the
/// result's size.
fn store(ctx: &mut Ctx, destination: &[u8], zset: ZSet, event: &'static str) {
    let db = ctx.client.db;
    let len = zset.len();
    let limits = ctx.limits();
    if len == 0 {
        ctx.client.reply.int(0);
        if ctx.server.keyspace.delete(db, destination).is_some() {
            ctx.server
                .keyspace
                .notify(class::GENERIC, "del", db, destination);
        }
        return;
    }
    let zset = zset.with_encoding_for(&limits);
    // The result replaces the destination: one change.
    ctx.server
        .keyspace
        .set(db, destination, Value::ZSet(zset), false);
    ctx.client.reply.int(len as i64);
    ctx.server
        .keyspace
        .notify(class::ZSET, event, db, destination);
}

fn form(op: Op, numkeys_index: usize, store: bool) -> Form {
    Form {
        op,
        numkeys_index,
        store,
        cardinality_only: false,
    }
}

fn zunion(ctx: &mut Ctx, argv: &[&[u8]]) {
    algebra(ctx, argv, form(Op::Union, 1, false));
}

fn zinter(ctx: &mut Ctx, argv: &[&[u8]]) {
    algebra(ctx, argv, form(Op::Inter, 1, false));
}

fn zdiff(ctx: &mut Ctx, argv: &[&[u8]]) {
    algebra(ctx, argv, form(Op::Diff, 1, false));
}

fn zunionstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    algebra(ctx, argv, form(Op::Union, 2, true));
}

fn zinterstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    algebra(ctx, argv, form(Op::Inter, 2, true));
}

fn zdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    algebra(ctx, argv, form(Op::Diff, 2, true));
}

fn zintercard(ctx: &mut Ctx, argv: &[&[u8]]) {
    let form = Form {
        op: Op::Inter,
        numkeys_index: 1,
        store: false,
        cardinality_only: true,
    };
    algebra(ctx, argv, form);
}

/// ZRANDMEMBER key [count [WITHSCORES]].
fn zrandmember(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(args) = super::random_count_args(ctx, argv, "withscores") else {
        return;
    };
    let (count, with_scores) = match args {
        Some((n, with_scores)) => (Some(n), with_scores),
        None => (None, false),
    };
    let mut rng = Rng::new(ctx.server.random());
    let room = crate::output_limits::ReplyRoom::of(ctx.server, ctx.client);
    let mut overflowed = false;
    let zset = match read_zset(ctx, argv[1]) {
        Err(()) => return,
        Ok(z) => z,
    };
    let Some(count) = count else {
        match zset.and_then(|z| random_entry(z, &mut rng)) {
            Some((member, _)) => ctx.client.reply.bulk(&member),
            None => ctx.client.reply.null(),
        }
        return;
    };
    let picked: Vec<(Vec<u8>, f64)> = match zset {
        None => Vec::new(),
        Some(_) if count == 0 => Vec::new(),
        Some(z) if count < 0 => {
            let mut picked = Vec::new();
            let mut building = 0;
            for _ in 0..count.unsigned_abs() {
                let Some(entry) = random_entry(z, &mut rng) else {
                    break;
                };
                building += entry.0.len() + 48;
                picked.push(entry);
                if picked.len() % super::REPLY_CHECK_EVERY == 0 && room.exceeded(building) {
                    overflowed = true;
                    break;
                }
            }
            picked
        }
        // The whole set, highest score first, as Redis answers a count at least its size.
        Some(z) if count as usize >= z.len() => {
            z.iter().rev().map(|(m, s)| (m.to_vec(), s)).collect()
        }
        Some(z) => random_distinct(z, count as usize, &mut rng),
    };
    if overflowed {
        crate::output_limits::schedule_close(ctx.server, ctx.client);
        return;
    }
    reply_entries(ctx, &picked, with_scores);
}

fn random_entry(zset: &ZSet, rng: &mut Rng) -> Option<(Vec<u8>, f64)> {
    zset.random(|| rng.next()).map(|(m, s)| (m.to_vec(), s))
}

/// `count` distinct random entries of a set larger than `count`.
fn random_distinct(zset: &ZSet, count: usize, rng: &mut Rng) -> Vec<(Vec<u8>, f64)> {
    if count.saturating_mul(3) > zset.len() {
        // Close to the whole set: copy it and drop random entries.
        let mut all: Vec<(Vec<u8>, f64)> = zset.iter().map(|(m, s)| (m.to_vec(), s)).collect();
        while all.len() > count {
            let i = rng.below(all.len());
            all.swap_remove(i);
        }
        return all;
    }
    let mut picked = Vec::with_capacity(count);
    let mut seen = std::collections::HashSet::with_capacity(count);
    while picked.len() < count {
        let Some((member, score)) = random_entry(zset, rng) else {
            break;
        };
        if seen.insert(member.clone()) {
            picked.push((member, score));
        }
    }
    picked
}

/// Pop from the first existing key: `[key, [[member, score], ...]]`. False when no key
/// exists (nothing written) or on WRONGTYPE (the error written).
fn pop_first(ctx: &mut Ctx, request: &super::MultiPop) -> Option<bool> {
    for key in request.keys {
        let taken: Vec<(Vec<u8>, f64)> = match write_zset(ctx, key, false) {
            Err(()) => return None,
            Ok(None) => continue,
            Ok(Some(z)) if z.is_empty() => continue,
            Ok(Some(z)) => z.pop(!request.from_start, request.count),
        };
        let event = if request.from_start {
            "zpopmin"
        } else {
            "zpopmax"
        };
        changed(ctx, key, event, taken.len() as u64);
        // Propagated as ZPOPMIN/ZPOPMAX of what it took.
        let pop: &[u8] = if request.from_start {
            b"ZPOPMIN"
        } else {
            b"ZPOPMAX"
        };
        let count = taken.len().to_string();
        ctx.client
            .propagate_instead(vec![super::logged(&[pop, key, count.as_bytes()])]);
        let out = &mut ctx.client.reply;
        out.array(2);
        out.bulk(key);
        out.array(taken.len());
        for (member, score) in &taken {
            out.array(2);
            out.bulk(member);
            out.double(*score);
        }
        return Some(true);
    }
    Some(false)
}

/// ZMPOP numkeys key... MIN|MAX [COUNT count].
fn zmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(request) = super::multi_pop_args(ctx, argv, 1, "min", "max") else {
        return;
    };
    if pop_first(ctx, &request) == Some(false) {
        ctx.client.reply.null_array();
    }
}

/// BZMPOP timeout numkeys key... MIN|MAX [COUNT count].
fn bzmpop(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(request) = super::multi_pop_args(ctx, argv, 2, "min", "max") else {
        return;
    };
    let Some(deadline) = super::timeout_arg(ctx, argv[1]) else {
        return;
    };
    if pop_first(ctx, &request) == Some(false) {
        super::block_or_answer(ctx, request.keys, deadline, true);
    }
}

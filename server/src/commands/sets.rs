//! Set commands (`t_set.c`).

use super::{is, Ctx, Handler, SYNTAX, WRONGTYPE};
use crate::db::notify::class;
use crate::db::set::Set;
use crate::db::Value;
use crate::util::Rng;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("sadd", sadd),
    ("srem", srem),
    ("smembers", smembers),
    ("sismember", sismember),
    ("smismember", smismember),
    ("scard", scard),
    ("spop", spop),
    ("srandmember", srandmember),
    ("smove", smove),
    ("sinter", sinter),
    ("sunion", sunion),
    ("sdiff", sdiff),
    ("sinterstore", sinterstore),
    ("sunionstore", sunionstore),
    ("sdiffstore", sdiffstore),
    ("sintercard", sintercard),
];

fn read_set<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a Set>, ()> {
    let db = ctx.client.db;
    match ctx.server.keyspace.read(db, key) {
        None => Ok(None),
        Some(Value::Set(s)) => Ok(Some(s)),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            Err(())
        }
    }
}

fn write_set<'a>(ctx: &'a mut Ctx, key: &[u8], create: bool) -> Result<Option<&'a mut Set>, ()> {
    let db = ctx.client.db;
    let exists = match ctx.server.keyspace.write(db, key) {
        None => false,
        Some(Value::Set(_)) => true,
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
            .add_uncounted(db, key, Value::Set(Box::default()));
    }
    match ctx.server.keyspace.write(db, key) {
        Some(Value::Set(s)) => Ok(Some(s)),
        _ => Ok(None),
    }
}

/// After a change that Redis counts as `writes` changes (see [`super::collection_written`]).
fn changed(ctx: &mut Ctx, key: &[u8], event: &'static str, writes: u64) {
    super::collection_written(ctx, key, class::SET, event, writes);
}

fn sadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let key = argv[1];
    let limits = ctx.limits();
    let Ok(Some(set)) = write_set(ctx, key, true) else {
        return;
    };
    let added = argv[2..].iter().filter(|m| set.insert(m, &limits)).count();
    // Adding only members already there changes nothing: no event, watchers untouched.
    if added > 0 {
        changed(ctx, key, "sadd", added as u64);
    }
    ctx.client.reply.int(added as i64);
}

fn srem(ctx: &mut Ctx, argv: &[&[u8]]) {
    let key = argv[1];
    let removed = match write_set(ctx, key, false) {
        Err(()) => return,
        Ok(None) => 0,
        Ok(Some(s)) => argv[2..].iter().filter(|m| s.remove(m)).count(),
    };
    if removed > 0 {
        changed(ctx, key, "srem", removed as u64);
    }
    ctx.client.reply.int(removed as i64);
}

fn reply_set(ctx: &mut Ctx, members: &[Vec<u8>]) {
    ctx.client.reply.set(members.len());
    for m in members {
        ctx.client.reply.bulk(m);
    }
}

fn smembers(ctx: &mut Ctx, argv: &[&[u8]]) {
    let members = match read_set(ctx, argv[1]) {
        Err(()) => return,
        Ok(s) => s.map(Set::members).unwrap_or_default(),
    };
    reply_set(ctx, &members);
}

fn sismember(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Ok(s) = read_set(ctx, argv[1]) {
        let found = s.is_some_and(|s| s.contains(argv[2]));
        ctx.client.reply.int(i64::from(found));
    }
}

fn smismember(ctx: &mut Ctx, argv: &[&[u8]]) {
    let found: Vec<bool> = match read_set(ctx, argv[1]) {
        Err(()) => return,
        Ok(s) => argv[2..]
            .iter()
            .map(|m| s.is_some_and(|s| s.contains(m)))
            .collect(),
    };
    ctx.client.reply.array(found.len());
    for f in found {
        ctx.client.reply.int(i64::from(f));
    }
}

fn scard(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Ok(s) = read_set(ctx, argv[1]) {
        let length = s.map_or(0, Set::len);
        ctx.client.reply.int(length as i64);
    }
}

/// `count` random distinct members of `set` (all of them when it is smaller), by the
/// cheapest of Redis's strategies for the ratio of `count` to the set's size.
fn random_distinct(set: &Set, count: usize, rng: &mut Rng) -> Vec<Vec<u8>> {
    let size = set.len();
    if count >= size {
        return set.members();
    }
    if count.saturating_mul(3) > size {
        // Close to the whole set: copy it and drop random members until `count` remain.
        let mut members = set.members();
        while members.len() > count {
            let i = rng.below(members.len());
            members.swap_remove(i);
        }
        return members;
    }
    let mut picked: Vec<Vec<u8>> = Vec::with_capacity(count);
    let mut seen = std::collections::HashSet::with_capacity(count);
    while picked.len() < count {
        let Some(m) = set.random_member(rng) else {
            break;
        };
        if seen.insert(m.clone()) {
            picked.push(m);
        }
    }
    picked
}

fn spop(ctx: &mut Ctx, argv: &[&[u8]]) {
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
    let key = argv[1];
    let mut rng = Rng::new(ctx.server.random());
    let picked = match read_set(ctx, key) {
        Err(()) => return,
        Ok(None) => {
            match count {
                Some(_) => ctx.client.reply.set(0),
                None => ctx.client.reply.null(),
            }
            return;
        }
        Ok(Some(s)) => random_distinct(s, count.unwrap_or(1), &mut rng),
    };
    if picked.is_empty() {
        // SPOP key 0 on an existing set.
        reply_set(ctx, &picked);
        return;
    }
    let mut emptied = false;
    if let Ok(Some(set)) = write_set(ctx, key, false) {
        for m in &picked {
            set.remove(m);
        }
        emptied = set.is_empty();
    }
    changed(ctx, key, "spop", picked.len() as u64);
    // Logged as what it removed, as Redis 7.0 propagates it: a DEL when a count took the
    // whole set, otherwise one SREM per member (SPOP without a count is an SREM even when it
    // empties the set).
    let logged = if count.is_some() && emptied {
        vec![super::logged(&[b"DEL", key])]
    } else {
        picked
            .iter()
            .map(|m| super::logged(&[b"SREM", key, m]))
            .collect()
    };
    ctx.client.propagate_instead(logged);
    match count {
        Some(_) => reply_set(ctx, &picked),
        None => match picked.first() {
            Some(m) => ctx.client.reply.bulk(m),
            None => ctx.client.reply.null(),
        },
    }
}

fn srandmember(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    let count = match argv.get(2) {
        None => None,
        Some(arg) => match super::range_arg(ctx, arg, -i64::MAX, i64::MAX, None) {
            // Redis takes counts in -LONG_MAX..=LONG_MAX; a repeating count is also bounded
            // here so that no request can make the server build a reply it cannot hold.
            Some(n) if n < -super::MAX_RANDOM_REPLY && !super::unbounded_reply_allowed(ctx) => {
                ctx.client.reply.error("ERR value is out of range");
                return;
            }
            Some(n) => Some(n),
            None => return,
        },
    };
    let mut rng = Rng::new(ctx.server.random());
    let room = crate::output_limits::ReplyRoom::of(ctx.server, ctx.client);
    let mut overflowed = false;
    ctx.server
        .keyspace
        .rehash_value_step(ctx.client.db, argv[1]);
    let set = match read_set(ctx, argv[1]) {
        Err(()) => return,
        Ok(s) => s,
    };
    let picked = match (set, count) {
        (None, None) => {
            ctx.client.reply.null();
            return;
        }
        (None, Some(_)) => Vec::new(),
        (Some(set), None) => match set.random_member(&mut rng) {
            Some(m) => {
                ctx.client.reply.bulk(&m);
                return;
            }
            None => Vec::new(),
        },
        (Some(set), Some(n)) if n >= 0 => random_distinct(set, n as usize, &mut rng),
        (Some(set), Some(n)) => {
            // A negative count allows repeats and always gives |n| members.
            let wanted = n.unsigned_abs() as usize;
            let mut picked = Vec::with_capacity(wanted.min(1 << 16));
            let mut building = 0;
            while picked.len() < wanted {
                match set.random_member(&mut rng) {
                    Some(m) => {
                        building += m.len() + 16;
                        picked.push(m);
                    }
                    None => break,
                }
                if picked.len() % super::REPLY_CHECK_EVERY == 0 && room.exceeded(building) {
                    overflowed = true;
                    break;
                }
            }
            picked
        }
    };
    if overflowed {
        crate::output_limits::schedule_close(ctx.server, ctx.client);
        return;
    }
    ctx.client.reply.bulks(picked.iter().map(|m| m.as_slice()));
}

fn smove(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (source, destination, member) = (argv[1], argv[2], argv[3]);
    let in_source = match read_set(ctx, source) {
        Err(()) => return,
        Ok(None) => {
            ctx.client.reply.int(0);
            return;
        }
        Ok(Some(s)) => s.contains(member),
    };
    if read_set(ctx, destination).is_err() {
        return;
    }
    if !in_source {
        ctx.client.reply.int(0);
        return;
    }
    if source == destination {
        ctx.client.reply.int(1);
        return;
    }
    let limits = ctx.limits();
    if let Ok(Some(s)) = write_set(ctx, source, false) {
        s.remove(member);
    }
    changed(ctx, source, "srem", 1);
    // A member the destination already holds changes nothing there.
    let added = match write_set(ctx, destination, true) {
        Ok(Some(d)) => d.insert(member, &limits),
        _ => false,
    };
    if added {
        changed(ctx, destination, "sadd", 1);
    }
    ctx.client.reply.int(1);
}

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Inter,
    Union,
    Diff,
}

/// The result of an operation over the sets at `keys`, or `None` after WRONGTYPE.
fn combine(ctx: &mut Ctx, keys: &[&[u8]], op: Op) -> Option<Vec<Vec<u8>>> {
    let limits = ctx.limits();
    let mut sets: Vec<Option<Set>> = Vec::new();
    for key in keys {
        match read_set(ctx, key) {
            Err(()) => return None,
            Ok(s) => sets.push(s.cloned()),
        }
    }
    let mut result = Set::default();
    match op {
        Op::Union => {
            for s in sets.iter().flatten() {
                for m in s.members() {
                    result.insert(&m, &limits);
                }
            }
        }
        Op::Inter => {
            if sets.iter().any(Option::is_none) {
                return Some(Vec::new());
            }
            let sets: Vec<&Set> = sets.iter().flatten().collect();
            let smallest = sets.iter().min_by_key(|s| s.len())?;
            for m in smallest.members() {
                if sets.iter().all(|s| s.contains(&m)) {
                    result.insert(&m, &limits);
                }
            }
        }
        Op::Diff => {
            if let Some(first) = sets.first().and_then(|s| s.as_ref()) {
                for m in first.members() {
                    if !sets[1..].iter().flatten().any(|s| s.contains(&m)) {
                        result.insert(&m, &limits);
                    }
                }
            }
        }
    }
    Some(result.members())
}

fn sinter(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Some(m) = combine(ctx, &argv[1..], Op::Inter) {
        reply_set(ctx, &m);
    }
}

fn sunion(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Some(m) = combine(ctx, &argv[1..], Op::Union) {
        reply_set(ctx, &m);
    }
}

fn sdiff(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Some(m) = combine(ctx, &argv[1..], Op::Diff) {
        reply_set(ctx, &m);
    }
}

fn store(ctx: &mut Ctx, argv: &[&[u8]], op: Op) {
    let Some(members) = combine(ctx, &argv[2..], op) else {
        return;
    };
    let db = ctx.client.db;
    let destination = argv[1];
    let event = match op {
        Op::Inter => "sinterstore",
        Op::Union => "sunionstore",
        Op::Diff => "sdiffstore",
    };
    // The result replaces the destination (one change), or an empty result deletes it.
    if !members.is_empty() {
        let limits = ctx.limits();
        let mut set = Set::default();
        for m in &members {
            set.insert(m, &limits);
        }
        ctx.server
            .keyspace
            .set(db, destination, Value::Set(Box::new(set)), false);
        ctx.server
            .keyspace
            .notify(class::SET, event, db, destination);
    } else if ctx.server.keyspace.delete(db, destination).is_some() {
        ctx.server
            .keyspace
            .notify(class::GENERIC, "del", db, destination);
    }
    ctx.client.reply.int(members.len() as i64);
}

fn sinterstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    store(ctx, argv, Op::Inter);
}

fn sunionstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    store(ctx, argv, Op::Union);
}

fn sdiffstore(ctx: &mut Ctx, argv: &[&[u8]]) {
    store(ctx, argv, Op::Diff);
}

fn sintercard(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(numkeys) = super::range_arg(
        ctx,
        argv[1],
        1,
        i64::MAX,
        Some("numkeys should be greater than 0"),
    ) else {
        return;
    };
    let numkeys = numkeys as usize;
    if numkeys > argv.len() - 2 {
        ctx.client
            .reply
            .error("ERR Number of keys can't be greater than number of args");
        return;
    }
    let mut limit = 0usize;
    let rest = &argv[2 + numkeys..];
    let mut j = 0;
    while j < rest.len() {
        if is(rest[j], "limit") && j + 1 < rest.len() {
            match super::positive_arg(ctx, rest[j + 1], "LIMIT can't be negative") {
                Some(n) => limit = n as usize,
                None => return,
            }
            j += 2;
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
    }
    let Some(members) = combine(ctx, &argv[2..2 + numkeys], Op::Inter) else {
        return;
    };
    let count = if limit == 0 {
        members.len()
    } else {
        members.len().min(limit)
    };
    ctx.client.reply.int(count as i64);
}

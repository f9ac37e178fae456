//! Hash commands (`t_hash.c`).

use super::{Ctx, Handler, WRONGTYPE};
use crate::db::hash::Hash;
use crate::db::notify::class;
use crate::db::Value;
use crate::long_double;
use crate::util::parse_i64;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("hset", hset),
    ("hmset", hmset),
    ("hsetnx", hsetnx),
    ("hget", hget),
    ("hmget", hmget),
    ("hdel", hdel),
    ("hlen", hlen),
    ("hstrlen", hstrlen),
    ("hexists", hexists),
    ("hkeys", hkeys),
    ("hvals", hvals),
    ("hgetall", hgetall),
    ("hincrby", hincrby),
    ("hincrbyfloat", hincrbyfloat),
    ("hrandfield", hrandfield),
];

fn read_hash<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a Hash>, ()> {
    let db = ctx.client.db;
    match ctx.server.keyspace.read(db, key) {
        None => Ok(None),
        Some(Value::Hash(h)) => Ok(Some(h)),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            Err(())
        }
    }
}

/// The hash at `key` for writing, created empty when `create` and absent.
fn write_hash<'a>(ctx: &'a mut Ctx, key: &[u8], create: bool) -> Result<Option<&'a mut Hash>, ()> {
    let db = ctx.client.db;
    let exists = match ctx.server.keyspace.write(db, key) {
        None => false,
        Some(Value::Hash(_)) => true,
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            return Err(());
        }
    };
    if !exists {
        if !create {
            return Ok(None);
        }
        // Counted by the fields the command sets.
        ctx.server
            .keyspace
            .add_uncounted(db, key, Value::Hash(Default::default()));
    }
    match ctx.server.keyspace.write(db, key) {
        Some(Value::Hash(h)) => Ok(Some(h)),
        _ => Ok(None),
    }
}

/// After a change: delete an emptied hash, else tell watchers.
/// After a change that Redis counts as `writes` changes (see [`super::collection_written`]).
fn changed(ctx: &mut Ctx, key: &[u8], event: &'static str, writes: u64) {
    super::collection_written(ctx, key, class::HASH, event, writes);
}

fn set_fields(ctx: &mut Ctx, argv: &[&[u8]], name: &str) -> Option<i64> {
    if argv.len() % 2 == 1 {
        ctx.client.reply.error(&format!(
            "ERR wrong number of arguments for '{name}' command"
        ));
        return None;
    }
    let key = argv[1];
    let limits = ctx.limits();
    let Ok(Some(hash)) = write_hash(ctx, key, true) else {
        return None;
    };
    let added = argv[2..]
        .chunks(2)
        .filter(|pair| hash.set(pair[0], pair[1].to_vec(), &limits))
        .count();
    // Every field given counts, set anew or not.
    changed(ctx, key, "hset", (argv.len() as u64 - 2) / 2);
    Some(added as i64)
}

fn hset(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Some(added) = set_fields(ctx, argv, "hset") {
        ctx.client.reply.int(added);
    }
}

fn hmset(ctx: &mut Ctx, argv: &[&[u8]]) {
    if set_fields(ctx, argv, "hmset").is_some() {
        ctx.client.reply.ok();
    }
}

fn hsetnx(ctx: &mut Ctx, argv: &[&[u8]]) {
    let key = argv[1];
    let limits = ctx.limits();
    let Ok(Some(hash)) = write_hash(ctx, key, true) else {
        return;
    };
    if hash.get(argv[2]).is_some() {
        ctx.client.reply.int(0);
        return;
    }
    hash.set(argv[2], argv[3].to_vec(), &limits);
    changed(ctx, key, "hset", 1);
    ctx.client.reply.int(1);
}

fn hget(ctx: &mut Ctx, argv: &[&[u8]]) {
    let value = match read_hash(ctx, argv[1]) {
        Err(()) => return,
        Ok(h) => h.and_then(|h| h.get(argv[2]).map(<[u8]>::to_vec)),
    };
    match value {
        Some(v) => ctx.client.reply.bulk(&v),
        None => ctx.client.reply.null(),
    }
}

fn hmget(ctx: &mut Ctx, argv: &[&[u8]]) {
    let values: Vec<Option<Vec<u8>>> = match read_hash(ctx, argv[1]) {
        Err(()) => return,
        Ok(h) => argv[2..]
            .iter()
            .map(|f| h.and_then(|h| h.get(f).map(<[u8]>::to_vec)))
            .collect(),
    };
    ctx.client.reply.array(values.len());
    for v in values {
        match v {
            Some(v) => ctx.client.reply.bulk(&v),
            None => ctx.client.reply.null(),
        }
    }
}

fn hdel(ctx: &mut Ctx, argv: &[&[u8]]) {
    let key = argv[1];
    let removed = match write_hash(ctx, key, false) {
        Err(()) => return,
        Ok(None) => 0,
        Ok(Some(h)) => argv[2..].iter().filter(|f| h.remove(f)).count(),
    };
    if removed > 0 {
        changed(ctx, key, "hdel", removed as u64);
    }
    ctx.client.reply.int(removed as i64);
}

fn hlen(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Ok(h) = read_hash(ctx, argv[1]) {
        let length = h.map_or(0, Hash::len);
        ctx.client.reply.int(length as i64);
    }
}

fn hstrlen(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Ok(h) = read_hash(ctx, argv[1]) {
        let length = h.and_then(|h| h.get(argv[2])).map_or(0, <[u8]>::len);
        ctx.client.reply.int(length as i64);
    }
}

fn hexists(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Ok(h) = read_hash(ctx, argv[1]) {
        let found = h.is_some_and(|h| h.get(argv[2]).is_some());
        ctx.client.reply.int(i64::from(found));
    }
}

/// HKEYS, HVALS and HGETALL: fields, values, or both (a map on RESP3).
fn listing(ctx: &mut Ctx, key: &[u8], fields: bool, values: bool) {
    let pairs: Vec<(Vec<u8>, Vec<u8>)> = match read_hash(ctx, key) {
        Err(()) => return,
        Ok(None) => Vec::new(),
        Ok(Some(h)) => h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect(),
    };
    let out = &mut ctx.client.reply;
    if fields && values {
        out.map(pairs.len());
    } else {
        out.array(pairs.len());
    }
    for (f, v) in &pairs {
        if fields {
            out.bulk(f);
        }
        if values {
            out.bulk(v);
        }
    }
}

fn hkeys(ctx: &mut Ctx, argv: &[&[u8]]) {
    listing(ctx, argv[1], true, false);
}

fn hvals(ctx: &mut Ctx, argv: &[&[u8]]) {
    listing(ctx, argv[1], false, true);
}

fn hgetall(ctx: &mut Ctx, argv: &[&[u8]]) {
    listing(ctx, argv[1], true, true);
}

fn hincrby(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(increment) = super::int_arg(ctx, argv[3]) else {
        return;
    };
    let key = argv[1];
    let limits = ctx.limits();
    let Ok(Some(hash)) = write_hash(ctx, key, true) else {
        return;
    };
    let current = match hash.get(argv[2]) {
        None => 0,
        Some(v) => match parse_i64(v) {
            Some(n) => n,
            None => {
                ctx.client.reply.error("ERR hash value is not an integer");
                return;
            }
        },
    };
    let Some(value) = current.checked_add(increment) else {
        ctx.client
            .reply
            .error("ERR increment or decrement would overflow");
        return;
    };
    hash.set(argv[2], value.to_string().into_bytes(), &limits);
    changed(ctx, key, "hincrby", 1);
    ctx.client.reply.int(value);
}

fn hincrbyfloat(ctx: &mut Ctx, argv: &[&[u8]]) {
    let increment = match long_double::hincrbyfloat_increment(argv[3]) {
        Ok(increment) => increment,
        Err(e) => {
            ctx.client.reply.error(e.message());
            return;
        }
    };
    let key = argv[1];
    let limits = ctx.limits();
    let Ok(Some(hash)) = write_hash(ctx, key, true) else {
        return;
    };
    let text = match long_double::hincrbyfloat_apply(hash.get(argv[2]).map(|v| &v[..]), increment) {
        Ok(text) => text,
        Err(e) => {
            ctx.client.reply.error(e.message());
            return;
        }
    };
    hash.set(argv[2], text.clone(), &limits);
    changed(ctx, key, "hincrbyfloat", 1);
    // Propagated as the value it set, as Redis does.
    ctx.client
        .propagate_instead(vec![super::logged(&[b"HSET", key, argv[2], &text])]);
    ctx.client.reply.bulk(&text);
}

/// HRANDFIELD key [count [WITHVALUES]]: distinct random fields for a positive count, fields
/// that may repeat for a negative one.
fn hrandfield(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(args) = super::random_count_args(ctx, argv, "withvalues") else {
        return;
    };
    let (count, with_values) = match args {
        Some((n, with_values)) => (Some(n), with_values),
        None => (None, false),
    };
    let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = match read_hash(ctx, argv[1]) {
        Err(()) => return,
        Ok(None) => Vec::new(),
        Ok(Some(h)) => h.iter().map(|(f, v)| (f.to_vec(), v.to_vec())).collect(),
    };
    let Some(count) = count else {
        if pairs.is_empty() {
            ctx.client.reply.null();
        } else {
            let i = (ctx.server.random() % pairs.len() as u64) as usize;
            let field = pairs.swap_remove(i).0;
            ctx.client.reply.bulk(&field);
        }
        return;
    };
    let room = crate::output_limits::ReplyRoom::of(ctx.server, ctx.client);
    let mut picked = Vec::new();
    if count >= 0 && count as usize >= pairs.len() {
        // The whole hash, in its own order, as Redis answers a count at least its size.
        picked = std::mem::take(&mut pairs);
    } else if count >= 0 {
        while picked.len() < count as usize && !pairs.is_empty() {
            let i = (ctx.server.random() % pairs.len() as u64) as usize;
            picked.push(pairs.swap_remove(i));
        }
    } else {
        let mut building = 0;
        for _ in 0..count.unsigned_abs() {
            if pairs.is_empty() {
                break;
            }
            let i = (ctx.server.random() % pairs.len() as u64) as usize;
            building += pairs[i].0.len() + pairs[i].1.len() + 32;
            picked.push(pairs[i].clone());
            if picked.len() % super::REPLY_CHECK_EVERY == 0 && room.exceeded(building) {
                crate::output_limits::schedule_close(ctx.server, ctx.client);
                return;
            }
        }
    }
    let out = &mut ctx.client.reply;
    let resp3 = out.resp3();
    out.array(if with_values && !resp3 {
        picked.len() * 2
    } else {
        picked.len()
    });
    for (field, value) in &picked {
        if with_values && resp3 {
            out.array(2);
        }
        out.bulk(field);
        if with_values {
            out.bulk(value);
        }
    }
}

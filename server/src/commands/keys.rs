//! Generic key commands (`db.c`, `expire.c`): existence, deletion, renaming, copying, moving
//! between databases, iteration, and expiry times.

use super::{int_arg, is, Ctx, Handler, SYNTAX};
use crate::db::glob;
use crate::db::notify::class;
use crate::util::parse_i64;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("del", del),
    ("unlink", unlink),
    ("exists", exists),
    ("type", type_),
    ("rename", rename),
    ("renamenx", renamenx),
    ("copy", copy),
    ("touch", touch),
    ("move", move_),
    ("keys", keys),
    ("randomkey", randomkey),
    ("expire", expire),
    ("pexpire", pexpire),
    ("expireat", expireat),
    ("pexpireat", pexpireat),
    ("ttl", ttl),
    ("pttl", pttl),
    ("expiretime", expiretime),
    ("pexpiretime", pexpiretime),
    ("persist", persist),
    ("object|encoding", object_encoding),
    ("object|refcount", object_refcount),
    ("object|idletime", object_idletime),
    ("object|freq", object_freq),
    ("object|help", object_help),
];

fn del(ctx: &mut Ctx, argv: &[&[u8]]) {
    let lazy = ctx.server.config.settings.lazyfree_lazy_user_del;
    delete_keys(ctx, argv, lazy);
}

/// UNLINK: DEL that frees large values on the lazyfree thread.
fn unlink(ctx: &mut Ctx, argv: &[&[u8]]) {
    delete_keys(ctx, argv, true);
}

fn delete_keys(ctx: &mut Ctx, argv: &[&[u8]], lazy: bool) {
    let db = ctx.client.db;
    let mut deleted = 0;
    for key in &argv[1..] {
        if let Some(value) = ctx.server.keyspace.delete(db, key) {
            if lazy {
                ctx.server.lazyfree.free_value(value);
            }
            ctx.server.keyspace.notify(class::GENERIC, "del", db, key);
            deleted += 1;
        }
    }
    ctx.client.reply.int(deleted as i64);
}

/// EXISTS: not a use of the keys (Redis's LOOKUP_NOTOUCH), but hits or misses.
fn exists(ctx: &mut Ctx, argv: &[&[u8]]) {
    count_live(ctx, argv, false);
}

/// Reply how many of the keys exist, reading each (`touch`: as a use of it).
fn count_live(ctx: &mut Ctx, argv: &[&[u8]], touch: bool) {
    let db = ctx.client.db;
    let keyspace = &mut ctx.server.keyspace;
    let count = argv[1..]
        .iter()
        .filter(|key| {
            if touch {
                keyspace.read(db, key).is_some()
            } else {
                keyspace.read_untouched(db, key).is_some()
            }
        })
        .count();
    ctx.client.reply.int(count as i64);
}

fn type_(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.client.db;
    let name = ctx
        .server
        .keyspace
        .read_untouched(db, argv[1])
        .map_or("none", |v| v.type_name());
    ctx.client.reply.status(name.as_bytes());
}

/// TOUCH: EXISTS that counts as a use of each key.
fn touch(ctx: &mut Ctx, argv: &[&[u8]]) {
    count_live(ctx, argv, true);
}

fn rename_generic(ctx: &mut Ctx, argv: &[&[u8]], nx: bool) {
    let (from, to) = (argv[1], argv[2]);
    let db = ctx.client.db;
    let keyspace = &mut ctx.server.keyspace;
    if !keyspace.exists(db, from) {
        ctx.client.reply.error("ERR no such key");
        return;
    }
    if from == to {
        if nx {
            ctx.client.reply.int(0);
        } else {
            ctx.client.reply.ok();
        }
        return;
    }
    if nx && keyspace.exists(db, to) {
        ctx.client.reply.int(0);
        return;
    }
    let expire = keyspace.expire_time(db, from);
    let before = keyspace.dirty;
    // The destination is deleted and added anew (its `new` event sent), as Redis does.
    keyspace.delete(db, to);
    let Some(value) = keyspace.delete(db, from) else {
        return;
    };
    keyspace.set(db, to, value, false);
    if let Some(when) = expire {
        keyspace.set_expire(db, to, when);
    }
    keyspace.recount_writes_since(before, 1);
    keyspace.notify(class::GENERIC, "rename_from", db, from);
    keyspace.notify(class::GENERIC, "rename_to", db, to);
    if nx {
        ctx.client.reply.int(1);
    } else {
        ctx.client.reply.ok();
    }
}

fn rename(ctx: &mut Ctx, argv: &[&[u8]]) {
    rename_generic(ctx, argv, false);
}

fn renamenx(ctx: &mut Ctx, argv: &[&[u8]]) {
    rename_generic(ctx, argv, true);
}

fn copy(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (from, to) = (argv[1], argv[2]);
    let source_db = ctx.client.db;
    let mut target_db = source_db;
    let mut replace = false;
    let mut j = 3;
    while j < argv.len() {
        if is(argv[j], "replace") {
            replace = true;
        } else if is(argv[j], "db") && j + 1 < argv.len() {
            let Some(index) = super::db_index(ctx, argv[j + 1]) else {
                return;
            };
            target_db = index;
            j += 1;
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
        j += 1;
    }
    if from == to && source_db == target_db {
        ctx.client
            .reply
            .error("ERR source and destination objects are the same");
        return;
    }
    let keyspace = &mut ctx.server.keyspace;
    let Some(value) = keyspace.read(source_db, from).cloned() else {
        ctx.client.reply.int(0);
        return;
    };
    let before = keyspace.dirty;
    if keyspace.exists(target_db, to) {
        if !replace {
            ctx.client.reply.int(0);
            return;
        }
        keyspace.delete(target_db, to);
    }
    let expire = keyspace.expire_time(source_db, from);
    keyspace.set(target_db, to, value, false);
    if let Some(when) = expire {
        keyspace.set_expire(target_db, to, when);
    }
    keyspace.recount_writes_since(before, 1);
    keyspace.notify(class::GENERIC, "copy_to", target_db, to);
    ctx.client.reply.int(1);
}

fn move_(ctx: &mut Ctx, argv: &[&[u8]]) {
    let key = argv[1];
    let source = ctx.client.db;
    let Some(target) = super::db_index(ctx, argv[2]) else {
        return;
    };
    if target == source {
        ctx.client
            .reply
            .error("ERR source and destination objects are the same");
        return;
    }
    let keyspace = &mut ctx.server.keyspace;
    if !keyspace.exists(source, key) || keyspace.exists(target, key) {
        ctx.client.reply.int(0);
        return;
    }
    let expire = keyspace.expire_time(source, key);
    let before = keyspace.dirty;
    let Some(value) = keyspace.delete(source, key) else {
        ctx.client.reply.int(0);
        return;
    };
    keyspace.set(target, key, value, false);
    if let Some(when) = expire {
        keyspace.set_expire(target, key, when);
    }
    keyspace.recount_writes_since(before, 1);
    keyspace.notify(class::GENERIC, "move_from", source, key);
    keyspace.notify(class::GENERIC, "move_to", target, key);
    ctx.client.reply.int(1);
}

fn keys(ctx: &mut Ctx, argv: &[&[u8]]) {
    let pattern = argv[1];
    let db = ctx.client.db;
    let now = ctx.server.keyspace.now_ms;
    let room = crate::output_limits::ReplyRoom::deferred(ctx.server, ctx.client);
    let d = &ctx.server.keyspace.dbs[db];
    let all = pattern == b"*";
    let matching = d
        .keys
        .iter()
        .filter(|(key, _)| d.expires.get(key).is_none_or(|&when| when > now))
        .filter(|(key, _)| all || glob::matches(pattern, key, false));
    // Stopped, and the client closed unanswered, once the reply passes its output limit.
    let mut found: Vec<Vec<u8>> = Vec::new();
    let mut building = 0;
    let mut overflowed = false;
    for (key, _) in matching {
        building += key.len() + 8;
        found.push(key.to_vec());
        if found.len() % super::REPLY_CHECK_EVERY == 0 && room.exceeded(building) {
            overflowed = true;
            break;
        }
    }
    if overflowed || room.exceeded(building) {
        crate::output_limits::schedule_close(ctx.server, ctx.client);
        return;
    }
    ctx.client.reply.bulks(found.iter().map(|k| k.as_slice()));
}

fn randomkey(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let db = ctx.client.db;
    // Bounded: a database of only expired keys answers null after a while, as in Redis.
    for _ in 0..100 {
        let mut state = ctx.server.random();
        let mut rng = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 11
        };
        let Some((key, _)) = ctx.server.keyspace.dbs[db].keys.fair_random_entry(&mut rng) else {
            break;
        };
        let key = key.to_vec();
        if ctx.server.keyspace.exists(db, &key) {
            ctx.client.reply.bulk(&key);
            return;
        }
    }
    ctx.client.reply.null();
}

#[derive(Default)]
struct ExpireFlags {
    nx: bool,
    xx: bool,
    gt: bool,
    lt: bool,
}

fn expire_generic(ctx: &mut Ctx, argv: &[&[u8]], base_ms: i64, seconds: bool, command: &str) {
    let mut flags = ExpireFlags::default();
    for opt in &argv[3..] {
        if is(opt, "nx") {
            flags.nx = true;
        } else if is(opt, "xx") {
            flags.xx = true;
        } else if is(opt, "gt") {
            flags.gt = true;
        } else if is(opt, "lt") {
            flags.lt = true;
        } else {
            let text = String::from_utf8_lossy(opt);
            ctx.client
                .reply
                .error(&format!("ERR Unsupported option {text}"));
            return;
        }
    }
    if flags.nx && (flags.xx || flags.gt || flags.lt) {
        ctx.client
            .reply
            .error("ERR NX and XX, GT or LT options at the same time are not compatible");
        return;
    }
    if flags.gt && flags.lt {
        ctx.client
            .reply
            .error("ERR GT and LT options at the same time are not compatible");
        return;
    }
    let Some(mut when) = int_arg(ctx, argv[2]) else {
        return;
    };
    let invalid = format!("ERR invalid expire time in '{command}' command");
    if seconds {
        match when.checked_mul(1000) {
            Some(ms) => when = ms,
            None => {
                ctx.client.reply.error(&invalid);
                return;
            }
        }
    }
    let Some(when) = when
        .checked_add(base_ms)
        .filter(|_| when <= i64::MAX - base_ms)
    else {
        ctx.client.reply.error(&invalid);
        return;
    };
    let key = argv[1];
    let db = ctx.client.db;
    let keyspace = &mut ctx.server.keyspace;
    if !keyspace.exists(db, key) {
        ctx.client.reply.int(0);
        return;
    }
    let current = keyspace.expire_time(db, key);
    let refused = (flags.nx && current.is_some())
        || (flags.xx && current.is_none())
        || (flags.gt && current.is_none_or(|c| when <= c))
        || (flags.lt && current.is_some_and(|c| when >= c));
    if refused {
        ctx.client.reply.int(0);
        return;
    }
    let deleted = keyspace.set_expire(db, key, when);
    keyspace.notify(
        class::GENERIC,
        if deleted { "del" } else { "expire" },
        db,
        key,
    );
    // Logged with the absolute time (or as the DEL it became), so replaying gives the same.
    let ms = when.to_string();
    let logged = if deleted {
        super::logged(&[b"DEL", key])
    } else {
        super::logged(&[b"PEXPIREAT", key, ms.as_bytes()])
    };
    ctx.client.propagate_instead(vec![logged]);
    ctx.client.reply.int(1);
}

fn expire(ctx: &mut Ctx, argv: &[&[u8]]) {
    let now = ctx.server.keyspace.now_ms;
    expire_generic(ctx, argv, now, true, "expire");
}

fn pexpire(ctx: &mut Ctx, argv: &[&[u8]]) {
    let now = ctx.server.keyspace.now_ms;
    expire_generic(ctx, argv, now, false, "pexpire");
}

fn expireat(ctx: &mut Ctx, argv: &[&[u8]]) {
    expire_generic(ctx, argv, 0, true, "expireat");
}

fn pexpireat(ctx: &mut Ctx, argv: &[&[u8]]) {
    expire_generic(ctx, argv, 0, false, "pexpireat");
}

fn ttl_generic(ctx: &mut Ctx, argv: &[&[u8]], millis: bool, absolute: bool) {
    let db = ctx.client.db;
    let keyspace = &mut ctx.server.keyspace;
    if !keyspace.exists(db, argv[1]) {
        ctx.client.reply.int(-2);
        return;
    }
    let Some(when) = keyspace.expire_time(db, argv[1]) else {
        ctx.client.reply.int(-1);
        return;
    };
    let ttl = if absolute {
        when
    } else {
        (when - keyspace.now_ms).max(0)
    };
    ctx.client
        .reply
        .int(if millis { ttl } else { (ttl + 500) / 1000 });
}

fn ttl(ctx: &mut Ctx, argv: &[&[u8]]) {
    ttl_generic(ctx, argv, false, false);
}

fn pttl(ctx: &mut Ctx, argv: &[&[u8]]) {
    ttl_generic(ctx, argv, true, false);
}

fn expiretime(ctx: &mut Ctx, argv: &[&[u8]]) {
    ttl_generic(ctx, argv, false, true);
}

fn pexpiretime(ctx: &mut Ctx, argv: &[&[u8]]) {
    ttl_generic(ctx, argv, true, true);
}

fn persist(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.client.db;
    let keyspace = &mut ctx.server.keyspace;
    let removed = keyspace.exists(db, argv[1]) && keyspace.persist(db, argv[1]);
    if removed {
        keyspace.notify(class::GENERIC, "persist", db, argv[1]);
    }
    ctx.client.reply.int(i64::from(removed));
}

fn object_encoding(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.client.db;
    match ctx
        .server
        .keyspace
        .read_untouched(db, argv[2])
        .map(|v| v.encoding())
    {
        Some(encoding) => ctx.client.reply.bulk(encoding.as_bytes()),
        None => ctx.client.reply.null(),
    }
}

fn object_refcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    use crate::config::EvictionPolicy::{AllKeysLfu, AllKeysLru, VolatileLfu, VolatileLru};
    let db = ctx.client.db;
    // Redis shares the integers 0..9999 (refcount INT_MAX), except under maxmemory with an
    // LRU or LFU policy, where each value keeps its own access time; other values have one
    // owner. (Redis decides when the value is stored; here, by the settings of the moment.)
    let settings = &ctx.server.config.settings;
    let shared = settings.maxmemory == 0
        || !matches!(
            settings.maxmemory_policy,
            AllKeysLru | VolatileLru | AllKeysLfu | VolatileLfu
        );
    match ctx.server.keyspace.read_untouched(db, argv[2]) {
        Some(crate::db::Value::Str(s))
            if shared && parse_i64(s).is_some_and(|n| (0..10_000).contains(&n)) =>
        {
            ctx.client.reply.int(i64::from(i32::MAX))
        }
        Some(_) => ctx.client.reply.int(1),
        None => ctx.client.reply.null(),
    }
}

fn lfu_policy(ctx: &Ctx) -> bool {
    lfu_policy_of(&ctx.server.config)
}

/// Whether the eviction policy is one of the LFU ones.
pub(super) fn lfu_policy_of(config: &crate::config::Config) -> bool {
    use crate::config::EvictionPolicy::{AllKeysLfu, VolatileLfu};
    matches!(config.settings.maxmemory_policy, AllKeysLfu | VolatileLfu)
}

fn object_idletime(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.client.db;
    if ctx.server.keyspace.read_untouched(db, argv[2]).is_none() {
        ctx.client.reply.null();
    } else if lfu_policy(ctx) {
        ctx.client.reply.error("ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    } else {
        let idle = ctx.server.keyspace.idle_seconds(db, argv[2]).unwrap_or(0);
        ctx.client
            .reply
            .int(i64::try_from(idle).unwrap_or(i64::MAX));
    }
}

fn object_freq(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.client.db;
    if ctx.server.keyspace.read_untouched(db, argv[2]).is_none() {
        ctx.client.reply.null();
        return;
    }
    if !lfu_policy(ctx) {
        ctx.client.reply.error("ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
        return;
    }
    let frequency = ctx.server.keyspace.frequency(db, argv[2]).unwrap_or(0);
    ctx.client.reply.int(i64::from(frequency));
}

fn object_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::OBJECT);
}

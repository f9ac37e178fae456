//! Persistence commands: SAVE, BGSAVE, LASTSAVE, and DUMP / RESTORE (one value as an RDB
//! payload: type, value, RDB version, CRC-64).

use super::{is, Ctx, Handler, SYNTAX};
use crate::db::notify::class;
use crate::rdb::{type_of, write_value};
use crate::util::parse_i64;
use redis_runtime::rdb::{crc64, RDB_VERSION};

pub const HANDLERS: &[(&str, Handler)] = &[
    ("save", save),
    ("bgsave", bgsave),
    ("lastsave", lastsave),
    ("bgrewriteaof", bgrewriteaof),
    ("dump", dump),
    ("restore", restore),
    ("restore-asking", restore),
];

const IN_PROGRESS: &str = "ERR Background save already in progress";

fn save(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.server.rdb.child.is_some() {
        ctx.client.reply.error(IN_PROGRESS);
        return;
    }
    match crate::persist::save(ctx.server) {
        Ok(()) => ctx.client.reply.ok(),
        Err(()) => ctx.client.reply.error("ERR"),
    }
}

fn bgsave(ctx: &mut Ctx, argv: &[&[u8]]) {
    let schedule = match argv.len() {
        1 => false,
        2 if is(argv[1], "schedule") => true,
        _ => {
            ctx.client.reply.error(SYNTAX);
            return;
        }
    };
    if ctx.server.rdb.child.is_some() {
        if schedule {
            ctx.client.reply.status(b"Background saving scheduled");
        } else {
            ctx.client.reply.error(IN_PROGRESS);
        }
        return;
    }
    if ctx.server.aof.rewriting() {
        if schedule {
            ctx.server.rdb.scheduled = true;
            ctx.client.reply.status(b"Background saving scheduled");
        } else {
            ctx.client.reply.error("ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE SCHEDULE in order to schedule a BGSAVE whenever possible.");
        }
        return;
    }
    match crate::persist::background_save(ctx.server) {
        Ok(()) => ctx.client.reply.status(b"Background saving started"),
        Err(_) => ctx.client.reply.error("ERR"),
    }
}

fn bgrewriteaof(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.server.aof.rewriting() {
        ctx.client
            .reply
            .error("ERR Background append only file rewriting already in progress");
    } else if ctx.server.rdb.child.is_some() || ctx.client.in_exec {
        ctx.server.aof.rewrite_scheduled = true;
        ctx.client
            .reply
            .status(b"Background append only file rewriting scheduled");
    } else {
        match crate::aof::rewrite_background(ctx.server) {
            Ok(()) => ctx
                .client
                .reply
                .status(b"Background append only file rewriting started"),
            Err(e) => {
                ctx.server.log_warning(&e);
                ctx.client.reply.error("ERR Can't execute an AOF background rewriting. Please check the server logs for more information.");
            }
        }
    }
}

fn lastsave(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let when = ctx.server.last_save_unix;
    ctx.client.reply.int(when);
}

/// The `DUMP` payload of a value.
pub fn dump_payload(value: &crate::db::Value, options: &crate::rdb::SaveOptions) -> Vec<u8> {
    let mut out = vec![type_of(value)];
    write_value(&mut out, value, options);
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn dump(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.client.db;
    let options = crate::persist::save_options(ctx.server);
    match ctx.server.keyspace.read(db, argv[1]) {
        Some(value) => {
            let payload = dump_payload(value, &options);
            ctx.client.reply.bulk(&payload);
        }
        None => ctx.client.reply.null(),
    }
}

/// `verifyDumpPayload`: a known RDB version and a matching checksum.
/// Whether a DUMP payload's footer holds a version this server reads and the payload's
/// checksum (not looked at after `DEBUG SET-SKIP-CHECKSUM-VALIDATION 1`).
fn payload_ok(payload: &[u8], skip_checksum: bool) -> bool {
    if payload.len() < 10 {
        return false;
    }
    let footer = &payload[payload.len() - 10..];
    if u16::from_le_bytes([footer[0], footer[1]]) > RDB_VERSION {
        return false;
    }
    skip_checksum || crc64(0, &payload[..payload.len() - 8]).to_le_bytes() == footer[2..]
}

/// RESTORE key ttl payload [REPLACE] [ABSTTL] [IDLETIME seconds] [FREQ frequency], checked in
/// Redis's order.
fn restore(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (mut replace, mut absttl) = (false, false);
    let (mut idle, mut freq) = (None::<i64>, None::<i64>);
    let mut j = 4;
    while j < argv.len() {
        let more = argv.len() - j - 1;
        if is(argv[j], "replace") {
            replace = true;
        } else if is(argv[j], "absttl") {
            absttl = true;
        } else if is(argv[j], "idletime") && more >= 1 && freq.is_none() {
            let Some(v) = parse_i64(argv[j + 1]) else {
                ctx.client.reply.error(super::NOT_INTEGER);
                return;
            };
            if v < 0 {
                ctx.client
                    .reply
                    .error("ERR Invalid IDLETIME value, must be >= 0");
                return;
            }
            idle = Some(v);
            j += 1;
        } else if is(argv[j], "freq") && more >= 1 && idle.is_none() {
            let Some(v) = parse_i64(argv[j + 1]) else {
                ctx.client.reply.error(super::NOT_INTEGER);
                return;
            };
            if !(0..=255).contains(&v) {
                ctx.client
                    .reply
                    .error("ERR Invalid FREQ value, must be >= 0 and <= 255");
                return;
            }
            freq = Some(v);
            j += 1;
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
        j += 1;
    }
    let db = ctx.client.db;
    let key = argv[1];
    if !replace && ctx.server.keyspace.exists(db, key) {
        ctx.client
            .reply
            .error("BUSYKEY Target key name already exists.");
        return;
    }
    let Some(mut ttl) = parse_i64(argv[2]) else {
        ctx.client.reply.error(super::NOT_INTEGER);
        return;
    };
    if ttl < 0 {
        ctx.client
            .reply
            .error("ERR Invalid TTL value, must be >= 0");
        return;
    }
    let payload = argv[3];
    if !payload_ok(payload, ctx.server.skip_checksum_validation) {
        ctx.client
            .reply
            .error("ERR DUMP payload version or checksum are wrong");
        return;
    }
    let limits = ctx.limits();
    let value = match crate::rdb::load::read_dump_value(&payload[..payload.len() - 10], &limits) {
        Ok(value) => value,
        Err(what) => {
            // As Redis logs a corrupt payload a client sent (its "offset" is the loading
            // position, 0 outside a load).
            let line = crate::rdb::report::log_line(what, 0);
            ctx.server.log(crate::log::VERBOSE, &line);
            ctx.client.reply.error("ERR Bad data format");
            return;
        }
    };
    let keyspace = &mut ctx.server.keyspace;
    // The whole restore counts as one change, as does the deletion alone when the payload's
    // time has already passed.
    let before = keyspace.dirty;
    let deleted = replace && keyspace.delete(db, key).is_some();
    if ttl != 0 && !absttl {
        ttl = ttl.saturating_add(keyspace.now_ms);
    }
    if ttl != 0 && ttl <= keyspace.now_ms {
        if deleted {
            keyspace.notify(class::GENERIC, "del", db, key);
            ctx.client
                .propagate_instead(vec![super::logged(&[b"DEL", key])]);
        }
        ctx.client.reply.ok();
        return;
    }
    keyspace.set(db, key, value, false);
    // A frequency applies under an LFU policy, an idle time under the others.
    match (super::keys::lfu_policy_of(&ctx.server.config), idle, freq) {
        (true, _, Some(freq)) => ctx.server.keyspace.set_frequency(db, key, freq as u8),
        (false, Some(idle), _) => ctx.server.keyspace.set_idle_seconds(db, key, idle as u64),
        _ => {}
    }
    let keyspace = &mut ctx.server.keyspace;
    if ttl != 0 {
        keyspace.set_expire(db, key, ttl);
        if !absttl {
            // Logged with the absolute time, as Redis rewrites it.
            let mut parts: Vec<Vec<u8>> = argv.iter().map(|a| a.to_vec()).collect();
            parts[2] = ttl.to_string().into_bytes();
            parts.push(b"ABSTTL".to_vec());
            ctx.client.propagate_instead(vec![parts]);
        }
    }
    keyspace.recount_writes_since(before, 1);
    keyspace.notify(class::GENERIC, "restore", db, key);
    ctx.client.reply.ok();
}

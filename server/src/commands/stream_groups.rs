//! Stream consumer groups (`t_stream.c`): XGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, and
//! the group side of XREADGROUP.

use super::streams::{
    id_arg, range_end, range_start, read_stream, write_entry, write_id, write_stream,
};
use super::{int_arg, is, Ctx, Handler, SYNTAX};
use crate::db::notify::class;
use crate::db::stream::{Consumer, Group, Nack, Stream, StreamId, INVALID_ENTRIES_READ};
use crate::resp::reply::ReplyWriter;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("xgroup|create", xgroup),
    ("xgroup|setid", xgroup),
    ("xgroup|destroy", xgroup),
    ("xgroup|createconsumer", xgroup),
    ("xgroup|delconsumer", xgroup),
    ("xgroup|help", xgroup_help),
    ("xack", xack),
    ("xpending", xpending),
    ("xclaim", xclaim),
    ("xautoclaim", xautoclaim),
];

const XGROUP_HELP: &[&str] = &[
    "CREATE <key> <groupname> <id|$> [option]",
    "    Create a new consumer group. Options are:",
    "    * MKSTREAM",
    "      Create the empty stream if it does not exist.",
    "    * ENTRIESREAD entries_read",
    "      Set the group's entries_read counter (internal use).",
    "CREATECONSUMER <key> <groupname> <consumer>",
    "    Create a new consumer in the specified group.",
    "DELCONSUMER <key> <groupname> <consumer>",
    "    Remove the specified consumer.",
    "DESTROY <key> <groupname>",
    "    Remove the specified group.",
    "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
    "    Set the current group ID and entries_read counter.",
];

fn xgroup_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, XGROUP_HELP);
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The consumer `name` of `group`, created (and announced) when missing; its seen time is
/// now either way.
fn touch_consumer(ctx: &mut Ctx, group: &mut Group, key: &[u8], name: &[u8], now: i64) {
    match group.consumers.get_mut(name) {
        Some(c) => c.seen_time = now,
        None => {
            group.consumers.insert(
                name.to_vec(),
                Consumer {
                    seen_time: now,
                    pel: Default::default(),
                },
            );
            group.created.push(name.to_vec());
            let db = ctx.client.db;
            ctx.server
                .keyspace
                .notify(class::STREAM, "xgroup-createconsumer", db, key);
        }
    }
}

/// Take a group out of its stream while it is worked on (the stream stays readable).
fn with_group<R>(
    ctx: &mut Ctx,
    key: &[u8],
    name: &[u8],
    work: impl FnOnce(&mut Ctx, &Stream, &mut Group) -> R,
) -> Option<R> {
    let group = {
        let Ok(Some(stream)) = write_stream(ctx, key, false) else {
            return None;
        };
        stream.groups.remove(name)?
    };
    let mut group = group;
    let before = (group.last_id, group.entries_read);
    // The stream is moved out for the duration too, so `work` may also use `ctx`.
    let db = ctx.client.db;
    let mut value = ctx.server.keyspace.take_value(db, key)?;
    let result = match &mut value {
        crate::db::Value::Stream(stream) => Some(work(ctx, stream, &mut group)),
        _ => None,
    };
    log_group_changes(ctx, key, name, &mut group, before);
    if let crate::db::Value::Stream(stream) = &mut value {
        stream.groups.insert(name.to_vec(), group);
    }
    ctx.server.keyspace.put_value(db, key, value);
    result
}

/// What a command did to a group, as the commands that redo it (Redis's
/// `streamPropagateXCLAIM`, `streamPropagateGroupID`, `streamPropagateConsumerCreation`): new
/// consumers, each changed pending entry as an XCLAIM with its exact time and count (or an
/// XACK when it left), and the group's new position. These count as changes to the dataset.
fn log_group_changes(
    ctx: &mut Ctx,
    key: &[u8],
    name: &[u8],
    group: &mut Group,
    before: (StreamId, i64),
) {
    let mut created = std::mem::take(&mut group.created);
    let mut touched = std::mem::take(&mut group.touched);
    let mut moved = before != (group.last_id, group.entries_read);
    if std::mem::take(&mut group.claims_carry_position) {
        created.clear();
        moved = false;
    }
    if created.is_empty() && touched.is_empty() && !moved {
        return;
    }
    let mut commands: Vec<Vec<Vec<u8>>> = Vec::new();
    for consumer in created {
        commands.push(super::logged(&[
            b"XGROUP",
            b"CREATECONSUMER",
            key,
            name,
            &consumer,
        ]));
    }
    touched.sort_unstable();
    touched.dedup();
    let last_id = group.last_id.to_bytes();
    let mut acked: Vec<Vec<u8>> = Vec::new();
    for id in touched {
        let id_text = id.to_bytes();
        match group.pel.get(&id) {
            Some(nack) => {
                let consumer = nack.consumer.clone().unwrap_or_default();
                let time = nack.delivery_time.to_string();
                let count = nack.delivery_count.to_string();
                commands.push(super::logged(&[
                    b"XCLAIM",
                    key,
                    name,
                    &consumer,
                    b"0",
                    &id_text,
                    b"TIME",
                    time.as_bytes(),
                    b"RETRYCOUNT",
                    count.as_bytes(),
                    b"FORCE",
                    b"JUSTID",
                    b"LASTID",
                    &last_id,
                ]));
            }
            None => acked.push(id_text),
        }
    }
    if !acked.is_empty() {
        let mut parts = super::logged(&[b"XACK", key, name]);
        parts.extend(acked);
        commands.push(parts);
    }
    if moved {
        let read = group.entries_read.to_string();
        commands.push(super::logged(&[
            b"XGROUP",
            b"SETID",
            key,
            name,
            &last_id,
            b"ENTRIESREAD",
            read.as_bytes(),
        ]));
    }
    let mut all = ctx.client.propagate_as.take().unwrap_or_default();
    all.extend(commands);
    ctx.client.propagate_instead(all);
    ctx.server.keyspace.count_writes(1);
}

fn xgroup(ctx: &mut Ctx, argv: &[&[u8]]) {
    let sub = argv[1];
    let create = is(sub, "create");
    let setid = is(sub, "setid");
    let mut mkstream = false;
    let mut entries_read = INVALID_ENTRIES_READ;
    let mut i = 5;
    while i < argv.len() {
        if create && is(argv[i], "mkstream") {
            mkstream = true;
            i += 1;
        } else if (create || setid) && is(argv[i], "entriesread") && i + 1 < argv.len() {
            let Some(n) = int_arg(ctx, argv[i + 1]) else {
                return;
            };
            if n < 0 && n != INVALID_ENTRIES_READ {
                ctx.client
                    .reply
                    .error("ERR value for ENTRIESREAD must be positive or -1");
                return;
            }
            entries_read = n;
            i += 2;
        } else {
            super::subcommand_syntax_error(ctx, argv);
            return;
        }
    }
    let (key, name) = (argv[2], argv[3]);
    let (exists, has_group, last_id) = match read_stream(ctx, key) {
        Err(()) => return,
        Ok(None) => (false, false, StreamId::MIN),
        Ok(Some(s)) => (true, s.groups.contains_key(name), s.last_id),
    };
    if !mkstream {
        if !exists {
            ctx.client.reply.error("ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may want to use the MKSTREAM option to create an empty stream automatically.");
            return;
        }
        if !has_group && !create && !is(sub, "destroy") {
            ctx.client.reply.error(&format!(
                "NOGROUP No such consumer group '{}' for key name '{}'",
                text(name),
                text(key)
            ));
            return;
        }
    }
    let argc = argv.len();
    let db = ctx.client.db;
    if create && (5..=8).contains(&argc) {
        let id = if argv[4] == b"$" {
            last_id
        } else {
            let Some(id) = id_arg(ctx, argv[4], 0, true) else {
                return;
            };
            id
        };
        let Ok(Some(stream)) = write_stream(ctx, key, true) else {
            return;
        };
        if stream.groups.contains_key(name) {
            ctx.client
                .reply
                .error("BUSYGROUP Consumer Group name already exists");
            return;
        }
        stream
            .groups
            .insert(name.to_vec(), Group::new(id, entries_read));
        ctx.server.keyspace.count_writes(1);
        ctx.client.reply.ok();
        ctx.server
            .keyspace
            .notify(class::STREAM, "xgroup-create", db, key);
    } else if setid && (argc == 5 || argc == 7) {
        let id = if argv[4] == b"$" {
            last_id
        } else {
            let Some(id) = id_arg(ctx, argv[4], 0, false) else {
                return;
            };
            id
        };
        let Ok(Some(stream)) = write_stream(ctx, key, false) else {
            return;
        };
        if let Some(group) = stream.groups.get_mut(name) {
            group.last_id = id;
            group.entries_read = entries_read;
        }
        ctx.server.keyspace.count_writes(1);
        ctx.client.reply.ok();
        ctx.server
            .keyspace
            .notify(class::STREAM, "xgroup-setid", db, key);
    } else if is(sub, "destroy") && argc == 4 {
        let Ok(Some(stream)) = write_stream(ctx, key, false) else {
            return;
        };
        let removed = stream.groups.remove(name).is_some();
        ctx.client.reply.int(i64::from(removed));
        if removed {
            ctx.server
                .keyspace
                .notify(class::STREAM, "xgroup-destroy", db, key);
            // Its readers are woken (to be told the group is gone); watchers are not told.
            ctx.server.keyspace.count_writes(1);
            ctx.server.keyspace.signal_ready(db, key);
        }
    } else if is(sub, "createconsumer") && argc == 5 {
        let now = crate::db::now_ms();
        let created = with_group(ctx, key, name, |ctx, _, group| {
            let fresh = !group.consumers.contains_key(argv[4]);
            if fresh {
                touch_consumer(ctx, group, key, argv[4], now);
            }
            fresh
        });
        ctx.client.reply.int(i64::from(created.unwrap_or(false)));
    } else if is(sub, "delconsumer") && argc == 5 {
        let pending = with_group(ctx, key, name, |ctx, _, group| {
            let consumer = group.consumers.remove(argv[4])?;
            for id in &consumer.pel {
                group.pel.remove(id);
            }
            let db = ctx.client.db;
            ctx.server
                .keyspace
                .notify(class::STREAM, "xgroup-delconsumer", db, key);
            Some(consumer.pel.len() as i64)
        });
        if pending.is_some_and(|p| p.is_some()) {
            // Logged as it was given.
            ctx.client.propagate_as = None;
            ctx.server.keyspace.count_writes(1);
        }
        ctx.client.reply.int(pending.flatten().unwrap_or(0));
    } else {
        super::subcommand_syntax_error(ctx, argv);
    }
}

/// XREADGROUP on one stream (its group checked to exist): new entries after the group's
/// last delivered one for `>` (`after` is `MAX`), else the consumer's own pending entries
/// after `after`; written as `[key, entries]` into `out`. Whether anything was written.
#[allow(clippy::too_many_arguments)]
pub fn read_group(
    ctx: &mut Ctx,
    key: &[u8],
    group_name: &[u8],
    consumer: &[u8],
    after: StreamId,
    count: usize,
    noack: bool,
    out: &mut ReplyWriter,
) -> bool {
    let now = crate::db::now_ms();
    let history = after != StreamId::MAX;
    with_group(ctx, key, group_name, |ctx, stream, group| {
        let start = if history {
            after
        } else {
            if stream.length == 0 || stream.last_valid_id() <= group.last_id {
                return false;
            }
            group.last_id
        };
        let Some(start) = start.next() else {
            return false;
        };
        if !out.resp3() {
            out.array(2);
        }
        out.bulk(key);
        touch_consumer(ctx, group, key, consumer, now);
        // Without NOACK the replica learns the consumer and the position from the XCLAIMs
        // of the entries delivered (`streamPropagateXCLAIM` with LASTID).
        group.claims_carry_position = !noack;
        if history {
            write_history(stream, group, consumer, start, count, now, out);
        } else {
            let entries = stream.range(start, StreamId::MAX, false, count);
            out.array(entries.len());
            for entry in &entries {
                stream.advance_group(group, entry.0);
                write_entry(out, entry);
                if !noack {
                    deliver(group, entry.0, consumer, now);
                }
            }
        }
        true
    })
    .unwrap_or(false)
}

/// Record that entry `id` went to `consumer` (a fresh delivery: count 1).
fn deliver(group: &mut Group, id: StreamId, consumer: &[u8], now: i64) {
    group.touched.push(id);
    match group.pel.get_mut(&id) {
        Some(nack) => {
            nack.delivery_time = now;
            nack.delivery_count = 1;
            group.assign(id, consumer);
        }
        None => {
            group.pel.insert(
                id,
                Nack {
                    consumer: Some(consumer.to_vec()),
                    delivery_time: now,
                    delivery_count: 1,
                },
            );
            if let Some(c) = group.consumers.get_mut(consumer) {
                c.pel.insert(id);
            }
        }
    }
}

/// A consumer's pending entries from `start`: each with its fields, or with a null when
/// the entry was deleted meanwhile; delivered again (count and time updated).
fn write_history(
    stream: &Stream,
    group: &mut Group,
    consumer: &[u8],
    start: StreamId,
    count: usize,
    now: i64,
    out: &mut ReplyWriter,
) {
    let ids: Vec<StreamId> = group
        .consumers
        .get(consumer)
        .map(|c| {
            let limit = if count == 0 { usize::MAX } else { count };
            c.pel.range(start..).take(limit).copied().collect()
        })
        .unwrap_or_default();
    out.array(ids.len());
    for id in ids {
        match stream.range(id, id, false, 1).first() {
            Some(entry) => {
                write_entry(out, entry);
                if let Some(nack) = group.pel.get_mut(&id) {
                    nack.delivery_time = now;
                    nack.delivery_count += 1;
                    group.touched.push(id);
                }
            }
            None => {
                out.array(2);
                write_id(out, id);
                out.null_array();
            }
        }
    }
}

fn xack(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (key, name) = (argv[1], argv[2]);
    let has_group = match read_stream(ctx, key) {
        Err(()) => return,
        Ok(s) => s.is_some_and(|s| s.groups.contains_key(name)),
    };
    if !has_group {
        ctx.client.reply.int(0);
        return;
    }
    let mut ids = Vec::with_capacity(argv.len() - 3);
    for arg in &argv[3..] {
        let Some(id) = id_arg(ctx, arg, 0, true) else {
            return;
        };
        ids.push(id);
    }
    let acked = with_group(ctx, key, name, |_, _, group| {
        ids.iter().filter(|id| group.remove_pending(**id)).count()
    });
    ctx.client.reply.int(acked.unwrap_or(0) as i64);
}

fn nogroup(ctx: &mut Ctx, key: &[u8], name: &[u8]) {
    ctx.client.reply.error(&format!(
        "NOGROUP No such key '{}' or consumer group '{}'",
        text(key),
        text(name)
    ));
}

fn xpending(ctx: &mut Ctx, argv: &[&[u8]]) {
    let argc = argv.len();
    if argc != 3 && !(6..=9).contains(&argc) {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    let mut range = None;
    let mut min_idle = 0;
    let mut consumer: Option<&[u8]> = None;
    if argc >= 6 {
        let mut at = 3;
        if is(argv[3], "idle") {
            let Some(idle) = int_arg(ctx, argv[4]) else {
                return;
            };
            min_idle = idle;
            if argc < 8 {
                ctx.client.reply.error(SYNTAX);
                return;
            }
            at += 2;
        }
        let Some(count) = int_arg(ctx, argv[at + 2]) else {
            return;
        };
        let Some(start) = range_start(ctx, argv[at]) else {
            return;
        };
        let Some(end) = range_end(ctx, argv[at + 1]) else {
            return;
        };
        if at + 3 < argc {
            consumer = Some(argv[at + 3]);
        }
        range = Some((start, end, count.max(0) as usize));
    }
    let (key, name) = (argv[1], argv[2]);
    let now = crate::db::now_ms();
    let mut out = ReplyWriter::new(ctx.client.reply.resp);
    let found = {
        let Ok(stream) = read_stream(ctx, key) else {
            return;
        };
        match stream.and_then(|s| s.groups.get(name)) {
            None => false,
            Some(group) => {
                match range {
                    None => write_pending_summary(group, &mut out),
                    Some((start, end, count)) => write_pending_range(
                        group, consumer, start, end, count, min_idle, now, &mut out,
                    ),
                }
                true
            }
        }
    };
    if !found {
        nogroup(ctx, key, name);
        return;
    }
    ctx.client.reply.buf.extend_from_slice(&out.buf);
}

fn write_pending_summary(group: &Group, out: &mut ReplyWriter) {
    out.array(4);
    out.int(group.pel.len() as i64);
    let (Some(first), Some(last)) = (group.pel.keys().next(), group.pel.keys().next_back()) else {
        out.null();
        out.null();
        out.null_array();
        return;
    };
    write_id(out, *first);
    write_id(out, *last);
    let busy: Vec<(&Vec<u8>, usize)> = group
        .consumers
        .iter()
        .filter(|(_, c)| !c.pel.is_empty())
        .map(|(n, c)| (n, c.pel.len()))
        .collect();
    out.array(busy.len());
    for (name, pending) in busy {
        out.array(2);
        out.bulk(name);
        out.bulk_int(pending as i64);
    }
}

#[allow(clippy::too_many_arguments)]
fn write_pending_range(
    group: &Group,
    consumer: Option<&[u8]>,
    start: StreamId,
    end: StreamId,
    count: usize,
    min_idle: i64,
    now: i64,
    out: &mut ReplyWriter,
) {
    let ids: Vec<StreamId> = match consumer {
        Some(name) => match group.consumers.get(name) {
            None => {
                out.array(0);
                return;
            }
            Some(c) if start <= end => c.pel.range(start..=end).copied().collect(),
            Some(_) => Vec::new(),
        },
        None if start <= end => group.pel.range(start..=end).map(|(id, _)| *id).collect(),
        None => Vec::new(),
    };
    let mut rows = Vec::new();
    for id in ids {
        if rows.len() >= count {
            break;
        }
        let Some(nack) = group.pel.get(&id) else {
            continue;
        };
        if min_idle != 0 && now - nack.delivery_time < min_idle {
            continue;
        }
        rows.push((id, nack));
    }
    out.array(rows.len());
    for (id, nack) in rows {
        out.array(4);
        write_id(out, id);
        out.bulk(nack.consumer.as_deref().unwrap_or_default());
        out.int((now - nack.delivery_time).max(0));
        out.int(nack.delivery_count as i64);
    }
}

/// XCLAIM's options after the IDs.
struct ClaimOptions {
    force: bool,
    justid: bool,
    delivery_time: Option<i64>,
    retry_count: Option<i64>,
    last_id: StreamId,
}

fn parse_claim_options(ctx: &mut Ctx, opts: &[&[u8]], now: i64) -> Option<ClaimOptions> {
    let mut o = ClaimOptions {
        force: false,
        justid: false,
        delivery_time: None,
        retry_count: None,
        last_id: StreamId::MIN,
    };
    let number = |ctx: &mut Ctx, arg: &[u8], what: &str| {
        let n = crate::util::parse_i64(arg);
        if n.is_none() {
            ctx.client
                .reply
                .error(&format!("ERR Invalid {what} option argument for XCLAIM"));
        }
        n
    };
    let mut j = 0;
    while j < opts.len() {
        let more = opts.len() - 1 - j;
        let opt = opts[j];
        if is(opt, "force") {
            o.force = true;
        } else if is(opt, "justid") {
            o.justid = true;
        } else if is(opt, "idle") && more > 0 {
            j += 1;
            o.delivery_time = Some(now - number(ctx, opts[j], "IDLE")?);
        } else if is(opt, "time") && more > 0 {
            j += 1;
            o.delivery_time = Some(number(ctx, opts[j], "TIME")?);
        } else if is(opt, "retrycount") && more > 0 {
            j += 1;
            o.retry_count = Some(number(ctx, opts[j], "RETRYCOUNT")?);
        } else if is(opt, "lastid") && more > 0 {
            j += 1;
            o.last_id = id_arg(ctx, opts[j], 0, true)?;
        } else {
            ctx.client
                .reply
                .error(&format!("ERR Unrecognized XCLAIM option '{}'", text(opt)));
            return None;
        }
        j += 1;
    }
    Some(o)
}

fn xclaim(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (key, name, consumer) = (argv[1], argv[2], argv[3]);
    let has_group = match read_stream(ctx, key) {
        Err(()) => return,
        Ok(s) => s.is_some_and(|s| s.groups.contains_key(name)),
    };
    if !has_group {
        nogroup(ctx, key, name);
        return;
    }
    let Some(min_idle) = crate::util::parse_i64(argv[4]) else {
        ctx.client
            .reply
            .error("ERR Invalid min-idle-time argument for XCLAIM");
        return;
    };
    let min_idle = min_idle.max(0);
    // IDs run until the first argument that is not one; options follow.
    let ids: Vec<StreamId> = argv[5..]
        .iter()
        .map_while(|a| crate::db::stream::parse_id(a, 0, true, false).map(|p| p.id))
        .collect();
    let now = crate::db::now_ms();
    let Some(options) = parse_claim_options(ctx, &argv[5 + ids.len()..], now) else {
        return;
    };
    let delivery_time = match options.delivery_time {
        Some(t) if (0..=now).contains(&t) => t,
        _ => now,
    };
    let mut out = ReplyWriter::new(ctx.client.reply.resp);
    with_group(ctx, key, name, |ctx, stream, group| {
        if options.last_id > group.last_id {
            group.last_id = options.last_id;
        }
        let mut claimed = ReplyWriter::new(out.resp);
        let mut n = 0;
        for id in ids {
            if !stream.contains(id) {
                group.remove_pending(id);
                continue;
            }
            if options.force && !group.pel.contains_key(&id) {
                group.pel.insert(
                    id,
                    Nack {
                        consumer: None,
                        delivery_time: now,
                        delivery_count: 1,
                    },
                );
            }
            let Some(nack) = group.pel.get(&id) else {
                continue;
            };
            if nack.consumer.is_some() && min_idle != 0 && now - nack.delivery_time < min_idle {
                continue;
            }
            touch_consumer(ctx, group, key, consumer, now);
            group.assign(id, consumer);
            if let Some(nack) = group.pel.get_mut(&id) {
                nack.delivery_time = delivery_time;
                match options.retry_count {
                    Some(r) if r >= 0 => nack.delivery_count = r as u64,
                    _ if !options.justid => nack.delivery_count += 1,
                    _ => {}
                }
            }
            if options.justid {
                write_id(&mut claimed, id);
            } else if let Some(entry) = stream.range(id, id, false, 1).first() {
                write_entry(&mut claimed, entry);
            }
            n += 1;
        }
        out.array(n);
        out.buf.extend_from_slice(&claimed.buf);
    });
    ctx.client.reply.buf.extend_from_slice(&out.buf);
}

fn xautoclaim(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (key, name, consumer) = (argv[1], argv[2], argv[3]);
    let Some(min_idle) = crate::util::parse_i64(argv[4]) else {
        ctx.client
            .reply
            .error("ERR Invalid min-idle-time argument for XAUTOCLAIM");
        return;
    };
    let min_idle = min_idle.max(0);
    let Some(start) = range_start(ctx, argv[5]) else {
        return;
    };
    let mut count: i64 = 100;
    let mut justid = false;
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if is(argv[j], "count") && more > 0 {
            let max = i64::MAX / 16;
            let n = crate::util::parse_i64(argv[j + 1]).filter(|n| (1..=max).contains(n));
            let Some(n) = n else {
                ctx.client.reply.error("ERR COUNT must be > 0");
                return;
            };
            count = n;
            j += 1;
        } else if is(argv[j], "justid") {
            justid = true;
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
        j += 1;
    }
    let has_group = match read_stream(ctx, key) {
        Err(()) => return,
        Ok(s) => s.is_some_and(|s| s.groups.contains_key(name)),
    };
    if !has_group {
        nogroup(ctx, key, name);
        return;
    }
    let now = crate::db::now_ms();
    let mut out = ReplyWriter::new(ctx.client.reply.resp);
    with_group(ctx, key, name, |ctx, stream, group| {
        let mut attempts = count.saturating_mul(10);
        let mut claimed = ReplyWriter::new(out.resp);
        let mut n = 0;
        let mut deleted = Vec::new();
        let mut cursor = Some(start);
        while attempts > 0 && count > 0 {
            let Some(from) = cursor else { break };
            let Some((&id, nack)) = group.pel.range(from..).next() else {
                cursor = None;
                break;
            };
            attempts -= 1;
            cursor = id.next();
            if !stream.contains(id) {
                group.remove_pending(id);
                deleted.push(id);
                count -= 1;
                continue;
            }
            if min_idle != 0 && now - nack.delivery_time < min_idle {
                continue;
            }
            touch_consumer(ctx, group, key, consumer, now);
            group.assign(id, consumer);
            if let Some(nack) = group.pel.get_mut(&id) {
                nack.delivery_time = now;
                if !justid {
                    nack.delivery_count += 1;
                }
            }
            if justid {
                write_id(&mut claimed, id);
            } else if let Some(entry) = stream.range(id, id, false, 1).first() {
                write_entry(&mut claimed, entry);
            }
            n += 1;
            count -= 1;
        }
        // The next pending entry after the last one looked at, `0-0` when none is left.
        let next = cursor
            .and_then(|from| group.pel.range(from..).next().map(|(id, _)| *id))
            .unwrap_or(StreamId::MIN);
        out.array(3);
        write_id(&mut out, next);
        out.array(n);
        out.buf.extend_from_slice(&claimed.buf);
        out.array(deleted.len());
        for id in deleted {
            write_id(&mut out, id);
        }
    });
    ctx.client.reply.buf.extend_from_slice(&out.buf);
}

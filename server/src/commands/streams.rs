//! Stream commands on entries (`t_stream.c`): XADD, XLEN, XRANGE, XREVRANGE, XDEL, XTRIM,
//! XSETID, XREAD (and XREADGROUP, which shares its parsing and reply) and XINFO. The consumer
//! group commands are in `stream_groups`.

use super::{int_arg, is, Ctx, Handler, SYNTAX, WRONGTYPE};
use crate::db::notify::class;
use crate::db::stream::{
    parse_id, EntryRef, Group, NodeLimits, ParsedId, Stream, StreamId, Trim, MAX_ENTRY_BYTES,
};
use crate::db::Value;
use crate::resp::reply::ReplyWriter;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("xadd", xadd),
    ("xlen", xlen),
    ("xrange", xrange),
    ("xrevrange", xrevrange),
    ("xdel", xdel),
    ("xtrim", xtrim),
    ("xsetid", xsetid),
    ("xread", xread),
    ("xreadgroup", xread),
    ("xinfo|stream", xinfo_stream),
    ("xinfo|groups", xinfo_groups),
    ("xinfo|consumers", xinfo_consumers),
    ("xinfo|help", xinfo_help),
];

pub const INVALID_ID: &str = "ERR Invalid stream ID specified as stream command argument";

/// The stream at `key` for reading; `Err` after answering WRONGTYPE.
pub fn read_stream<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Result<Option<&'a Stream>, ()> {
    let db = ctx.client.db;
    match ctx.server.keyspace.read(db, key) {
        None => Ok(None),
        Some(Value::Stream(s)) => Ok(Some(s)),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            Err(())
        }
    }
}

/// The stream at `key` for writing, created empty when `create`; `Err` after WRONGTYPE.
pub fn write_stream<'a>(
    ctx: &'a mut Ctx,
    key: &[u8],
    create: bool,
) -> Result<Option<&'a mut Stream>, ()> {
    let db = ctx.client.db;
    let exists = match ctx.server.keyspace.write(db, key) {
        None => false,
        Some(Value::Stream(_)) => true,
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            return Err(());
        }
    };
    if !exists {
        if !create {
            return Ok(None);
        }
        // Not counted: the command counts its change (an entry, a group), as Redis does.
        let empty = Value::Stream(Box::default());
        ctx.server.keyspace.add_uncounted(db, key, empty);
        ctx.server.keyspace.signal_modified(db, key);
    }
    match ctx.server.keyspace.write(db, key) {
        Some(Value::Stream(s)) => Ok(Some(s)),
        _ => Ok(None),
    }
}

/// A stream ID argument, or `None` after Redis's error.
pub fn id_arg(ctx: &mut Ctx, arg: &[u8], missing_seq: u64, strict: bool) -> Option<StreamId> {
    let parsed = parse_id(arg, missing_seq, strict, false).map(|p| p.id);
    if parsed.is_none() {
        ctx.client.reply.error(INVALID_ID);
    }
    parsed
}

/// An interval bound: `(id` excludes it (`streamParseIntervalIDOrReply`).
fn interval_arg(ctx: &mut Ctx, arg: &[u8], missing_seq: u64) -> Option<(StreamId, bool)> {
    if arg.len() > 1 && arg[0] == b'(' {
        id_arg(ctx, &arg[1..], missing_seq, true).map(|id| (id, true))
    } else {
        id_arg(ctx, arg, missing_seq, false).map(|id| (id, false))
    }
}

/// The start of a range, moved past an excluded bound.
pub fn range_start(ctx: &mut Ctx, arg: &[u8]) -> Option<StreamId> {
    let (id, excluded) = interval_arg(ctx, arg, 0)?;
    if !excluded {
        return Some(id);
    }
    let next = id.next();
    if next.is_none() {
        ctx.client
            .reply
            .error("ERR invalid start ID for the interval");
    }
    next
}

/// The end of a range, moved before an excluded bound.
pub fn range_end(ctx: &mut Ctx, arg: &[u8]) -> Option<StreamId> {
    let (id, excluded) = interval_arg(ctx, arg, u64::MAX)?;
    if !excluded {
        return Some(id);
    }
    let prev = id.prev();
    if prev.is_none() {
        ctx.client
            .reply
            .error("ERR invalid end ID for the interval");
    }
    prev
}

pub fn write_id(out: &mut ReplyWriter, id: StreamId) {
    out.bulk(id.format(&mut [0u8; 41]));
}

/// One entry: `[id, [field, value, ...]]`.
pub fn write_entry(out: &mut ReplyWriter, entry: &EntryRef<'_>) {
    out.array(2);
    write_id(out, entry.0);
    out.array(entry.1.len() * 2);
    for (field, value) in &entry.1 {
        out.bulk(field);
        out.bulk(value);
    }
}

pub fn write_entries(out: &mut ReplyWriter, entries: &[EntryRef<'_>]) {
    out.array(entries.len());
    for entry in entries {
        write_entry(out, entry);
    }
}

fn node_limits(ctx: &Ctx) -> NodeLimits {
    let settings = &ctx.server.config.settings;
    NodeLimits {
        max_bytes: settings.stream_node_max_bytes,
        max_entries: settings.stream_node_max_entries,
    }
}

/// XADD and XTRIM options (`streamParseAddOrTrimArgsOrReply`).
struct TrimArgs {
    trim: Option<Trim>,
    approx: bool,
    /// Entries removed at most, counted by whole nodes (0: no limit).
    limit: u64,
    no_mkstream: bool,
    id: Option<ParsedId>,
    /// Where XADD's ID argument is (its fields follow).
    id_pos: usize,
    /// Where the `~` of an approximate trim is (its threshold follows).
    approx_at: usize,
}

fn parse_trim_args(ctx: &mut Ctx, argv: &[&[u8]], xadd: bool) -> Option<TrimArgs> {
    let mut args = TrimArgs {
        trim: None,
        approx: false,
        limit: 0,
        no_mkstream: false,
        id: None,
        id_pos: argv.len(),
        approx_at: 0,
    };
    let mut limit_given = false;
    let mut i = 2;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = argv[i];
        if xadd && opt == b"*" {
            break;
        } else if (is(opt, "maxlen") || is(opt, "minid")) && more > 0 {
            if args.trim.is_some() {
                ctx.client.reply.error("ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
                return None;
            }
            args.approx = false;
            let next = argv[i + 1];
            if more >= 2 && (next == b"~" || next == b"=") {
                args.approx = next == b"~";
                args.approx_at = i + 1;
                i += 1;
            }
            let value = argv[i + 1];
            if is(opt, "maxlen") {
                let max = int_arg(ctx, value)?;
                if max < 0 {
                    ctx.client
                        .reply
                        .error("ERR The MAXLEN argument must be >= 0.");
                    return None;
                }
                args.trim = Some(Trim::MaxLen(max as u64));
            } else {
                args.trim = Some(Trim::MinId(id_arg(ctx, value, 0, true)?));
            }
            i += 1;
        } else if is(opt, "limit") && more > 0 {
            let limit = int_arg(ctx, argv[i + 1])?;
            if limit < 0 {
                ctx.client
                    .reply
                    .error("ERR The LIMIT argument must be >= 0.");
                return None;
            }
            args.limit = limit as u64;
            limit_given = true;
            i += 1;
        } else if xadd && is(opt, "nomkstream") {
            args.no_mkstream = true;
        } else if xadd {
            let Some(parsed) = parse_id(opt, 0, true, true) else {
                ctx.client.reply.error(INVALID_ID);
                return None;
            };
            args.id = Some(parsed);
            break;
        } else {
            ctx.client.reply.error(SYNTAX);
            return None;
        }
        i += 1;
    }
    args.id_pos = i;
    if args.limit != 0 && args.trim.is_none() {
        ctx.client
            .reply
            .error("ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
        return None;
    }
    if !xadd && args.trim.is_none() {
        ctx.client
            .reply
            .error("ERR syntax error, XTRIM must be called with a trimming strategy");
        return None;
    }
    if ctx.client.deny_blocking {
        // The append-only file's own commands: their trims were made exact when logged (see
        // `exact_trim`), and LIMIT no longer applies (`mustObeyClient`).
        args.limit = 0;
    } else if limit_given {
        if !args.approx {
            ctx.client
                .reply
                .error("ERR syntax error, LIMIT cannot be used without the special ~ option");
            return None;
        }
    } else if args.approx {
        // Approximate trimming does at most a hundred nodes' worth of work by default.
        let per_node = ctx.server.config.settings.stream_node_max_entries;
        let limit = per_node.saturating_mul(100);
        args.limit = if limit == 0 {
            10_000
        } else {
            limit.min(1_000_000)
        };
    } else {
        args.limit = 0;
    }
    Some(args)
}

/// An approximate trim is propagated as the exact one it turned out to be (`= <length>` for
/// MAXLEN, `= <first ID>` for MINID), so that replicas and replays trim the same entries.
fn exact_trim(parts: &mut [Vec<u8>], args: &TrimArgs, length: u64, first: StreamId) {
    if !args.approx || args.approx_at + 1 >= parts.len() {
        return;
    }
    parts[args.approx_at] = b"=".to_vec();
    parts[args.approx_at + 1] = match args.trim {
        Some(Trim::MinId(_)) => first.to_bytes(),
        _ => length.to_string().into_bytes(),
    };
}

fn xadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(args) = parse_trim_args(ctx, argv, true) else {
        return;
    };
    let fields_at = args.id_pos + 1;
    let rest = argv.len().saturating_sub(fields_at);
    if fields_at > argv.len() || rest < 2 || rest % 2 == 1 {
        ctx.client
            .reply
            .error("ERR wrong number of arguments for 'xadd' command");
        return;
    }
    if let Some(p) = args.id {
        if p.seq_given && p.id.is_zero() {
            ctx.client
                .reply
                .error("ERR The ID specified in XADD must be greater than 0-0");
            return;
        }
    }
    let limits = node_limits(ctx);
    let now = crate::db::now_ms() as u64;
    let key = argv[1];
    let outcome = {
        let Ok(stream) = write_stream(ctx, key, !args.no_mkstream) else {
            return;
        };
        let Some(stream) = stream else {
            ctx.client.reply.null();
            return;
        };
        add_entry(stream, args.id, now, &argv[fields_at..], limits).map(|id| {
            let trimmed = args
                .trim
                .map_or(0, |how| stream.trim(how, args.approx, args.limit));
            (id, trimmed, stream.length, stream.first_entry_id())
        })
    };
    match outcome {
        Err(text) => ctx.client.reply.error(text),
        Ok((id, trimmed, length, first)) => {
            write_id(&mut ctx.client.reply, id);
            // Logged with the ID it got, so replaying adds the same entry.
            if ctx.server.propagating() {
                let mut parts: Vec<Vec<u8>> = argv.iter().map(|a| a.to_vec()).collect();
                parts[args.id_pos] = id.to_bytes();
                exact_trim(&mut parts, &args, length, first);
                ctx.client.propagate_instead(vec![parts]);
            }
            let db = ctx.client.db;
            ctx.server.keyspace.notify(class::STREAM, "xadd", db, key);
            if trimmed > 0 {
                ctx.server.keyspace.notify(class::STREAM, "xtrim", db, key);
            }
            ctx.server.keyspace.modified(db, key);
        }
    }
}

/// Append an entry (`streamAppendItem` with XADD's checks): its ID, or the error text.
fn add_entry(
    stream: &mut Stream,
    given: Option<ParsedId>,
    now_ms: u64,
    fields: &[&[u8]],
    limits: NodeLimits,
) -> Result<StreamId, &'static str> {
    const TOO_SMALL: &str =
        "ERR The ID specified in XADD is equal or smaller than the target stream top item";
    let last = stream.last_id;
    if last == StreamId::MAX {
        return Err("ERR The stream has exhausted the last possible ID, unable to add more items");
    }
    let id = match given {
        Some(p) if p.seq_given => p.id,
        Some(p) if p.id.ms == last.ms => {
            if last.seq == u64::MAX {
                return Err(TOO_SMALL);
            }
            StreamId::new(last.ms, last.seq + 1)
        }
        Some(p) => p.id,
        None if now_ms > last.ms => StreamId::new(now_ms, 0),
        None => last.next().ok_or(TOO_SMALL)?,
    };
    if id <= last {
        return Err(TOO_SMALL);
    }
    let total: usize = fields.iter().map(|f| f.len()).sum();
    if total > MAX_ENTRY_BYTES {
        return Err("ERR Elements are too large to be stored");
    }
    let pairs: Vec<(&[u8], &[u8])> = fields.chunks_exact(2).map(|p| (p[0], p[1])).collect();
    stream.append(id, &pairs, limits);
    Ok(id)
}

fn xlen(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Ok(stream) = read_stream(ctx, argv[1]) else {
        return;
    };
    let len = stream.map_or(0, |s| s.length as i64);
    ctx.client.reply.int(len);
}

fn xrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    range_command(ctx, argv, false);
}

fn xrevrange(ctx: &mut Ctx, argv: &[&[u8]]) {
    range_command(ctx, argv, true);
}

fn range_command(ctx: &mut Ctx, argv: &[&[u8]], rev: bool) {
    let (start_arg, end_arg) = if rev {
        (argv[3], argv[2])
    } else {
        (argv[2], argv[3])
    };
    let Some(start) = range_start(ctx, start_arg) else {
        return;
    };
    let Some(end) = range_end(ctx, end_arg) else {
        return;
    };
    let mut count: i64 = -1;
    let mut j = 4;
    while j < argv.len() {
        if is(argv[j], "count") && j + 1 < argv.len() {
            let Some(n) = int_arg(ctx, argv[j + 1]) else {
                return;
            };
            count = n.max(0);
            j += 2;
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
    }
    let mut out = ReplyWriter::new(ctx.client.reply.resp);
    {
        let Ok(stream) = read_stream(ctx, argv[1]) else {
            return;
        };
        match stream {
            None => out.array(0),
            Some(_) if count == 0 => out.null_array(),
            Some(stream) => {
                let limit = if count < 0 { 0 } else { count as usize };
                let entries: Vec<EntryRef<'_>> = stream.range(start, end, rev, limit);
                write_entries(&mut out, &entries);
            }
        }
    }
    ctx.client.reply.buf.extend_from_slice(&out.buf);
}

fn xdel(ctx: &mut Ctx, argv: &[&[u8]]) {
    let key = argv[1];
    let Ok(stream) = write_stream(ctx, key, false) else {
        return;
    };
    if stream.is_none() {
        ctx.client.reply.int(0);
        return;
    }
    let mut ids = Vec::with_capacity(argv.len() - 2);
    for arg in &argv[2..] {
        let Some(id) = id_arg(ctx, arg, 0, true) else {
            return;
        };
        ids.push(id);
    }
    let Ok(Some(stream)) = write_stream(ctx, key, false) else {
        return;
    };
    let mut deleted = 0;
    let mut head_deleted = false;
    for id in ids {
        if stream.delete(id) {
            head_deleted |= id == stream.first_id;
            if id > stream.max_deleted_id {
                stream.max_deleted_id = id;
            }
            deleted += 1;
        }
    }
    if deleted > 0 && (stream.length == 0 || head_deleted) {
        stream.refresh_first_id();
    }
    if deleted > 0 {
        let db = ctx.client.db;
        ctx.server.keyspace.notify(class::STREAM, "xdel", db, key);
        // Each entry deleted counts.
        ctx.server
            .keyspace
            .modified_counting(db, key, deleted as u64);
    }
    ctx.client.reply.int(deleted);
}

fn xtrim(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(args) = parse_trim_args(ctx, argv, false) else {
        return;
    };
    let key = argv[1];
    let Ok(stream) = write_stream(ctx, key, false) else {
        return;
    };
    let Some(stream) = stream else {
        ctx.client.reply.int(0);
        return;
    };
    let removed = args
        .trim
        .map_or(0, |how| stream.trim(how, args.approx, args.limit));
    let mut parts: Vec<Vec<u8>> = argv.iter().map(|a| a.to_vec()).collect();
    exact_trim(&mut parts, &args, stream.length, stream.first_entry_id());
    ctx.client.propagate_instead(vec![parts]);
    if removed > 0 {
        let db = ctx.client.db;
        ctx.server.keyspace.notify(class::STREAM, "xtrim", db, key);
        // Each entry trimmed counts.
        ctx.server
            .keyspace
            .modified_counting(db, key, removed as u64);
    }
    ctx.client.reply.int(removed as i64);
}

fn xsetid(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(id) = id_arg(ctx, argv[2], 0, true) else {
        return;
    };
    let mut entries_added: i64 = -1;
    let mut max_deleted = StreamId::MIN;
    let mut i = 3;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        if is(argv[i], "entriesadded") && more > 0 {
            let Some(n) = int_arg(ctx, argv[i + 1]) else {
                return;
            };
            if n < 0 {
                ctx.client.reply.error("ERR entries_added must be positive");
                return;
            }
            entries_added = n;
        } else if is(argv[i], "maxdeletedid") && more > 0 {
            let Some(m) = id_arg(ctx, argv[i + 1], 0, true) else {
                return;
            };
            if id < m {
                ctx.client.reply.error(
                    "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id",
                );
                return;
            }
            max_deleted = m;
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
        i += 2;
    }
    let key = argv[1];
    let Ok(stream) = write_stream(ctx, key, false) else {
        return;
    };
    let Some(stream) = stream else {
        ctx.client.reply.error("ERR no such key");
        return;
    };
    if stream.length > 0 {
        if id < stream.last_valid_id() {
            ctx.client
                .reply
                .error("ERR The ID specified in XSETID is smaller than the target stream top item");
            return;
        }
        if entries_added != -1 && stream.length > entries_added as u64 {
            ctx.client.reply.error(
                "ERR The entries_added specified in XSETID is smaller than the target stream length",
            );
            return;
        }
    }
    stream.last_id = id;
    if entries_added != -1 {
        stream.entries_added = entries_added as u64;
    }
    if !max_deleted.is_zero() {
        stream.max_deleted_id = max_deleted;
    }
    ctx.client.reply.ok();
    let db = ctx.client.db;
    ctx.server.keyspace.notify(class::STREAM, "xsetid", db, key);
    // Counted and propagated, but Redis 7.0 does not tell the key's watchers or trackers.
    ctx.server.keyspace.count_writes(1);
}

/// What XREAD / XREADGROUP asked for.
struct ReadArgs<'a> {
    block: Option<u64>,
    count: usize,
    group: Option<(&'a [u8], &'a [u8])>,
    noack: bool,
    keys: Vec<&'a [u8]>,
    ids: Vec<&'a [u8]>,
}

fn parse_read_args<'a>(ctx: &mut Ctx, argv: &[&'a [u8]], group_form: bool) -> Option<ReadArgs<'a>> {
    let name = String::from_utf8_lossy(argv[0]).into_owned();
    let mut args = ReadArgs {
        block: None,
        count: 0,
        group: None,
        noack: false,
        keys: Vec::new(),
        ids: Vec::new(),
    };
    let mut streams_at = None;
    let mut i = 1;
    while i < argv.len() {
        let more = argv.len() - 1 - i;
        let opt = argv[i];
        if is(opt, "block") && more > 0 {
            if ctx.client.is_script {
                ctx.client.reply.error(&format!(
                    "ERR {name} command is not allowed with BLOCK option from scripts"
                ));
                return None;
            }
            i += 1;
            args.block = Some(super::millis_arg(ctx, argv[i])?);
        } else if is(opt, "count") && more > 0 {
            i += 1;
            args.count = int_arg(ctx, argv[i])?.max(0) as usize;
        } else if is(opt, "streams") && more > 0 {
            let rest = argv.len() - (i + 1);
            if rest % 2 != 0 {
                ctx.client.reply.error("ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be specified.");
                return None;
            }
            streams_at = Some(i + 1);
            break;
        } else if is(opt, "group") && more >= 2 {
            if !group_form {
                ctx.client.reply.error(
                    "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.",
                );
                return None;
            }
            args.group = Some((argv[i + 1], argv[i + 2]));
            i += 2;
        } else if is(opt, "noack") {
            if !group_form {
                ctx.client.reply.error(
                    "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.",
                );
                return None;
            }
            args.noack = true;
        } else {
            ctx.client.reply.error(SYNTAX);
            return None;
        }
        i += 1;
    }
    let Some(at) = streams_at else {
        ctx.client.reply.error(SYNTAX);
        return None;
    };
    if group_form && args.group.is_none() {
        ctx.client
            .reply
            .error("ERR Missing GROUP option for XREADGROUP");
        return None;
    }
    let n = (argv.len() - at) / 2;
    args.keys = argv[at..at + n].to_vec();
    args.ids = argv[at + n..].to_vec();
    Some(args)
}

/// Where one stream of an XREAD starts: after this ID; `MAX` for XREADGROUP's `>`.
fn resolve_read_ids(ctx: &mut Ctx, args: &ReadArgs<'_>) -> Option<Vec<StreamId>> {
    let mut ids = Vec::with_capacity(args.keys.len());
    for (key, arg) in args.keys.iter().zip(&args.ids) {
        let Ok(stream) = read_stream(ctx, key) else {
            return None;
        };
        let last = stream.map(|s| s.last_id);
        let has_group = match (stream, args.group) {
            (Some(s), Some((group, _))) => s.groups.contains_key(group),
            _ => false,
        };
        if let Some((group, _)) = args.group {
            if !has_group {
                ctx.client.reply.error(&format!(
                    "NOGROUP No such key '{}' or consumer group '{}' in XREADGROUP with GROUP option",
                    String::from_utf8_lossy(key),
                    String::from_utf8_lossy(group)
                ));
                return None;
            }
        }
        if *arg == b"$" {
            if args.group.is_some() {
                ctx.client.reply.error("ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the history of this consumer by specifying a proper ID, or use the > ID to get new messages. The $ ID would just return an empty result set.");
                return None;
            }
            ids.push(last.unwrap_or(StreamId::MIN));
        } else if *arg == b">" {
            if args.group.is_none() {
                ctx.client.reply.error("ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> <consumer> option.");
                return None;
            }
            ids.push(StreamId::MAX);
        } else {
            ids.push(id_arg(ctx, arg, 0, true)?);
        }
    }
    Some(ids)
}

fn xread(ctx: &mut Ctx, argv: &[&[u8]]) {
    let group_form = argv[0].len() == 10;
    let Some(args) = parse_read_args(ctx, argv, group_form) else {
        return;
    };
    let Some(ids) = resolve_read_ids(ctx, &args) else {
        return;
    };
    let resp3 = ctx.client.reply.resp3();
    let mut served = 0usize;
    let mut body = ReplyWriter::new(ctx.client.reply.resp);
    for (i, key) in args.keys.iter().enumerate() {
        let wrote = match args.group {
            None => read_plain(ctx, key, ids[i], args.count, &mut body),
            Some((group, consumer)) => super::stream_groups::read_group(
                ctx, key, group, consumer, ids[i], args.count, args.noack, &mut body,
            ),
        };
        served += usize::from(wrote);
    }
    if served > 0 {
        let out = &mut ctx.client.reply;
        if resp3 {
            out.map(served);
        } else {
            out.array(served);
        }
        out.buf.extend_from_slice(&body.buf);
        return;
    }
    match args.block {
        Some(ms) if ctx.client.may_block() => {
            let deadline = (ms > 0).then(|| super::deadline_after_ms(ms));
            // Waiting resumes from the IDs resolved now (`$` means "after what is there now").
            let mut again: Vec<Vec<u8>> = argv.iter().map(|a| a.to_vec()).collect();
            let ids_at = argv.len() - args.ids.len();
            for (i, id) in ids.iter().enumerate() {
                if args.ids[i] == b"$" {
                    again[ids_at + i] = id.to_bytes();
                }
            }
            ctx.client.block_request = Some(crate::client::BlockRequest {
                keys: args.keys.iter().map(|k| k.to_vec()).collect(),
                deadline,
                argv: Some(again),
                replicas: None,
            });
        }
        _ => ctx.client.reply.null_array(),
    }
}

/// XREAD on one stream: entries after `after`, written as `[key, entries]` into `out`;
/// whether there were any.
fn read_plain(
    ctx: &mut Ctx,
    key: &[u8],
    after: StreamId,
    count: usize,
    out: &mut ReplyWriter,
) -> bool {
    let Ok(Some(stream)) = read_stream(ctx, key) else {
        return false;
    };
    if stream.length == 0 || stream.last_valid_id() <= after {
        return false;
    }
    let Some(start) = after.next() else {
        return false;
    };
    let entries = stream.range(start, StreamId::MAX, false, count);
    if !out.resp3() {
        out.array(2);
    }
    out.bulk(key);
    write_entries(out, &entries);
    true
}

const XINFO_HELP: &[&str] = &[
    "CONSUMERS <key> <groupname>",
    "    Show consumers of <groupname>.",
    "GROUPS <key>",
    "    Show the stream consumer groups.",
    "STREAM <key> [FULL [COUNT <count>]",
    "    Show information about the stream.",
];

fn xinfo_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, XINFO_HELP);
}

/// The stream XINFO describes, or `None` after its error.
fn xinfo_target<'a>(ctx: &'a mut Ctx, key: &[u8]) -> Option<&'a Stream> {
    match read_stream(ctx, key) {
        Err(()) => return None,
        Ok(None) => {}
        // Looked up (and counted) once; the reference comes from a plain look.
        Ok(Some(_)) => {
            let db = ctx.client.db;
            return match ctx.server.keyspace.peek(db, key) {
                Some(Value::Stream(s)) => Some(s),
                _ => None,
            };
        }
    }
    ctx.client.reply.error("ERR no such key");
    None
}

fn xinfo_stream(ctx: &mut Ctx, argv: &[&[u8]]) {
    // The key is looked up before the options are read, as Redis does.
    if xinfo_target(ctx, argv[2]).is_none() {
        return;
    }
    let options = &argv[3..];
    let full = !options.is_empty();
    let mut count: i64 = 10;
    if full {
        let shape_ok = (options.len() == 1 || options.len() == 3)
            && is(options[0], "full")
            && (options.len() == 1 || is(options[1], "count"));
        if !shape_ok {
            super::subcommand_syntax_error(ctx, argv);
            return;
        }
        if options.len() == 3 {
            let Some(n) = int_arg(ctx, options[2]) else {
                return;
            };
            count = if n < 0 { 10 } else { n };
        }
    }
    let mut out = ReplyWriter::new(ctx.client.reply.resp);
    {
        let db = ctx.client.db;
        let Some(Value::Stream(stream)) = ctx.server.keyspace.peek(db, argv[2]) else {
            return;
        };
        write_stream_info(stream, full, count as usize, &mut out);
    }
    ctx.client.reply.buf.extend_from_slice(&out.buf);
}

fn write_stream_info(s: &Stream, full: bool, count: usize, out: &mut ReplyWriter) {
    out.map(if full { 9 } else { 10 });
    out.bulk(b"length");
    out.int(s.length as i64);
    out.bulk(b"radix-tree-keys");
    out.int(s.node_count() as i64);
    out.bulk(b"radix-tree-nodes");
    out.int(s.radix_tree_nodes() as i64);
    out.bulk(b"last-generated-id");
    write_id(out, s.last_id);
    out.bulk(b"max-deleted-entry-id");
    write_id(out, s.max_deleted_id);
    out.bulk(b"entries-added");
    out.int(s.entries_added as i64);
    out.bulk(b"recorded-first-entry-id");
    write_id(out, s.first_id);
    if !full {
        out.bulk(b"groups");
        out.int(s.groups.len() as i64);
        for (name, rev) in [(&b"first-entry"[..], false), (b"last-entry", true)] {
            out.bulk(name);
            match s.range(StreamId::MIN, StreamId::MAX, rev, 1).first() {
                Some(entry) => write_entry(out, entry),
                None => out.null(),
            }
        }
        return;
    }
    out.bulk(b"entries");
    write_entries(out, &s.range(StreamId::MIN, StreamId::MAX, false, count));
    out.bulk(b"groups");
    out.array(s.groups.len());
    for (name, group) in &s.groups {
        write_full_group(s, name, group, count, out);
    }
}

fn write_entries_read(out: &mut ReplyWriter, group: &Group) {
    if group.entries_read == crate::db::stream::INVALID_ENTRIES_READ {
        out.null();
    } else {
        out.int(group.entries_read);
    }
}

fn write_lag(out: &mut ReplyWriter, s: &Stream, group: &Group) {
    match s.lag(group) {
        Some(lag) => out.int(lag),
        None => out.null(),
    }
}

fn write_full_group(s: &Stream, name: &[u8], group: &Group, count: usize, out: &mut ReplyWriter) {
    let limit = if count == 0 { usize::MAX } else { count };
    out.map(7);
    out.bulk(b"name");
    out.bulk(name);
    out.bulk(b"last-delivered-id");
    write_id(out, group.last_id);
    out.bulk(b"entries-read");
    write_entries_read(out, group);
    out.bulk(b"lag");
    write_lag(out, s, group);
    out.bulk(b"pel-count");
    out.int(group.pel.len() as i64);
    out.bulk(b"pending");
    let shown: Vec<_> = group.pel.iter().take(limit).collect();
    out.array(shown.len());
    for (id, nack) in shown {
        out.array(4);
        write_id(out, *id);
        out.bulk(nack.consumer.as_deref().unwrap_or_default());
        out.int(nack.delivery_time);
        out.int(nack.delivery_count as i64);
    }
    out.bulk(b"consumers");
    out.array(group.consumers.len());
    for (cname, consumer) in &group.consumers {
        out.map(4);
        out.bulk(b"name");
        out.bulk(cname);
        out.bulk(b"seen-time");
        out.int(consumer.seen_time);
        out.bulk(b"pel-count");
        out.int(consumer.pel.len() as i64);
        out.bulk(b"pending");
        let shown: Vec<_> = consumer.pel.iter().take(limit).collect();
        out.array(shown.len());
        for id in shown {
            let nack = group.pel.get(id);
            out.array(3);
            write_id(out, *id);
            out.int(nack.map_or(0, |n| n.delivery_time));
            out.int(nack.map_or(0, |n| n.delivery_count as i64));
        }
    }
}

fn xinfo_groups(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut out = ReplyWriter::new(ctx.client.reply.resp);
    {
        let Some(s) = xinfo_target(ctx, argv[2]) else {
            return;
        };
        out.array(s.groups.len());
        for (name, group) in &s.groups {
            out.map(6);
            out.bulk(b"name");
            out.bulk(name);
            out.bulk(b"consumers");
            out.int(group.consumers.len() as i64);
            out.bulk(b"pending");
            out.int(group.pel.len() as i64);
            out.bulk(b"last-delivered-id");
            write_id(&mut out, group.last_id);
            out.bulk(b"entries-read");
            write_entries_read(&mut out, group);
            out.bulk(b"lag");
            write_lag(&mut out, s, group);
        }
    }
    ctx.client.reply.buf.extend_from_slice(&out.buf);
}

fn xinfo_consumers(ctx: &mut Ctx, argv: &[&[u8]]) {
    let now = crate::db::now_ms();
    let mut out = ReplyWriter::new(ctx.client.reply.resp);
    let missing = {
        let Some(s) = xinfo_target(ctx, argv[2]) else {
            return;
        };
        match s.groups.get(argv[3]) {
            None => true,
            Some(group) => {
                out.array(group.consumers.len());
                for (name, consumer) in &group.consumers {
                    out.map(3);
                    out.bulk(b"name");
                    out.bulk(name);
                    out.bulk(b"pending");
                    out.int(consumer.pel.len() as i64);
                    out.bulk(b"idle");
                    out.int((now - consumer.seen_time).max(0));
                }
                false
            }
        }
    };
    if missing {
        ctx.client.reply.error(&format!(
            "NOGROUP No such consumer group '{}' for key name '{}'",
            String::from_utf8_lossy(argv[3]),
            String::from_utf8_lossy(argv[2])
        ));
        return;
    }
    ctx.client.reply.buf.extend_from_slice(&out.buf);
}

//! DEBUG: the subcommands Redis's test suite and tools call, as `debug.c` answers them.

use super::{Ctx, Handler};

pub const HANDLERS: &[(&str, Handler)] = &[("debug", debug)];

fn debug(ctx: &mut Ctx, argv: &[&[u8]]) {
    let sub = String::from_utf8_lossy(argv[1]).to_ascii_lowercase();
    match (sub.as_str(), argv.len()) {
        // Redis's full list, subcommands this server does not implement included.
        ("help", 2) => super::help(ctx, argv, super::help::DEBUG),
        ("sleep", 3) => {
            let seconds = crate::util::parse_f64(argv[2]).unwrap_or(0.0).max(0.0);
            std::thread::sleep(std::time::Duration::from_secs_f64(seconds.min(3600.0)));
            ctx.client.reply.ok();
        }
        ("log", 3) => {
            let message = format!("DEBUG LOG: {}", String::from_utf8_lossy(argv[2]));
            ctx.server.log_warning(&message);
            ctx.client.reply.ok();
        }
        ("config-rewrite-force-all", 2) => {
            match super::admin::rewrite_config_file(ctx.server, true) {
                Ok(()) => ctx.client.reply.ok(),
                Err(_) => ctx
                    .client
                    .reply
                    .error("ERR CONFIG-REWRITE-FORCE-ALL failed"),
            }
        }
        ("pause-cron", 3) => {
            ctx.server.cron_paused = atoi(argv[2]) != 0;
            ctx.client.reply.ok();
        }
        ("set-active-expire", 3) => {
            ctx.server.active_expire_enabled = atoi(argv[2]) != 0;
            ctx.client.reply.ok();
        }
        ("segfault", 2) => crate::crash_report::segfault(),
        ("panic", 2) => crate::crash_report::panic_now(),
        ("set-skip-checksum-validation", 3) => {
            ctx.server.skip_checksum_validation = atoi(argv[2]) != 0;
            ctx.client.reply.ok();
        }
        ("set-disable-deny-scripts", 3) => {
            ctx.server.deny_scripts_disabled = atoi(argv[2]) != 0;
            ctx.client.reply.ok();
        }
        ("quicklist-packed-threshold", 3) => ctx.client.reply.ok(),
        ("jmap", _) | ("change-repl-id", 2) => ctx.client.reply.ok(),
        ("protocol", 3) => protocol(ctx, argv[2]),
        ("reload", _) => reload(ctx, argv),
        ("loadaof", 2) => load_aof(ctx),
        ("object", 3) => object(ctx, argv[2]),
        ("digest", 2) => {
            let digest = crate::db::digest::dataset_digest(&ctx.server.keyspace);
            ctx.client
                .reply
                .status(crate::db::digest::hex(&digest).as_bytes());
        }
        ("digest-value", _) => {
            let db = ctx.client.db;
            let digests: Vec<String> = argv[2..]
                .iter()
                .map(|key| {
                    let d = crate::db::digest::value_digest(&ctx.server.keyspace, db, key);
                    crate::db::digest::hex(&d)
                })
                .collect();
            ctx.client.reply.array(digests.len());
            for d in &digests {
                ctx.client.reply.status(d.as_bytes());
            }
        }
        ("htstats", 3) => htstats(ctx, argv[2]),
        ("aof-flush-sleep", 3) => {
            // As Redis's atoi: a leading number, 0 otherwise.
            let text = String::from_utf8_lossy(argv[2]);
            let digits: String = text
                .trim_start()
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            ctx.server.aof.flush_sleep_us = digits.parse().unwrap_or(0);
            ctx.client.reply.ok();
        }
        ("replicate", 3..) => {
            crate::replication::feed_command(ctx.server, &argv[2..]);
            ctx.client.reply.ok();
        }
        ("client-eviction", 2) => {
            match crate::client_eviction::bucket_report(ctx.server, ctx.client) {
                Some(text) => ctx.client.reply.verbatim(text.as_bytes()),
                None => ctx.client.reply.error("ERR maxmemory-clients is disabled."),
            }
        }
        ("populate", 3..=5) => populate(ctx, argv),
        ("htstats-key", 3) => htstats_key(ctx, argv[2]),
        ("replybuffer", 4) => reply_buffer(ctx, argv),
        _ => {
            let name = String::from_utf8_lossy(argv[1]);
            ctx.client.reply.error(&format!(
                "ERR unknown subcommand or wrong number of arguments for '{name}'. Try DEBUG HELP."
            ));
        }
    }
}

/// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save, empty, and load the snapshot back.
fn reload(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (mut flush, mut save, mut merge) = (true, true, false);
    for arg in &argv[2..] {
        if super::is(arg, "merge") {
            merge = true;
        } else if super::is(arg, "noflush") {
            flush = false;
        } else if super::is(arg, "nosave") {
            save = false;
        } else {
            ctx.client
                .reply
                .error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
            return;
        }
    }
    if save && crate::persist::save(ctx.server).is_err() {
        ctx.client.reply.error("ERR");
        return;
    }
    let Some(runtime) = ctx.runtime.take() else {
        ctx.client
            .reply
            .error("ERR This Redis command is not allowed from script");
        return;
    };
    let mode = crate::persist::LoadMode { flush, merge };
    // What loads is no change to log or send to replicas (Redis zeroes `dirty`).
    ctx.client.propagate_instead(Vec::new());
    let loaded = crate::persist::load(ctx.server, runtime, mode, false);
    ctx.server.scripting = crate::server::ScriptingFigures::of(runtime);
    ctx.runtime = Some(runtime);
    match loaded {
        Ok(_) => {
            ctx.server.log_warning("DB reloaded by DEBUG RELOAD");
            ctx.client.reply.ok();
        }
        Err(e) => {
            ctx.server
                .log_warning(&format!("Error loading the RDB: {e}"));
            ctx.client
                .reply
                .error("ERR Error trying to load the RDB dump");
        }
    }
}

/// DEBUG LOADAOF: empty the dataset and load it back from the append-only files. (Redis
/// exits when they cannot be loaded; an error reply keeps the server up.)
fn load_aof(ctx: &mut Ctx) {
    let Some(runtime) = ctx.runtime.take() else {
        ctx.client
            .reply
            .error("ERR This Redis command is not allowed from script");
        return;
    };
    // What loads is no change to log or send to replicas (Redis zeroes `dirty`).
    ctx.client.propagate_instead(Vec::new());
    let loaded = crate::aof::reload(ctx.server, runtime);
    ctx.server.scripting = crate::server::ScriptingFigures::of(runtime);
    ctx.runtime = Some(runtime);
    match loaded {
        Ok(()) => {
            ctx.server
                .log_warning("Append Only File loaded by DEBUG LOADAOF");
            ctx.client.reply.ok();
        }
        Err(e) => {
            ctx.server
                .log_warning(&format!("Error loading the append only file: {e}"));
            ctx.client
                .reply
                .error("ERR Error loading the append only file");
        }
    }
}

/// C's `atoi`: leading spaces, a sign, then digits up to the first other byte; 0 for none.
fn atoi(arg: &[u8]) -> i64 {
    let text = String::from_utf8_lossy(arg);
    let text = text.trim_start();
    let (negative, digits) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let value = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |n, d| {
            n.wrapping_mul(10).wrapping_add(i64::from(d - b'0'))
        });
    if negative {
        value.wrapping_neg()
    } else {
        value
    }
}

/// DEBUG PROTOCOL <type>: one reply of each RESP type, for clients' (and scripts') parsers.
// `3.141` is the value Redis's DEBUG PROTOCOL DOUBLE sends, not an approximation of pi.
#[allow(clippy::approx_constant)]
fn protocol(ctx: &mut Ctx, name: &[u8]) {
    let out = &mut ctx.client.reply;
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    match name.as_str() {
        "string" => out.bulk(b"Hello World"),
        "integer" => out.int(12345),
        "double" => out.double(3.141),
        "bignum" => out.big_number(b"1234567999999999999999999999999999999"),
        "null" => out.null(),
        "array" | "set" => {
            if name == "set" {
                out.set(3);
            } else {
                out.array(3);
            }
            for j in 0..3 {
                out.int(j);
            }
        }
        "map" => {
            out.map(3);
            for j in 0..3 {
                out.int(j);
                out.boolean(j == 1);
            }
        }
        "attrib" => {
            if out.resp3() {
                out.attribute(1);
                out.bulk(b"key-popularity");
                out.array(2);
                out.bulk(b"key:123");
                out.int(90);
            }
            out.bulk(b"Some real reply following the attribute");
        }
        "push" => {
            if !out.resp3() {
                out.error("ERR RESP2 is not supported by this command");
                return;
            }
            out.push(2);
            out.bulk(b"server-cpu-usage");
            out.int(42);
            out.bulk(b"Some real reply following the push reply");
        }
        "true" => out.boolean(true),
        "false" => out.boolean(false),
        "verbatim" => out.verbatim(b"This is a verbatim\nstring"),
        _ => out.error("ERR Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false"),
    }
}

/// DEBUG OBJECT <key>: the value's encoding and size as Redis's summary line gives them. It
/// looks at the stored value without expiring it, as Redis does.
fn object(ctx: &mut Ctx, key: &[u8]) {
    let db = ctx.client.db;
    let Some(value) = ctx.server.keyspace.peek(db, key) else {
        ctx.client.reply.error("ERR no such key");
        return;
    };
    let encoding = value.encoding();
    let length = value.memory();
    // Redis's `lru` field: the access time on its 24-bit clock of seconds.
    let access = ctx.server.keyspace.dbs[db].keys.access(key).unwrap_or(0) & 0xff_ffff;
    let idle = ctx.server.keyspace.idle_seconds(db, key).unwrap_or(0);
    let text = format!(
        "Value at:0x0 refcount:1 encoding:{encoding} serializedlength:{length} lru:{access} lru_seconds_idle:{idle}"
    );
    ctx.client.reply.status(text.as_bytes());
}

/// DEBUG POPULATE count [prefix] [size]: keys `prefix:N` (`key:N`) holding `value:N`, cut or
/// padded with zero bytes to `size`; keys that exist are left alone. Not counted as changes.
fn populate(ctx: &mut Ctx, argv: &[&[u8]]) {
    const POSITIVE: &str = "value is out of range, must be positive";
    let Some(count) = super::positive_arg(ctx, argv[2], POSITIVE) else {
        return;
    };
    let db = ctx.client.db;
    // Sized at once as Redis's dictExpand does (bounded: `reserve` caps the table).
    ctx.server.keyspace.dbs[db].keys.reserve(count as usize);
    let size = match argv.get(4) {
        Some(arg) => match super::positive_arg(ctx, arg, POSITIVE) {
            // Redis would allocate any size (and die when it cannot); past the longest
            // string allowed, refuse.
            Some(size) if size > ctx.server.config.settings.proto_max_bulk_len => {
                ctx.client
                    .reply
                    .error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
                return;
            }
            Some(size) => Some(size as usize),
            None => return,
        },
        None => None,
    };
    let prefix = argv.get(3).copied().unwrap_or(b"key");
    // Redis formats the key into a 128-byte buffer: longer names are cut to 127 bytes.
    const KEY_BUFFER: usize = 127;
    for j in 0..count {
        let mut key = prefix.to_vec();
        key.push(b':');
        key.extend_from_slice(j.to_string().as_bytes());
        key.truncate(KEY_BUFFER);
        if ctx.server.keyspace.exists(db, &key) {
            continue;
        }
        let mut value = format!("value:{j}").into_bytes();
        if let Some(size) = size {
            value.resize(size, 0);
        }
        ctx.server
            .keyspace
            .add_uncounted(db, &key, crate::db::Value::string(&value));
        ctx.server.keyspace.signal_modified(db, &key);
    }
    ctx.client.reply.ok();
}

/// DEBUG HTSTATS dbid: the statistics of a database's key table and expiry table.
fn htstats(ctx: &mut Ctx, dbid: &[u8]) {
    let Some(dbid) = super::int_arg(ctx, dbid) else {
        return;
    };
    let Some(db) = usize::try_from(dbid)
        .ok()
        .and_then(|i| ctx.server.keyspace.dbs.get(i))
    else {
        ctx.client.reply.error("ERR Out of range database");
        return;
    };
    let text = format!(
        "[Dictionary HT]\n{}[Expires HT]\n{}",
        db.keys.stats_text(),
        db.expires.stats_text()
    );
    ctx.client.reply.verbatim(text.as_bytes());
}

/// DEBUG HTSTATS-KEY key: the hash table statistics of a value kept in one (`dictGetStats`).
fn htstats_key(ctx: &mut Ctx, key: &[u8]) {
    let db = ctx.client.db;
    let text = match ctx.server.keyspace.dbs[db].keys.get(key) {
        None => {
            ctx.client.reply.error("ERR no such key");
            return;
        }
        Some(crate::db::Value::Set(set)) => set.table_stats(),
        Some(crate::db::Value::Hash(hash)) => hash.table().map(|t| t.stats_text()),
        Some(crate::db::Value::ZSet(zset)) => zset.table().map(|t| t.stats_text()),
        Some(_) => None,
    };
    match text {
        Some(text) => ctx.client.reply.verbatim(text.as_bytes()),
        None => ctx.client.reply.error(
            "ERR The value stored at the specified key is not represented using an hash table",
        ),
    }
}

/// `DEBUG REPLYBUFFER PEAK-RESET-TIME <ms|NEVER|RESET>` and `DEBUG REPLYBUFFER RESIZING <0|1>`.
fn reply_buffer(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (setting, value) = (argv[2], argv[3]);
    let mut policy = ctx.server.reply_buffer_policy;
    if setting.eq_ignore_ascii_case(b"peak-reset-time") {
        policy.peak_reset_ms = if value.eq_ignore_ascii_case(b"never") {
            -1
        } else if value.eq_ignore_ascii_case(b"reset") {
            crate::reply_buffer::DEFAULT_PEAK_RESET_MS
        } else {
            let Some(ms) = super::int_arg(ctx, value) else {
                return;
            };
            ms
        };
    } else if setting.eq_ignore_ascii_case(b"resizing") {
        policy.resizing = atoi(value) != 0;
    } else {
        super::subcommand_syntax_error(ctx, argv);
        return;
    }
    ctx.server.reply_buffer_policy = policy;
    ctx.client.reply.ok();
}

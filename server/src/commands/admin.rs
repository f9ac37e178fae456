//! Server commands: databases (DBSIZE, FLUSHDB, FLUSHALL, SWAPDB), CONFIG, INFO, TIME,
//! MEMORY, MONITOR, SLOWLOG, LATENCY and SHUTDOWN.

use super::{is, Ctx, Handler, SYNTAX};
use crate::server::Shutdown;
use std::fmt::Write;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("dbsize", dbsize),
    ("flushdb", flushdb),
    ("flushall", flushall),
    ("swapdb", swapdb),
    ("config|get", config_get),
    ("config|set", config_set),
    ("config|resetstat", config_resetstat),
    ("config|rewrite", config_rewrite),
    ("info", info),
    ("time", time),
    ("shutdown", shutdown),
    ("memory|usage", memory_usage),
    ("memory|doctor", memory_doctor),
    ("monitor", monitor),
    ("slowlog|get", slowlog_get),
    ("slowlog|len", slowlog_len),
    ("slowlog|reset", slowlog_reset),
    ("slowlog|help", slowlog_help),
];

fn dbsize(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let db = ctx.client.db;
    let size = ctx.server.keyspace.dbs[db].len();
    ctx.client.reply.int(size as i64);
}

/// FLUSHDB/FLUSHALL's optional ASYNC|SYNC: whether to free in the background (without
/// either, as `lazyfree-lazy-user-flush` says); `None` after a syntax error.
fn flush_async(ctx: &mut Ctx, argv: &[&[u8]]) -> Option<bool> {
    match argv.len() {
        1 => Some(ctx.server.config.settings.lazyfree_lazy_user_flush),
        2 if is(argv[1], "async") => Some(true),
        2 if is(argv[1], "sync") => Some(false),
        _ => {
            ctx.client.reply.error(SYNTAX);
            None
        }
    }
}

fn flushdb(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Some(lazy) = flush_async(ctx, argv) {
        let db = ctx.client.db;
        let old = ctx.server.keyspace.flush_db(db);
        if lazy {
            ctx.server.lazyfree.free_db(old);
        }
        // Propagated even when the database was empty, as Redis forces it.
        ctx.server.keyspace.changes += 1;
        ctx.client.reply.ok();
    }
}

fn flushall(ctx: &mut Ctx, argv: &[&[u8]]) {
    if let Some(lazy) = flush_async(ctx, argv) {
        let old = ctx.server.keyspace.flush_all();
        if lazy {
            for db in old {
                ctx.server.lazyfree.free_db(db);
            }
        }
        // As Redis: a running snapshot is now pointless, and with save rules the (empty)
        // dataset is saved at once. Function libraries stay.
        if crate::persist::kill_background_save(ctx.server) {
            // Replicas waiting for that snapshot are dropped (they synchronize again).
            crate::full_sync::save_done(ctx.server, false);
        }
        if !ctx.server.config.settings.save_rules.is_empty() {
            let _ = crate::persist::save(ctx.server);
        }
        ctx.server.keyspace.changes += 1;
        ctx.client.reply.ok();
    }
}

fn swapdb(ctx: &mut Ctx, argv: &[&[u8]]) {
    let count = ctx.server.keyspace.dbs.len() as i64;
    let parse = |arg: &[u8]| crate::util::parse_i64(arg).filter(|n| i32::try_from(*n).is_ok());
    let Some(a) = parse(argv[1]) else {
        ctx.client.reply.error("ERR invalid first DB index");
        return;
    };
    let Some(b) = parse(argv[2]) else {
        ctx.client.reply.error("ERR invalid second DB index");
        return;
    };
    if a < 0 || a >= count || b < 0 || b >= count {
        ctx.client.reply.error("ERR DB index is out of range");
        return;
    }
    let (a, b) = (a as usize, b as usize);
    let keyspace = &mut ctx.server.keyspace;
    keyspace.touch_watched_in_db(a, Some(b));
    keyspace.touch_watched_in_db(b, Some(a));
    let streams = [
        (a, keyspace.blocked_streams(a)),
        (b, keyspace.blocked_streams(b)),
    ];
    keyspace.dbs.swap(a, b);
    // Clients blocked in XREADGROUP on a stream swapped away are answered
    // (`scanDatabaseForDeletedStreams`).
    for (db, keys) in streams {
        for key in keys {
            if !keyspace.holds_stream(db, &key) {
                keyspace.mark_ready(db, key);
            }
        }
    }
    // Clients blocked on keys that now hold data are served (`scanDatabaseForReadyKeys`).
    keyspace.signal_ready_in_db(a);
    keyspace.signal_ready_in_db(b);
    keyspace.count_writes(1);
    ctx.client.reply.ok();
}

fn config_get(ctx: &mut Ctx, argv: &[&[u8]]) {
    let pairs = ctx.server.config.get_matching(&argv[2..]);
    let out = &mut ctx.client.reply;
    out.map(pairs.len());
    for (name, value) in pairs {
        out.bulk(name.as_bytes());
        out.bulk(value.as_bytes());
    }
}

/// Options whose values `CONFIG SET` redacts from the slow log and MONITOR (Redis's
/// `SENSITIVE_CONFIG`).
const SENSITIVE_OPTIONS: &[&str] = &["requirepass", "masterauth", "masteruser"];

fn config_set(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() % 2 == 1 {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    // The values of secret options are never shown, even when the command fails.
    for (i, pair) in argv[2..].chunks(2).enumerate() {
        if SENSITIVE_OPTIONS
            .iter()
            .any(|name| name.as_bytes().eq_ignore_ascii_case(pair[0]))
        {
            ctx.redact(2 + i * 2 + 1);
        }
    }
    let pairs: Vec<(&[u8], &[u8])> = argv[2..].chunks(2).map(|p| (p[0], p[1])).collect();
    let before = ctx.server.config.values();
    let oom_before = oom_settings(ctx.server);
    let (old_port, old_binds) = (
        ctx.server.config.settings.port,
        ctx.server.config.settings.bind.clone(),
    );
    let protected_allowed = ctx
        .server
        .config
        .settings
        .enable_protected_configs
        .allows(ctx.client.is_local());
    // Refusing an option while the dataset loads takes precedence over every other error.
    let loading = ctx.server.loading.is_some();
    if loading
        && pairs.iter().any(|(name, _)| {
            ctx.server
                .config
                .refused_while_loading(name, protected_allowed)
        })
    {
        ctx.client.reply.error(crate::commands::LOADING);
        return;
    }
    match ctx.server.config.set_many(&pairs, protected_allowed) {
        Ok(()) => {
            // Applied last, and undone with every other option when the addresses or the
            // port cannot be had.
            let (port, binds) = (
                ctx.server.config.settings.port,
                ctx.server.config.settings.bind.clone(),
            );
            if port != old_port || binds != old_binds {
                if let Some(Err(e)) = ctx.server.net.as_mut().map(|n| n.rebind(&binds, port)) {
                    ctx.server.config.restore(before);
                    ctx.server.log_warning(&e.log_line(port));
                    let text = if binds != old_binds {
                        ctx.server.log_warning("Failed to bind");
                        "ERR CONFIG SET failed (possibly related to argument 'bind') - Failed to bind to specified addresses."
                    } else {
                        "ERR CONFIG SET failed (possibly related to argument 'port') - Unable to listen on this port. Check server logs."
                    };
                    ctx.client.reply.error(text);
                    return;
                }
                ctx.server.port = port;
            }
            let oom_changed = oom_settings(ctx.server) != oom_before;
            if let Some(name) = oom_changed.then(|| oom_option_named(&pairs)) {
                if !crate::oom_score::update(ctx.server) {
                    ctx.server.log_warning(&format!("Failed applying new configuration. Possibly related to new {name} setting. Restoring previous settings."));
                    ctx.server.config.restore(before);
                    crate::oom_score::update(ctx.server);
                    ctx.client.reply.error(&format!("ERR CONFIG SET failed (possibly related to argument '{name}') - Failed to set current oom_score_adj. Check server logs."));
                    return;
                }
            }
            ctx.server.apply_config();
            let set = |option: &str| {
                pairs
                    .iter()
                    .any(|(name, _)| name.eq_ignore_ascii_case(option.as_bytes()))
            };
            // Redis's smallest backlog (`CONFIG_REPL_BACKLOG_MIN_SIZE`), applied on change.
            if set("repl-backlog-size") {
                if ctx.server.config.settings.repl_backlog_size < 16384 {
                    ctx.server
                        .config
                        .record("repl-backlog-size", "16384".into());
                    ctx.server.config.settings.repl_backlog_size = 16384;
                }
                crate::replication::apply_backlog_size(ctx.server);
            }
            if set("aof-disable-auto-gc")
                && ctx.server.aof.on
                && ctx.server.config.get("aof-disable-auto-gc") == Some("no")
            {
                if let Err(e) = crate::aof::delete_history(ctx.server) {
                    ctx.server.log_warning(&format!(
                        "Failed to delete the AOF history files: {}",
                        crate::util::strerror(&e)
                    ));
                }
            }
            if set("proc-title-template") {
                crate::proc_title::apply(ctx.server);
            }
            if set("maxmemory-clients") {
                crate::client_eviction::track_all(ctx.server);
                crate::client_eviction::track(ctx.server, ctx.client);
            }
            if pairs
                .iter()
                .any(|(name, _)| name.eq_ignore_ascii_case(b"requirepass"))
            {
                ctx.server.apply_requirepass();
            }
            let wanted = ctx.server.config.settings.aof_enabled;
            if wanted && !ctx.server.aof.on {
                if let Err(e) = crate::aof::turn_on(ctx.server, ctx.client.in_exec) {
                    ctx.server.log_warning(&format!("Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. {e}"));
                }
            } else if !wanted && ctx.server.aof.on {
                crate::aof::turn_off(ctx.server);
            }
            ctx.client.reply.ok()
        }
        Err(text) => ctx.client.reply.error(&text),
    }
}

/// The two options deciding the out-of-memory score, as set now.
fn oom_settings(server: &crate::server::Server) -> (String, String) {
    let get = |name| server.config.get(name).unwrap_or_default().to_string();
    (get("oom-score-adj"), get("oom-score-adj-values"))
}

/// Which of the out-of-memory options a CONFIG SET named first (the one Redis's error names).
fn oom_option_named(pairs: &[(&[u8], &[u8])]) -> &'static str {
    let first = pairs.iter().find_map(|(name, _)| {
        if name.eq_ignore_ascii_case(b"oom-score-adj") {
            Some("oom-score-adj")
        } else if name.eq_ignore_ascii_case(b"oom-score-adj-values") {
            Some("oom-score-adj-values")
        } else {
            None
        }
    });
    first.unwrap_or("oom-score-adj")
}

fn config_resetstat(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.server.stats.reset();
    ctx.server.lazyfree.reset_stats();
    crate::fork::reset_stats();
    ctx.server.rates = Default::default();
    ctx.server.memory_peak = ctx.server.used_memory();
    let keyspace = &mut ctx.server.keyspace;
    keyspace.stats = Default::default();
    ctx.client.reply.ok();
}

fn config_rewrite(ctx: &mut Ctx, _argv: &[&[u8]]) {
    match rewrite_config_file(ctx.server, false) {
        Ok(()) => ctx.client.reply.ok(),
        Err(e) => ctx.client.reply.error(&e),
    }
}

/// Rewrite the configuration file (`CONFIG REWRITE`; every option when `force_all`, for
/// `DEBUG CONFIG-REWRITE-FORCE-ALL`): the error reply on failure.
pub fn rewrite_config_file(server: &crate::server::Server, force_all: bool) -> Result<(), String> {
    let Some(path) = server.config.file.clone() else {
        return Err("ERR The server is running without a config file".into());
    };
    let old = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return Err(format!(
                "ERR Rewriting config file: {}",
                crate::util::strerror(&e)
            ))
        }
    };
    let acl = &server.acl;
    let users: Vec<String> = acl
        .users
        .iter()
        .map(|(name, user)| user.describe(name, &acl.universe))
        .collect();
    let cwd = std::env::current_dir()
        .map(|d| d.display().to_string())
        .unwrap_or_default();
    let text = crate::config::rewrite::rewrite(&server.config, &old, &users, force_all, &cwd);
    // Written whole to a temporary file beside it, then renamed over it.
    let temp = path.with_file_name(format!(
        "{}.tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::write(&temp, text)
        .and_then(|()| std::fs::rename(&temp, &path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&temp);
            format!("ERR Rewriting config file: {}", crate::util::strerror(&e))
        })
}

fn info(ctx: &mut Ctx, argv: &[&[u8]]) {
    let text = crate::info::render(ctx.server, ctx.client, &argv[1..]);
    ctx.client.reply.verbatim(text.as_bytes());
}

fn time(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let out = &mut ctx.client.reply;
    out.array(2);
    out.bulk_int(now.as_secs() as i64);
    out.bulk_int(i64::from(now.subsec_micros()));
}

fn shutdown(ctx: &mut Ctx, argv: &[&[u8]]) {
    let (mut nosave, mut save, mut other_flags, mut abort) = (false, false, false, false);
    let mut force = false;
    for arg in &argv[1..] {
        if is(arg, "nosave") {
            nosave = true;
        } else if is(arg, "save") {
            save = true;
        } else if is(arg, "now") || is(arg, "force") {
            // Nothing is waited for (lagging replicas, with NOW); FORCE goes on past errors.
            other_flags = true;
            force |= is(arg, "force");
        } else if is(arg, "abort") {
            abort = true;
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
    }
    if (abort && (nosave || save || other_flags)) || (nosave && save) {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    if abort {
        let waiting = crate::shutdown::abort(ctx.server);
        if crate::net::cancel_signal_shutdown(ctx.server) || waiting {
            ctx.server.log_notice("Shutdown manually aborted.");
            ctx.client.reply.ok();
        } else {
            ctx.client.reply.error("ERR No shutdown in progress.");
        }
        return;
    }
    let mode = if nosave {
        Shutdown::NoSave
    } else if save {
        Shutdown::Save
    } else {
        Shutdown::Default
    };
    if mode != Shutdown::NoSave {
        if let Some(script) = ctx.server.script.as_ref().filter(|s| s.busy) {
            ctx.client
                .reply
                .error(super::scripting::busy_text(script.is_eval));
            return;
        }
    }
    ctx.server.log_warning("User requested shutdown...");
    // Lagging replicas are waited for (NOW and FORCE do not wait); a SHUTDOWN arriving
    // while one waits waits with it. The caller blocks until the shutdown ends or fails.
    let waits = !other_flags
        && (crate::shutdown::join_wait(ctx.server, ctx.client.id)
            || crate::shutdown::begin_wait(ctx.server, mode, Some(ctx.client.id)));
    if waits {
        ctx.client.block_request = Some(crate::client::BlockRequest {
            keys: Vec::new(),
            deadline: None,
            argv: None,
            replicas: None,
        });
        return;
    }
    crate::shutdown::log_replicas(ctx.server);
    if crate::persist::prepare_for_shutdown(ctx.server, mode, force).is_err() {
        ctx.client
            .reply
            .error("ERR Errors trying to SHUTDOWN. Check logs.");
        return;
    }
    ctx.server.shutdown = Some(mode);
}

fn memory_usage(ctx: &mut Ctx, argv: &[&[u8]]) {
    let db = ctx.client.db;
    let key_len = argv[2].len();
    match ctx.server.keyspace.read(db, argv[2]) {
        // The value, the key, and the table entry pointing at them.
        Some(value) => {
            let bytes = value.memory() + key_len + 48;
            ctx.client.reply.int(bytes as i64);
        }
        None => ctx.client.reply.null(),
    }
}

/// `# Section` followed by `name:value` lines.
pub fn section<K: std::fmt::Display>(out: &mut String, title: &str, fields: &[(K, String)]) {
    let _ = write!(out, "# {title}\r\n");
    for (name, value) in fields {
        let _ = write!(out, "{name}:{value}\r\n");
    }
}

fn memory_doctor(ctx: &mut Ctx, _argv: &[&[u8]]) {
    // Redis's doctor looks at allocator fragmentation and peaks too; below 5 MB it declines.
    let text: &[u8] = if ctx.server.used_memory() < 5 * 1024 * 1024 {
        b"Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
    } else {
        b"Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
    };
    ctx.client.reply.verbatim(text);
}

fn monitor(ctx: &mut Ctx, _argv: &[&[u8]]) {
    // Redis ignores MONITOR inside MULTI and from a client already monitoring.
    if ctx.client.multi.is_some() || ctx.server.monitors.contains(&ctx.client.id) {
        return;
    }
    ctx.server.monitors.push(ctx.client.id);
    ctx.client.reply.ok();
}

fn slowlog_get(ctx: &mut Ctx, argv: &[&[u8]]) {
    let total = ctx.server.slowlog.entries.len();
    let count = match argv.get(2) {
        None => 10,
        Some(arg) => match crate::util::parse_i64(arg) {
            Some(-1) => total,
            Some(n) if n >= 0 => n as usize,
            _ => {
                ctx.client
                    .reply
                    .error("ERR count should be greater than or equal to -1");
                return;
            }
        },
    };
    let entries: Vec<_> = ctx
        .server
        .slowlog
        .entries
        .iter()
        .take(count)
        .cloned()
        .collect();
    let out = &mut ctx.client.reply;
    out.array(entries.len());
    for e in entries {
        out.array(6);
        out.int(e.id as i64);
        out.int(e.time);
        out.int(e.micros as i64);
        out.bulks(e.args.iter().map(|a| a.as_slice()));
        out.bulk(e.peer.as_bytes());
        out.bulk(&e.name);
    }
}

fn slowlog_len(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let len = ctx.server.slowlog.entries.len();
    ctx.client.reply.int(len as i64);
}

fn slowlog_reset(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.server.slowlog.reset();
    ctx.client.reply.ok();
}

fn slowlog_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::SLOWLOG);
}

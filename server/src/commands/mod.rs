//! Running commands: the checks Redis's `processCommand` makes before a command runs (known
//! name, arity, authentication, transaction rules, memory), queueing inside `MULTI`, and the
//! call itself with its statistics. Each command family lives in its own module.

mod acl;
mod admin;
mod bitmaps;
mod client_control;
mod connection;
mod debug;
mod functions;
mod geo;
mod hashes;
mod help;
mod hyperloglog;
pub mod introspect;
mod keys;
mod keyspec;
mod latency;
mod lists;
pub mod migrate;
mod multi;
mod name_map;
mod persistence;
mod pubsub;
mod replication;
mod scan;
pub mod scripting;
mod server_misc;
mod sets;
mod sort;
mod standalone;
mod stream_groups;
mod streams;
mod strings;
pub mod table;
mod tracking;
mod zset_ops;
mod zsets;

use crate::client::Client;
use crate::server::Server;
use redis_runtime::Runtime;
pub use table::Flags;
use table::{Command, Missing};

pub use admin::section as admin_section;
pub(crate) use connection::describe as connection_line;

/// A command's implementation: reads `argv` (the name included) and writes its reply into
/// `ctx.client.reply`.
pub type Handler = fn(&mut Ctx, &[&[u8]]);

/// What a running command can reach.
pub struct Ctx<'a> {
    pub server: &'a mut Server,
    pub client: &'a mut Client,
    /// The scripting runtime; `None` while a script runs (scripts cannot start scripts).
    pub runtime: Option<&'a mut Runtime>,
}

impl Ctx<'_> {
    /// Show argument `index` of the running command as `(redacted)` in the slow log and to
    /// MONITOR (a password, say).
    pub fn redact(&mut self, index: usize) {
        self.client.redacted.push(index);
    }

    pub fn out(&mut self) -> &mut crate::resp::reply::ReplyWriter {
        &mut self.client.reply
    }

    pub fn db(&self) -> usize {
        self.client.db
    }

    /// The compact-encoding limits in force.
    pub fn limits(&self) -> crate::db::encoding::Limits {
        self.server.config.settings.encoding
    }
}

/// Every handler, by the table's name for it.
pub fn handlers() -> Vec<(&'static str, Handler)> {
    let mut all = Vec::new();
    all.extend_from_slice(strings::HANDLERS);
    all.extend_from_slice(keys::HANDLERS);
    all.extend_from_slice(connection::HANDLERS);
    all.extend_from_slice(client_control::HANDLERS);
    all.extend_from_slice(tracking::HANDLERS);
    all.extend_from_slice(admin::HANDLERS);
    all.extend_from_slice(acl::HANDLERS);
    all.extend_from_slice(debug::HANDLERS);
    all.extend_from_slice(introspect::HANDLERS);
    all.extend_from_slice(multi::HANDLERS);
    all.extend_from_slice(scripting::HANDLERS);
    all.extend_from_slice(functions::HANDLERS);
    all.extend_from_slice(lists::HANDLERS);
    all.extend_from_slice(hashes::HANDLERS);
    all.extend_from_slice(sets::HANDLERS);
    all.extend_from_slice(pubsub::HANDLERS);
    all.extend_from_slice(zsets::HANDLERS);
    all.extend_from_slice(scan::HANDLERS);
    all.extend_from_slice(zset_ops::HANDLERS);
    all.extend_from_slice(streams::HANDLERS);
    all.extend_from_slice(sort::HANDLERS);
    all.extend_from_slice(bitmaps::HANDLERS);
    all.extend_from_slice(geo::HANDLERS);
    all.extend_from_slice(hyperloglog::HANDLERS);
    all.extend_from_slice(stream_groups::HANDLERS);
    all.extend_from_slice(persistence::HANDLERS);
    all.extend_from_slice(server_misc::HANDLERS);
    all.extend_from_slice(replication::HANDLERS);
    all.extend_from_slice(standalone::HANDLERS);
    all.extend_from_slice(migrate::HANDLERS);
    all.extend_from_slice(latency::HANDLERS);
    all
}

/// The most elements a random-sampling command with a repeating (negative) count returns:
/// Redis would try to build any size; past this the request is refused as out of range
/// instead of exhausting memory.
pub const MAX_RANDOM_REPLY: i64 = 1 << 26;

pub const WRONGTYPE: &str = "WRONGTYPE Operation against a key holding the wrong kind of value";
pub const SYNTAX: &str = "ERR syntax error";
pub const NOT_INTEGER: &str = "ERR value is not an integer or out of range";
pub const NOT_FLOAT: &str = "ERR value is not a valid float";
pub const NOAUTH: &str = "NOAUTH Authentication required.";
pub const OOM: &str = "OOM command not allowed when used memory > 'maxmemory'.";
/// The answer to commands refused while the dataset loads.
pub const LOADING: &str = "LOADING Redis is loading the dataset in memory";
/// Writes refused because fewer than `min-replicas-to-write` replicas acknowledged within
/// `min-replicas-max-lag` seconds.
pub const NOREPLICAS: &str = "NOREPLICAS Not enough good replicas to write.";

/// Commands a RESP2 client may run while subscribed.
const PUBSUB_CONTEXT: &[&str] = &[
    "ping",
    "subscribe",
    "ssubscribe",
    "unsubscribe",
    "sunsubscribe",
    "psubscribe",
    "punsubscribe",
    "quit",
    "reset",
];

/// Commands a client in `MULTI` runs at once instead of queueing.
const RUN_IN_MULTI: &[&str] = &["exec", "discard", "multi", "watch", "quit", "reset"];

/// Run one request a client sent, then send the invalidations it caused. Under `CLIENT
/// PAUSE` it may be left waiting instead: `ctx.client.paused` is then set.
pub fn process_request(ctx: &mut Ctx, argv: &[&[u8]]) {
    ctx.server.keyspace.tracking.current = ctx.client.id;
    process_checked(ctx, argv, true);
    crate::tracking::after_command(ctx.server, ctx.client, argv);
}

/// Run a command that cannot wait for a pause to end (one loaded from the append-only file,
/// a blocked client's command run again), then send the invalidations it caused.
pub fn process(ctx: &mut Ctx, argv: &[&[u8]]) {
    ctx.server.keyspace.tracking.current = ctx.client.id;
    process_checked(ctx, argv, false);
    crate::tracking::after_command(ctx.server, ctx.client, argv);
}

/// Run one request from a client, with every check Redis makes first (`processCommand`).
fn process_checked(ctx: &mut Ctx, argv: &[&[u8]], pausable: bool) {
    let name = argv[0];
    if name.eq_ignore_ascii_case(b"host:") || name.eq_ignore_ascii_case(b"post") {
        ctx.server
            .log_warning("Possible SECURITY ATTACK detected. It looks like somebody is sending POST or Host: commands to Redis. This is likely due to an attacker attempting to use Cross Protocol Scripting to compromise your Redis instance. Connection aborted.");
        ctx.client.close_asap = true;
        return;
    }
    let server = &mut *ctx.server;
    let command: &Command = match server.commands.lookup(argv) {
        Ok(c) => c,
        Err(missing) => {
            // As Redis, which names the command looked up before any check (none here).
            ctx.client.last_command = std::rc::Rc::from("NULL");
            let text = missing_text(missing, argv);
            reject(ctx, &text);
            return;
        }
    };
    // The table lives as long as the server and is never changed while serving; copy what
    // the checks need so the server can be borrowed mutably below.
    let (arity_ok, flags, full_name, handler) = (
        command.arity_ok(argv.len()),
        command.flags,
        command.full_name.clone(),
        command.handler,
    );
    ctx.client.rejecting_exec = &*full_name == "exec";
    // `CLIENT LIST` names it from now on, whether it runs, is queued or is refused.
    ctx.client.last_command = full_name.clone();
    if !arity_ok {
        reject_command(
            ctx,
            &full_name,
            &format!("ERR wrong number of arguments for '{full_name}' command"),
        );
        return;
    }
    // A replica obeys its primary: the replication stream skips every check but a pause,
    // which holds the primary's writes as it holds other clients' (its stream is then read
    // but not applied).
    if ctx.client.is_master {
        if pausable && must_wait_for_pause(ctx, &full_name, argv, flags) {
            ctx.client.paused = true;
            ctx.server.paused_clients.push(ctx.client.id);
            return;
        }
        obey_primary(ctx, argv, &full_name, handler, flags);
        return;
    }
    if let Some(refusal) = protected_refusal(ctx, &full_name) {
        reject_command(ctx, &full_name, &refusal);
        return;
    }
    if ctx.server.acl.auth_required(ctx.client.authenticated) && !flags.has(Flags::NO_AUTH) {
        reject_command(ctx, &full_name, NOAUTH);
        return;
    }
    // Commands that need no authentication (AUTH, HELLO) are open to every user, as in Redis.
    let acl_result = if flags.has(Flags::NO_AUTH) {
        None
    } else {
        acl_denied(ctx, &full_name, argv)
    };
    if let Some(denied) = acl_result {
        let context = if ctx.client.multi.is_some() {
            crate::acl::log::Context::Multi
        } else {
            crate::acl::log::Context::Toplevel
        };
        let (reason, object) = denied.log_reason(&full_name);
        let user = ctx.client.user.clone().into_bytes();
        log_acl_refusal(ctx.server, ctx.client, reason, context, object, user);
        let text = match denied {
            crate::acl::Denied::Command => {
                format!("NOPERM this user has no permissions to run the '{full_name}' command")
            }
            crate::acl::Denied::Key(_) => {
                "NOPERM this user has no permissions to access one of the keys used as arguments"
                    .to_string()
            }
            crate::acl::Denied::Channel(_) => {
                "NOPERM this user has no permissions to access one of the channels used as arguments"
                    .to_string()
            }
        };
        reject_command(ctx, &full_name, &text);
        return;
    }
    if ctx.client.multi.is_some() && flags.has(Flags::NO_MULTI) {
        reject_command(
            ctx,
            &full_name,
            "ERR Command not allowed inside a transaction",
        );
        return;
    }
    // A replica only acknowledges; a command it sends that reads or writes data is refused
    // (and, like any reply to a replica, ends its connection).
    if ctx.client.is_replica
        && (flags.has(Flags::WRITE)
            || flags.has(Flags::READONLY)
            || flags.has(Flags::MAY_REPLICATE))
    {
        reject_command(
            ctx,
            &full_name,
            "ERR Replica can't interact with the keyspace",
        );
        return;
    }
    // The load's own commands (the append-only log's client, id 0) are not refused.
    let refused_while_loading = match &ctx.server.loading {
        None => false,
        Some(loading) if loading.asynchronous => {
            has_flag_or_queues(ctx, &full_name, flags, Flags::NO_ASYNC_LOADING)
        }
        Some(_) => {
            ctx.client.id != 0 && lacks_flag_or_queues(ctx, &full_name, flags, Flags::LOADING)
        }
    };
    if refused_while_loading {
        reject_command(ctx, &full_name, LOADING);
        return;
    }
    if let Some(script) = ctx.server.script.as_ref().filter(|s| s.busy) {
        if !flags.has(Flags::ALLOW_BUSY) {
            reject_command(ctx, &full_name, scripting::busy_text(script.is_eval));
            return;
        }
    }
    if ctx.client.resp() == 2
        && ctx.client.in_pubsub_mode()
        && !PUBSUB_CONTEXT.contains(&&*full_name)
    {
        reject_command(ctx, &full_name,
            &format!("ERR Can't execute '{full_name}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"),
        );
        return;
    }
    let in_multi = ctx.client.multi.is_some() && !RUN_IN_MULTI.contains(&&*full_name);
    // The tracking table is kept within its limit before each command; what that invalidates
    // reaches this client before its reply (or its QUEUED).
    crate::tracking::limit_keys(ctx.server);
    crate::tracking::deliver(ctx.server, Some(ctx.client));
    if ctx.server.over_maxmemory() {
        // Every command makes room first, as Redis's `performEvictions`; the invalidations of
        // the keys evicted reach this client before its reply.
        let fitted = ctx.server.evict_to_fit(&mut ctx.client.reply);
        // The evictions' DELs go out now, one by one, ahead of the command's own changes.
        crate::aof::propagate_pending(ctx.server, || false);
        crate::tracking::deliver(ctx.server, Some(ctx.client));
        let refuse = has_flag_or_queues(ctx, &full_name, flags, Flags::DENYOOM) || in_multi;
        if refuse && !fitted {
            reject_command(ctx, &full_name, OOM);
            return;
        }
    }
    // A failed snapshot refuses writes, and PING (which a monitoring tool would otherwise
    // take as health), as Redis does.
    if crate::persist::writes_denied(ctx.server)
        && (writes(ctx, &full_name, flags) || &*full_name == "ping")
    {
        reject_command(ctx, &full_name, crate::persist::MISCONF);
        return;
    }
    if crate::replication::too_few_good_replicas(ctx.server) && writes(ctx, &full_name, flags) {
        reject_command(ctx, &full_name, NOREPLICAS);
        return;
    }
    if crate::replica::read_only(ctx.server) && writes(ctx, &full_name, flags) {
        reject_command(ctx, &full_name, crate::replica::READONLY);
        return;
    }
    if crate::replica::stale(ctx.server) && needs_fresh_data(ctx, &full_name, flags) {
        reject_command(ctx, &full_name, crate::replica::MASTERDOWN);
        return;
    }
    // Replicas are never paused (their acknowledgements must flow).
    if pausable && !ctx.client.is_replica && must_wait_for_pause(ctx, &full_name, argv, flags) {
        // The request waits in the query buffer until the pause ends; the client counts as
        // blocked meanwhile, on the command it waits to run.
        ctx.client.paused = true;
        ctx.server.paused_clients.push(ctx.client.id);
        return;
    }
    if in_multi {
        queue(ctx.client, argv, flags);
        ctx.client.reply.status(b"QUEUED");
        return;
    }
    call(ctx, argv, &full_name, handler, flags);
    let transaction = || !TOUCHES_ARBITRARY_KEYS.contains(&&*full_name);
    let offset_before = ctx.server.replication.offset;
    crate::aof::propagate_pending(ctx.server, transaction);
    if ctx.server.replication.offset != offset_before {
        ctx.client.write_offset = ctx.server.replication.offset;
    }
}

/// A command from the primary this server follows: queued inside its MULTI, run otherwise.
fn obey_primary(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    full_name: &std::rc::Rc<str>,
    handler: Option<Handler>,
    flags: Flags,
) {
    if ctx.client.multi.is_some() && !RUN_IN_MULTI.contains(&&**full_name) {
        queue(ctx.client, argv, flags);
        return;
    }
    ctx.server.keyspace.obeying_primary = true;
    call(ctx, argv, full_name, handler, flags);
    ctx.server.keyspace.obeying_primary = false;
    crate::aof::propagate_pending(ctx.server, || true);
}

/// Queue a command of the client's transaction, noting its flags for EXEC.
fn queue(client: &mut Client, argv: &[&[u8]], flags: Flags) {
    if let Some(multi) = client.multi.as_mut() {
        multi.queued.push(argv.iter().map(|a| a.to_vec()).collect());
        multi.flags = multi.flags.union(flags);
        multi.lacking = multi.lacking.union(flags.missing());
    }
}

/// The flags of the commands an EXEC would run, and those one of them lacks.
fn queued_flags(ctx: &Ctx) -> (Flags, Flags) {
    ctx.client
        .multi
        .as_ref()
        .map_or((Flags::default(), Flags::default()), |m| {
            (m.flags, m.lacking)
        })
}

/// Whether the command has `flag`, or is an EXEC of a queued command that has it (Redis's
/// `is_write_command`, `is_denyoom_command`).
fn has_flag_or_queues(ctx: &Ctx, full_name: &str, flags: Flags, flag: Flags) -> bool {
    flags.has(flag) || (full_name == "exec" && queued_flags(ctx).0.has(flag))
}

/// Whether the command lacks `flag`, or is an EXEC of a queued command that lacks it
/// (Redis's `is_denyloading_command`).
fn lacks_flag_or_queues(ctx: &Ctx, full_name: &str, flags: Flags, flag: Flags) -> bool {
    !flags.has(flag) || (full_name == "exec" && queued_flags(ctx).1.has(flag))
}

/// Whether a command must wait for `CLIENT PAUSE` to end, decided where Redis's
/// `processCommand` decides it (after every check that refuses it): every command under
/// `ALL`; under `WRITE` those that write or may replicate, EXEC by its queued commands, and
/// scripts by the flags they declare (`scriptFlagsToCmdFlags`).
fn must_wait_for_pause(ctx: &Ctx, full_name: &str, argv: &[&[u8]], flags: Flags) -> bool {
    let paused = ctx
        .server
        .pause
        .filter(|p| std::time::Instant::now() < p.until);
    if paused.is_none() && !crate::failover::pauses_writes(ctx.server) {
        return false;
    }
    if paused.is_some_and(|p| p.all) {
        return true;
    }
    let replicates = Flags::WRITE.union(Flags::MAY_REPLICATE);
    if full_name == "exec" {
        return queued_flags(ctx).0.has(replicates);
    }
    match declared_script_flags(ctx, full_name, argv) {
        Some(script) => !script.no_writes,
        None => flags.has(replicates),
    }
}

/// The flags a script called by EVAL, EVALSHA or FCALL (and their `_RO` forms) declares
/// (its shebang, or its function's registration); `None` for other commands and for
/// scripts without flags, which the command's own flags describe (`evalGetCommandFlags`).
fn declared_script_flags(
    ctx: &Ctx,
    full_name: &str,
    argv: &[&[u8]],
) -> Option<redis_runtime::ScriptFlags> {
    let runtime = ctx.runtime.as_deref()?;
    let target = argv.get(1)?;
    let flags = match full_name {
        "eval" | "eval_ro" => runtime.script_flags(false, target)?,
        "evalsha" | "evalsha_ro" => runtime.script_flags(true, target)?,
        "fcall" | "fcall_ro" => runtime.functions().flags(target)?,
        _ => return None,
    };
    (!flags.eval_compat_mode).then_some(flags)
}

/// Whether the command writes (for EXEC: whether a queued command does).
fn writes(ctx: &Ctx, full_name: &str, flags: Flags) -> bool {
    has_flag_or_queues(ctx, full_name, flags, Flags::WRITE)
}

/// Whether the command may not run on stale data (for EXEC: whether a queued command may
/// not), as a replica whose link is down checks (`is_denystale_command`).
fn needs_fresh_data(ctx: &Ctx, full_name: &str, flags: Flags) -> bool {
    lacks_flag_or_queues(ctx, full_name, flags, Flags::STALE)
}

/// Commands that may expire keys they did not name (Redis's `CMD_TOUCHES_ARBITRARY_KEYS`,
/// which `COMMAND` does not show): the deletions they cause are propagated one by one, as the
/// periodic task's are, not as one transaction.
const TOUCHES_ARBITRARY_KEYS: &[&str] = &["scan", "randomkey"];

/// Run a command whose checks passed, and count it (`call` in Redis).
pub fn call(
    ctx: &mut Ctx,
    argv: &[&[u8]],
    full_name: &std::rc::Rc<str>,
    handler: Option<Handler>,
    flags: Flags,
) {
    let Some(handler) = handler else {
        return;
    };
    let reply_start = ctx.client.reply.buf.len();
    let started = crate::stopwatch::start();
    let changes = ctx.server.keyspace.changes;
    ctx.client.propagate_as = None;
    ctx.client.redacted.clear();
    handler(ctx, argv);
    remember_tracked_keys(ctx, argv, full_name, flags);
    let changed = ctx.server.keyspace.changes != changes;
    let db = ctx.client.db;
    crate::aof::note_command(ctx.server, db, changed, argv, ctx.client);
    crate::pubsub::publish_events(ctx.server, Some(ctx.client));
    let elapsed = crate::stopwatch::elapsed(started);
    let failed = ctx.client.reply.buf.get(reply_start) == Some(&b'-');
    // A script's error that the failing command inside it counted already is not counted
    // twice; the script's call still failed.
    let counted = std::mem::take(&mut ctx.client.reply_error_counted);
    if failed && !counted {
        let code = error_code(&ctx.client.reply.buf[reply_start + 1..]);
        ctx.server.stats.count_error(&code);
    }
    let settings = &ctx.server.config.settings;
    let (track_latency, threshold) = (
        settings.latency_tracking,
        settings.latency_monitor_threshold,
    );
    let event = if flags.has(Flags::FAST) {
        "fast-command"
    } else {
        "command"
    };
    ctx.server.latency.sample(threshold, event, elapsed);
    // A command that blocks counts as one call when it blocks; its latency, and whether it
    // failed, when it is served (Redis's `updateStatsOnUnblock`). Running it again to serve
    // it is not another call.
    let blocks = ctx.client.block_request.is_some();
    let stats = &mut ctx.server.stats;
    match (ctx.client.unblocking, blocks) {
        (false, _) => stats.count_call(full_name, elapsed, failed, track_latency && !blocks),
        (true, false) => stats.count_unblocked(full_name, elapsed, failed, track_latency),
        (true, true) => {}
    }
    let shown;
    let argv = if ctx.client.redacted.is_empty() {
        argv
    } else {
        shown = redacted_argv(argv, &ctx.client.redacted);
        &shown[..]
    };
    if !flags.has(Flags::SKIP_SLOWLOG) && ctx.client.block_request.is_none() {
        let settings = &ctx.server.config.settings;
        let (threshold, max_len) = (settings.slowlog_log_slower_than, settings.slowlog_max_len);
        ctx.server.slowlog.record(
            threshold,
            max_len,
            ctx.client,
            argv,
            elapsed.as_micros() as u64,
        );
    }
    if !flags.has(Flags::SKIP_MONITOR) && !flags.has(Flags::ADMIN) {
        crate::slowlog::feed_monitors(ctx.server, ctx.client, argv);
    }
}

/// The command's arguments as the slow log and MONITOR show them: those its handler redacted
/// replaced by `(redacted)`.
fn redacted_argv<'a>(argv: &[&'a [u8]], redacted: &[usize]) -> Vec<&'a [u8]> {
    let mut shown = argv.to_vec();
    for &index in redacted {
        if let Some(arg) = shown.get_mut(index) {
            *arg = b"(redacted)";
        }
    }
    shown
}

/// After a read-only command (not a read-only script, whose commands count instead), a
/// tracking client may cache the keys it read (`trackingRememberKeys`).
fn remember_tracked_keys(ctx: &mut Ctx, argv: &[&[u8]], full_name: &str, flags: Flags) {
    if !flags.has(Flags::READONLY)
        || flags.has(Flags::PUBSUB)
        || matches!(full_name, "eval_ro" | "evalsha_ro" | "fcall_ro")
        || ctx.server.keyspace.tracking.mode(ctx.client.id).is_none()
    {
        return;
    }
    // Inside a script, what is tracked is the keys the script's caller declared.
    let positions;
    let keys: Vec<&[u8]> = if ctx.client.is_script {
        ctx.client
            .script_caller_keys
            .iter()
            .map(Vec::as_slice)
            .collect()
    } else {
        positions = introspect::key_positions(full_name, argv);
        positions
            .iter()
            .filter_map(|&i| argv.get(i).copied())
            .collect()
    };
    ctx.server.keyspace.tracking.remember(ctx.client.id, &keys);
}

/// The error code (first word) of an error reply's text.
fn error_code(text: &[u8]) -> String {
    let end = text
        .iter()
        .position(|&c| c == b' ' || c == b'\r')
        .unwrap_or(text.len());
    String::from_utf8_lossy(&text[..end]).into_owned()
}

/// Record a refusal in the ACL log (`addACLLogEntry`), with the client's `CLIENT LIST` line.
pub fn log_acl_refusal(
    server: &mut crate::server::Server,
    client: &crate::client::Client,
    reason: crate::acl::log::Reason,
    context: crate::acl::log::Context,
    object: Vec<u8>,
    username: Vec<u8>,
) {
    let client_info = connection::describe(server, client, std::time::Instant::now());
    let max_len = server
        .config
        .get("acllog-max-len")
        .and_then(|v| v.parse().ok())
        .unwrap_or(128);
    let entry = crate::acl::log::Entry {
        count: 1,
        reason,
        context,
        object,
        username,
        time_ms: crate::db::now_ms(),
        client_info,
    };
    server.acl.log.add(entry, max_len);
}

/// Whether the client's user may not run this command line (ACL).
pub fn acl_denied(ctx: &Ctx, full_name: &str, argv: &[&[u8]]) -> Option<crate::acl::Denied> {
    ctx.server
        .acl
        .check(ctx.client.user.as_bytes(), full_name, argv, || {
            introspect::key_accesses(full_name, argv)
        })
}

/// After a write to the list, hash, set or sorted set at `key` that Redis counts as `writes`
/// changes: its `event` (of notification class `class`), the key deleted with a `del` event
/// if the write emptied it, and its watchers told.
pub(super) fn collection_written(
    ctx: &mut Ctx,
    key: &[u8],
    class: u32,
    event: &'static str,
    writes: u64,
) {
    let db = ctx.client.db;
    let keyspace = &mut ctx.server.keyspace;
    keyspace.notify(class, event, db, key);
    if keyspace
        .write(db, key)
        .is_some_and(|v| v.is_emptied_collection())
    {
        // The deletion counts one of the changes.
        keyspace.delete(db, key);
        keyspace.count_writes(writes.saturating_sub(1));
        keyspace.notify(crate::db::notify::class::GENERIC, "del", db, key);
    } else {
        keyspace.modified_counting(db, key, writes);
    }
}

/// Refuse a known command before it runs, counting it as a rejected call of that command.
fn reject_command(ctx: &mut Ctx, full_name: &std::rc::Rc<str>, text: &str) {
    ctx.server.stats.count_rejected(full_name);
    reject(ctx, text);
}

/// Refuse a command before it runs: the error reply, a failed transaction if queueing, and
/// the counters Redis keeps for rejected calls.
pub fn reject(ctx: &mut Ctx, text: &str) {
    if let Some(multi) = ctx.client.multi.as_mut() {
        multi.aborted = true;
    }
    if ctx.client.rejecting_exec {
        // A refused EXEC ends the transaction, and forgets the watched keys, whether or not
        // one was open (`execCommandAbort`).
        ctx.client.multi = None;
        let watched = std::mem::take(&mut ctx.client.watched);
        ctx.server.keyspace.unwatch_all(ctx.client.id, &watched);
        let reason = text.strip_prefix("ERR ").unwrap_or(text);
        ctx.client.reply.error(&format!(
            "EXECABORT Transaction discarded because of: {reason}"
        ));
        ctx.server.stats.count_error("EXECABORT");
        ctx.server.stats.rejected_calls += 1;
        return;
    }
    ctx.client.reply.error(text);
    ctx.server.stats.count_error(&error_code(text.as_bytes()));
    ctx.server.stats.rejected_calls += 1;
}

fn missing_text(missing: Missing, argv: &[&[u8]]) -> String {
    let printable = |b: &[u8], max: usize| {
        let cut = &b[..b.len().min(max)];
        // C strings end at a zero byte.
        let cut = &cut[..cut.iter().position(|&c| c == 0).unwrap_or(cut.len())];
        String::from_utf8_lossy(cut).replace(['\r', '\n'], " ")
    };
    match missing {
        Missing::Subcommand => format!(
            "ERR unknown subcommand '{}'. Try {} HELP.",
            printable(argv[1], 128),
            printable(argv[0], usize::MAX).to_ascii_uppercase()
        ),
        Missing::Command => {
            let mut args = String::new();
            for arg in &argv[1..] {
                if args.len() >= 128 {
                    break;
                }
                let room = 128 - args.len();
                args.push('\'');
                args.push_str(&printable(arg, room));
                args.push_str("' ");
            }
            format!(
                "ERR unknown command '{}', with args beginning with: {}",
                printable(argv[0], 128),
                args
            )
        }
    }
}

/// The option guarding a protected command.
type Guard = fn(&crate::config::Settings) -> crate::config::Protected;

/// The commands Redis marks `CMD_PROTECTED` (a flag `COMMAND` does not show), with the name
/// its refusal gives and the option guarding it: each is refused unless that option allows
/// the client.
const PROTECTED: &[(&str, &str, Guard)] = &[
    ("debug", "DEBUG", |s| s.enable_debug_command),
    ("module|load", "MODULE", |s| s.enable_module_command),
    ("module|loadex", "MODULE", |s| s.enable_module_command),
    ("module|unload", "MODULE", |s| s.enable_module_command),
];

/// Redis's refusal of a protected command whose option (`enable-debug-command`,
/// `enable-module-command`) does not allow this client.
fn protected_refusal(ctx: &Ctx, full_name: &str) -> Option<String> {
    let (_, family, guard) = PROTECTED.iter().find(|(name, ..)| *name == full_name)?;
    let allowed = guard(&ctx.server.config.settings).allows(ctx.client.is_local());
    (!allowed).then(|| {
        let option = family.to_ascii_lowercase();
        format!("ERR {family} command not allowed. If the enable-{option}-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.")
    })
}

/// Parse an integer argument, or write Redis's error and give `None`.
pub fn int_arg(ctx: &mut Ctx, arg: &[u8]) -> Option<i64> {
    let parsed = crate::util::parse_i64(arg);
    if parsed.is_none() {
        ctx.client.reply.error(NOT_INTEGER);
    }
    parsed
}

/// Redis's `getRangeLongFromObjectOrReply`: an integer in `min..=max`. With `message`, that
/// one text answers both a non-integer and an out-of-range value.
pub fn range_arg(
    ctx: &mut Ctx,
    arg: &[u8],
    min: i64,
    max: i64,
    message: Option<&str>,
) -> Option<i64> {
    let error = match crate::util::parse_i64(arg) {
        Some(n) if (min..=max).contains(&n) => return Some(n),
        Some(_) => match message {
            Some(m) => format!("ERR {m}"),
            None => format!("ERR value is out of range, value must between {min} and {max}"),
        },
        None => match message {
            Some(m) => format!("ERR {m}"),
            None => NOT_INTEGER.to_string(),
        },
    };
    ctx.client.reply.error(&error);
    None
}

/// A database index argument: `ERR value is not an integer or out of range`, `ERR value is
/// out of range, value must between ...` past an `int`, or `ERR DB index is out of range`.
pub fn db_index(ctx: &mut Ctx, arg: &[u8]) -> Option<usize> {
    // An `int` in Redis (`getIntFromObjectOrReply`), then a database that exists.
    let index = range_arg(ctx, arg, i64::from(i32::MIN), i64::from(i32::MAX), None)?;
    if index < 0 || index >= ctx.server.keyspace.dbs.len() as i64 {
        ctx.client.reply.error("ERR DB index is out of range");
        return None;
    }
    Some(index as usize)
}

/// Redis's `getPositiveLongFromObjectOrReply` with a message: a count in `0..=i64::MAX`,
/// `message` answering both a non-integer and a negative value.
pub fn positive_arg(ctx: &mut Ctx, arg: &[u8], message: &str) -> Option<i64> {
    range_arg(ctx, arg, 0, i64::MAX, Some(message))
}

/// Whether a reply of any size may be built for the client: it has a hard output limit, which
/// stops the building ([`crate::output_limits::stop_building`]).
pub fn unbounded_reply_allowed(ctx: &Ctx) -> bool {
    crate::output_limits::hard_limit(ctx.server, ctx.client).is_some()
}

/// How often a command building a repeating random reply checks the client's output limit.
pub const REPLY_CHECK_EVERY: usize = 1024;

/// The `count [WITHVALUES|WITHSCORES]` arguments of HRANDFIELD and ZRANDMEMBER, parsed in
/// Redis's order: the count (in `-LONG_MAX..=LONG_MAX`), then the option word `with`, then
/// the halved range a reply with pairs allows. `Some(None)`: no count given.
pub fn random_count_args(ctx: &mut Ctx, argv: &[&[u8]], with: &str) -> Option<Option<(i64, bool)>> {
    if argv.len() < 3 {
        return Some(None);
    }
    let count = range_arg(ctx, argv[2], -i64::MAX, i64::MAX, None)?;
    if argv.len() > 4 || (argv.len() == 4 && !is(argv[3], with)) {
        ctx.client.reply.error(SYNTAX);
        return None;
    }
    let pairs = argv.len() == 4;
    // Beyond Redis: without an output limit for the client, a repeating count is bounded too,
    // so that no request can make the server build a reply it cannot hold.
    if (pairs && !(-i64::MAX / 2..=i64::MAX / 2).contains(&count))
        || (count < -MAX_RANDOM_REPLY && !unbounded_reply_allowed(ctx))
    {
        ctx.client.reply.error("ERR value is out of range");
        return None;
    }
    Some(Some((count, pairs)))
}

/// The keys, end and count of `LMPOP`/`ZMPOP` and their blocking forms: `numkeys` at
/// `argv[index]`, the keys, the end word (`from_start` for `start_word`), `[COUNT n]`.
pub struct MultiPop<'a> {
    pub keys: &'a [&'a [u8]],
    pub from_start: bool,
    pub count: usize,
}

pub fn multi_pop_args<'a>(
    ctx: &mut Ctx,
    argv: &'a [&'a [u8]],
    index: usize,
    start_word: &str,
    end_word: &str,
) -> Option<MultiPop<'a>> {
    let message = Some("numkeys should be greater than 0");
    let numkeys = range_arg(ctx, argv[index], 1, i64::MAX, message)?;
    let where_index = (index as u64).saturating_add(numkeys as u64) + 1;
    if where_index >= argv.len() as u64 {
        ctx.client.reply.error(SYNTAX);
        return None;
    }
    let where_index = where_index as usize;
    let from_start = match argv[where_index] {
        w if is(w, start_word) => true,
        w if is(w, end_word) => false,
        _ => {
            ctx.client.reply.error(SYNTAX);
            return None;
        }
    };
    let mut count = None;
    let mut j = where_index + 1;
    while j < argv.len() {
        if count.is_none() && is(argv[j], "count") && j + 1 < argv.len() {
            let message = Some("count should be greater than 0");
            count = Some(range_arg(ctx, argv[j + 1], 1, i64::MAX, message)? as usize);
            j += 2;
        } else {
            ctx.client.reply.error(SYNTAX);
            return None;
        }
    }
    Some(MultiPop {
        keys: &argv[index + 1..where_index],
        from_start,
        count: count.unwrap_or(1),
    })
}

/// `SYNTAX` unless every byte matches case-insensitively.
/// A command to log, from its parts.
pub fn logged(parts: &[&[u8]]) -> Vec<Vec<u8>> {
    parts.iter().map(|p| p.to_vec()).collect()
}

pub fn is(arg: &[u8], word: &str) -> bool {
    arg.eq_ignore_ascii_case(word.as_bytes())
}

/// `<COMMAND> HELP`: Redis's header, the command's lines, and the footer (`addReplyHelp`).
pub fn help(ctx: &mut Ctx, argv: &[&[u8]], lines: &[&str]) {
    let name = String::from_utf8_lossy(argv[0]).to_ascii_uppercase();
    let out = &mut ctx.client.reply;
    out.array(lines.len() + 3);
    out.status(
        format!("{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:").as_bytes(),
    );
    for line in lines {
        out.status(line.as_bytes());
    }
    out.status(b"HELP");
    out.status(b"    Prints this help.");
}

/// `unknown subcommand or wrong number of arguments for 'x'. Try CMD HELP.`
pub fn subcommand_syntax_error(ctx: &mut Ctx, argv: &[&[u8]]) {
    let sub = String::from_utf8_lossy(&argv[1][..argv[1].len().min(128)]).into_owned();
    let name = String::from_utf8_lossy(argv[0]).to_ascii_uppercase();
    ctx.client.reply.error(&format!(
        "ERR unknown subcommand or wrong number of arguments for '{sub}'. Try {name} HELP."
    ));
}

/// A timeout in milliseconds (CLIENT PAUSE, XREAD BLOCK, WAIT: Redis's
/// `getTimeoutFromObjectOrReply` in milliseconds); `None` written as its error.
pub fn millis_arg(ctx: &mut Ctx, arg: &[u8]) -> Option<u64> {
    let Some(ms) = crate::util::parse_i64(arg) else {
        ctx.client
            .reply
            .error("ERR timeout is not an integer or out of range");
        return None;
    };
    if ms < 0 {
        ctx.client.reply.error("ERR timeout is negative");
        return None;
    }
    Some(ms as u64)
}

/// The instant `ms` milliseconds from now; waits past about 35 years (2^40 ms) end there.
pub fn deadline_after_ms(ms: u64) -> std::time::Instant {
    std::time::Instant::now() + std::time::Duration::from_millis(ms.min(1 << 40))
}

/// A blocking command's timeout in seconds (fractions allowed): `None` written as an error;
/// `Some(None)` for 0 (wait forever); `Some(Some(deadline))` otherwise.
pub fn timeout_arg(ctx: &mut Ctx, arg: &[u8]) -> Option<Option<std::time::Instant>> {
    let Some(seconds) = crate::util::parse_f64(arg).filter(|s| s.is_finite()) else {
        ctx.client
            .reply
            .error("ERR timeout is not a float or out of range");
        return None;
    };
    let millis = (seconds * 1000.0).ceil();
    if millis < 0.0 {
        ctx.client.reply.error("ERR timeout is negative");
        return None;
    }
    if millis == 0.0 {
        return Some(None);
    }
    let wait = std::time::Duration::from_millis(millis.min(1e15) as u64);
    Some(Some(std::time::Instant::now() + wait))
}

/// A blocking command found no data: block (the dispatcher registers the client), or, where
/// clients may not block (scripts, MULTI), answer as a timeout would.
pub fn block_or_answer(
    ctx: &mut Ctx,
    keys: &[&[u8]],
    deadline: Option<std::time::Instant>,
    null_array: bool,
) {
    if ctx.client.may_block() {
        ctx.client.block_request = Some(crate::client::BlockRequest {
            keys: keys.iter().map(|k| k.to_vec()).collect(),
            deadline,
            argv: None,
            replicas: None,
        });
    } else if null_array {
        ctx.client.reply.null_array();
    } else {
        ctx.client.reply.null();
    }
}

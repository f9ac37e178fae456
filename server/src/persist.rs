//! Snapshots for the server (`SAVE`, `BGSAVE`, the `save` rules, loading at start, `DEBUG
//! RELOAD`, saving at shutdown) over the RDB format in [`crate::rdb`].
//!
//! Files live in the working directory (`dir` changes it) under `dbfilename`. A save writes
//! `temp-<pid>.rdb`, syncs it and renames it over the old file. `BGSAVE` writes from a forked
//! child (see [`crate::fork`]) and the periodic task collects its result.

use crate::fork::{Child, Ended};
use crate::rdb::load::{Corruption, LoadFailure, LoadHooks, Loaded};
use crate::rdb::snapshot::{self, SaveInput};
use crate::rdb::SaveOptions;
use crate::server::Server;
use redis_runtime::rdb::{crc64, write_string, RDB_VERSION};
use std::path::PathBuf;
use std::time::Instant;

/// Wait this long after a failed background save before the rules try again
/// (`CONFIG_BGSAVE_RETRY_DELAY`).
const RETRY_DELAY_SECS: i64 = 5;

#[derive(Debug)]
pub struct RdbState {
    pub child: Option<Child>,
    /// When the running child started, and the changes counted at that moment (a success
    /// subtracts them: later changes are not in the snapshot).
    pub child_started: Option<(Instant, u64)>,
    pub last_bgsave_ok: bool,
    pub last_bgsave_try_unix: i64,
    pub last_bgsave_secs: i64,
    pub saves: u64,
    /// `BGSAVE SCHEDULE` while another child ran: start when it is done.
    pub scheduled: bool,
    /// Keys the last load read, and those it left out as expired.
    pub last_load_keys_loaded: u64,
    pub last_load_keys_expired: u64,
    /// The running child's reports ([`crate::child_info`]).
    pub child_info: Option<crate::child_info::Listener>,
    /// The memory the last background save's child copied (`rdb_last_cow_size`).
    pub last_cow_size: u64,
    /// The running child streams its snapshot to replicas ([`crate::rdb_pipe`]), no file.
    pub transfer: Option<crate::rdb_pipe::Transfer>,
}

/// Writes refused while snapshots fail (`stop-writes-on-bgsave-error`).
pub const MISCONF: &str = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.";

/// Whether writes are refused because the last snapshot failed while save rules exist and
/// `stop-writes-on-bgsave-error` is on (Redis's `writeCommandsDeniedByDiskError`).
pub fn writes_denied(server: &Server) -> bool {
    let settings = &server.config.settings;
    settings.stop_writes_on_bgsave_error
        && !settings.save_rules.is_empty()
        && !server.rdb.last_bgsave_ok
}

impl Default for RdbState {
    fn default() -> Self {
        RdbState {
            child: None,
            transfer: None,
            child_started: None,
            last_bgsave_ok: true,
            last_bgsave_try_unix: 0,
            last_bgsave_secs: -1,
            saves: 0,
            scheduled: false,
            last_load_keys_loaded: 0,
            last_load_keys_expired: 0,
            child_info: None,
            last_cow_size: 0,
        }
    }
}

/// `FUNCTION2` records for these library codes.
pub fn function_records(codes: &[Vec<u8>], compress: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(crate::rdb::opcodes::FUNCTION2);
        write_string(&mut out, code, compress);
    }
    out
}

/// A `FUNCTION RESTORE` payload holding these codes, to hand libraries to the runtime.
pub fn function_payload(codes: &[Vec<u8>]) -> Vec<u8> {
    let mut out = function_records(codes, false);
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

pub fn save_options(server: &Server) -> SaveOptions {
    SaveOptions {
        compress: server.config.settings.rdb_compression,
        list_fill: server.config.settings.list_max_listpack_size,
    }
}

fn rdb_path(server: &Server) -> PathBuf {
    PathBuf::from(&server.config.settings.dbfilename)
}

/// What a snapshot of the server holds now, with `records` its function libraries.
fn save_input<'a>(server: &'a Server, records: &'a [u8]) -> SaveInput<'a> {
    SaveInput {
        dbs: &server.keyspace.dbs,
        function_records: records,
        options: save_options(server),
        checksum: server.config.settings.rdb_checksum,
        used_memory: server.used_memory(),
        aof_base: false,
        replication: crate::replication::save_info(server),
        key_save_delay: server.config.settings.rdb_key_save_delay,
        progress: None,
    }
}

fn server_function_records(server: &Server) -> Vec<u8> {
    function_records(
        &server.function_codes,
        server.config.settings.rdb_compression,
    )
}

/// Write a snapshot now (in this process).
fn write_snapshot(server: &Server) -> std::io::Result<()> {
    write_snapshot_reporting(server, None)
}

/// [`write_snapshot`] from a background save's child, telling its parent how it goes.
fn write_snapshot_reporting(
    server: &Server,
    progress: Option<&std::cell::RefCell<crate::child_info::Reporter>>,
) -> std::io::Result<()> {
    let records = server_function_records(server);
    let temp = PathBuf::from(format!("temp-{}.rdb", std::process::id()));
    let mut input = save_input(server, &records);
    input.progress = progress;
    let saved = snapshot::save(&input, &temp, &rdb_path(server));
    crate::child_info::Reporter::finish_lent(progress);
    saved
}

/// What a snapshot for a replica keeps, when it asked for part of it.
#[derive(Debug, Clone, Copy)]
pub struct SnapshotFilter {
    pub keys: bool,
    pub functions: bool,
}

/// A snapshot made in memory now (what a replica is sent), filtered as it asked.
pub fn snapshot_bytes(server: &Server, filter: Option<SnapshotFilter>) -> std::io::Result<Vec<u8>> {
    let keep = filter.unwrap_or(SnapshotFilter {
        keys: true,
        functions: true,
    });
    let records = if keep.functions {
        server_function_records(server)
    } else {
        Vec::new()
    };
    let mut input = save_input(server, &records);
    if !keep.keys {
        input.dbs = &[];
    }
    let mut out = Vec::new();
    snapshot::write_to(&input, &mut out)?;
    Ok(out)
}

/// `SAVE` (and the saves of FLUSHALL, DEBUG RELOAD and shutdown): `Err` is logged already.
pub fn save(server: &mut Server) -> Result<(), ()> {
    match write_snapshot(server) {
        Ok(()) => {
            server.log_notice("DB saved on disk");
            server.keyspace.dirty = 0;
            server.last_save_unix = crate::db::now_ms() / 1000;
            server.rdb.last_bgsave_ok = true;
            server.rdb.saves += 1;
            Ok(())
        }
        Err(e) => {
            server.log_warning(&format!(
                "Failed opening the temp RDB file temp-{}.rdb (in server root dir {}) for saving: {}",
                std::process::id(),
                std::env::current_dir()
                    .map(|d| d.display().to_string())
                    .unwrap_or_default(),
                crate::util::strerror(&e)
            ));
            // As in Redis, a foreground save's failure is no background save's: writes
            // are not refused for it (MISCONF).
            Err(())
        }
    }
}

/// `BGSAVE`: start a child writing the snapshot.
pub fn background_save(server: &mut Server) -> std::io::Result<()> {
    server.rdb.last_bgsave_try_unix = crate::db::now_ms() / 1000;
    let started = Instant::now();
    let child = fork_snapshot(server, "redis-rdb-bgsave", &[], |snapshot_of, progress| {
        write_snapshot_reporting(snapshot_of, progress).is_ok()
    });
    match child {
        Ok((child, info)) => {
            server.rdb.child_info = info;
            server.log_notice(&format!("Background saving started by pid {}", child.pid()));
            server.rdb.child = Some(child);
            server.rdb.child_started = Some((started, server.keyspace.dirty));
            server.update_resize_policy();
            Ok(())
        }
        Err(e) => {
            server.rdb.last_bgsave_ok = false;
            log_fork_failure(server, &e);
            Err(e)
        }
    }
}

pub fn log_fork_failure(server: &mut Server, e: &std::io::Error) {
    server.log_warning(&format!(
        "Can't save in background: fork: {}",
        crate::util::strerror(e)
    ));
}

/// Fork a child that runs `work` over the server as it is now, named `title`, with Redis's
/// out-of-memory score for children and its progress reports to the parent: the child, and
/// the parent's end of those reports. The child first closes `inherited` (the parent's ends
/// of the pipes it shares with it). Background saves, transfers to replicas and append-only
/// rewrites are all made so.
pub fn fork_snapshot(
    server: &Server,
    title: &str,
    inherited: &[std::os::fd::RawFd],
    work: impl FnOnce(&Server, Option<&std::cell::RefCell<crate::child_info::Reporter>>) -> bool,
) -> std::io::Result<(Child, Option<crate::child_info::Listener>)> {
    let title = crate::proc_title::for_child(server, title);
    let (reporter, listener) = crate::child_info::for_fork(server);
    let mut close = crate::net::listener_fds(server);
    close.extend_from_slice(inherited);
    close.extend(listener.as_ref().map(crate::child_info::Listener::raw_fd));
    let child = crate::fork::spawn(&close, || {
        if let Some(title) = &title {
            crate::proc_title::set(title);
        }
        crate::oom_score::enter_child(server);
        work(server, reporter.as_ref())
    })?;
    Ok((child, listener))
}

/// A snapshot for replicas, streamed to `out` between two copies of the 40-byte `mark`
/// (`$EOF:<mark>\r\n`, the file, `<mark>`): its length is never known in advance.
pub fn write_marked_snapshot(
    server: &Server,
    progress: Option<&std::cell::RefCell<crate::child_info::Reporter>>,
    mark: &[u8],
    mut out: impl std::io::Write,
) -> std::io::Result<()> {
    out.write_all(b"$EOF:")?;
    out.write_all(mark)?;
    out.write_all(b"\r\n")?;
    let records = server_function_records(server);
    let mut input = save_input(server, &records);
    input.progress = progress;
    let written = snapshot::write_to(&input, &mut out);
    crate::child_info::Reporter::finish_lent(progress);
    written?;
    out.write_all(mark)?;
    out.flush()
}

/// Stop a running background save (its snapshot is no longer wanted); whether one ran.
pub fn kill_background_save(server: &mut Server) -> bool {
    let Some(child) = server.rdb.child.take() else {
        return false;
    };
    server.rdb.child_info = None;
    server.rdb.child_started = None;
    // The child names its temporary file after its own pid.
    let temp = format!("temp-{}.rdb", child.pid());
    child.kill();
    if server.rdb.transfer.is_some() {
        crate::rdb_pipe::finish(server);
        server.log_warning("Background transfer terminated by signal 10");
    } else {
        let _ = std::fs::remove_file(temp);
        server.log_notice("Background saving terminated by signal 10");
    }
    true
}

/// The periodic task's part: collect a finished child, then apply the `save` rules.
pub fn cron(server: &mut Server) {
    collect_child(server);
    if server.rdb.child.is_some() || server.aof.rewriting() {
        return;
    }
    if std::mem::take(&mut server.rdb.scheduled) {
        let _ = background_save(server);
        return;
    }
    let now = crate::db::now_ms() / 1000;
    let dirty = server.keyspace.dirty;
    let due = server
        .config
        .settings
        .save_rules
        .iter()
        .find(|&&(secs, changes)| {
            dirty >= changes
                && now - server.last_save_unix > secs as i64
                && (now - server.rdb.last_bgsave_try_unix > RETRY_DELAY_SECS
                    || server.rdb.last_bgsave_ok)
        });
    if let Some(&(secs, changes)) = due {
        server.log_notice(&format!("{changes} changes in {secs} seconds. Saving..."));
        let _ = background_save(server);
    }
}

/// Collect the background save's child if it ended, and act on its result (Redis's
/// `backgroundSaveDoneHandler`).
pub fn collect_child(server: &mut Server) {
    if let Some(info) = server.rdb.child_info.as_mut() {
        info.receive();
    }
    let Some(end) = server.rdb.child.as_ref().and_then(Child::try_end) else {
        return;
    };
    server.rdb.child = None;
    if let Some(mut info) = server.rdb.child_info.take() {
        server.rdb.last_cow_size = info.final_cow();
    }
    let (started, dirty_then) = server
        .rdb
        .child_started
        .take()
        .unwrap_or((Instant::now(), 0));
    server.rdb.last_bgsave_secs = started.elapsed().as_secs() as i64;
    let ok = end == Ended::Success;
    if server.rdb.transfer.is_some() {
        crate::rdb_pipe::finish(server);
        match end {
            Ended::Success => server.log_notice("Background RDB transfer terminated with success"),
            Ended::Error => server.log_warning("Background transfer error"),
            Ended::Signal(n) => {
                server.log_warning(&format!("Background transfer terminated by signal {n}"))
            }
        }
        crate::full_sync::streamed_done(server, ok);
        return;
    }
    match end {
        Ended::Success => {
            server.log_notice("Background saving terminated with success");
            server.keyspace.dirty = server.keyspace.dirty.saturating_sub(dirty_then);
            server.last_save_unix = crate::db::now_ms() / 1000;
            server.rdb.last_bgsave_ok = true;
            server.rdb.saves += 1;
        }
        Ended::Error => {
            server.log_warning("Background saving error");
            server.rdb.last_bgsave_ok = false;
        }
        Ended::Signal(n) => {
            server.log_warning(&format!("Background saving terminated by signal {n}"));
            // A child stopped on purpose (SIGUSR1) is no failure.
            if n != libc::SIGUSR1 {
                server.rdb.last_bgsave_ok = false;
            }
        }
    }
    crate::full_sync::save_done(server, ok);
}

/// Before the server stops: end a background save, and save when asked to or when save rules
/// exist (`SHUTDOWN NOSAVE` skips it). An error means the server should keep running: so it
/// does while the first rewrite of a just-enabled append-only file runs (the file is not
/// there yet, so the data would be lost), unless `force`d.
pub fn prepare_for_shutdown(
    server: &mut Server,
    mode: crate::server::Shutdown,
    force: bool,
) -> Result<(), ()> {
    let result = finish_for_shutdown(server, mode, force);
    if result.is_err() {
        server.log_warning(
            "Errors trying to shut down the server. Check the logs for more information.",
        );
    }
    result
}

/// [`prepare_for_shutdown`]'s steps (Redis's `finishShutdown`).
fn finish_for_shutdown(
    server: &mut Server,
    mode: crate::server::Shutdown,
    force: bool,
) -> Result<(), ()> {
    use crate::server::Shutdown;
    kill_background_save(server);
    if crate::aof::writing_first_rewrite(server) {
        if !force {
            server.log_warning("Writing initial AOF, can't exit.");
            return Err(());
        }
        server.log_warning("Writing initial AOF. Exit anyway.");
    }
    crate::aof::shutdown(server);
    let wanted = match mode {
        Shutdown::NoSave => false,
        Shutdown::Save => true,
        Shutdown::Default => !server.config.settings.save_rules.is_empty(),
    };
    if wanted {
        server.log_notice("Saving the final RDB snapshot before exiting.");
        if save(server).is_err() {
            if force {
                server.log_warning("Error trying to save the DB. Exit anyway.");
            } else {
                server.log_warning("Error trying to save the DB, can't exit.");
                return Err(());
            }
        }
    }
    Ok(())
}

/// How a file is loaded into a running server.
#[derive(Debug, Clone, Copy)]
pub struct LoadMode {
    /// Empty the keyspace and the libraries first.
    pub flush: bool,
    /// Keys and libraries already present are replaced instead of failing the load.
    pub merge: bool,
}

/// Load the RDB file in place of (or into, per `mode`) the data: whether there was one. At
/// start (`at_start`), the replication position it records is taken up too.
pub fn load(
    server: &mut Server,
    runtime: &mut redis_runtime::Runtime,
    mode: LoadMode,
    at_start: bool,
) -> Result<bool, LoadFailure> {
    let data = match std::fs::read(rdb_path(server)) {
        Ok(data) => data,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(LoadFailure::Unreadable(crate::util::strerror(&e))),
    };
    let started = Instant::now();
    let limits = server.config.settings.encoding;
    let databases = server.keyspace.dbs.len();
    let now_ms = crate::db::now_ms();
    let loaded = if at_start {
        // At start, clients are answered (`-LOADING`) while the file loads.
        let setting = |name: &str| server.config.get(name).and_then(|v| v.parse::<i64>().ok());
        let interval = setting("loading-process-events-interval-bytes").unwrap_or(2 << 20);
        let key_delay = setting("key-load-delay").unwrap_or(0);
        server.loading = Some(crate::server::Loading {
            start_unix: now_ms / 1000,
            total_bytes: data.len() as u64,
            loaded_bytes: 0,
            rdb_used_mem: 0,
            asynchronous: false,
        });
        let primary = server.master_link.is_none();
        let hooks = LoadHooks {
            interval: usize::try_from(interval).unwrap_or(0),
            key_delay,
            collect_expired: primary,
            progress: &mut |at, used_mem| {
                if let Some(loading) = server.loading.as_mut() {
                    loading.rdb_used_mem = used_mem;
                }
                crate::net::serve_while_loading(server, at)
            },
        };
        let loaded = crate::rdb::load::load_with(&data, databases, &limits, now_ms, Some(hooks));
        server.loading = None;
        loaded?
    } else {
        crate::rdb::load::load(&data, databases, &limits, now_ms)?
    };
    let mut loaded = loaded;
    let replication = loaded.replication.clone();
    let expired = if at_start && server.master_link.is_none() {
        std::mem::take(&mut loaded.expired_keys)
    } else {
        Vec::new()
    };
    install(server, runtime, loaded, mode).map_err(LoadFailure::Refused)?;
    if at_start {
        crate::replication::restore_at_start(server, replication, &expired);
    }
    server.log_notice(&format!(
        "DB loaded from disk: {:.3} seconds",
        started.elapsed().as_secs_f64()
    ));
    Ok(true)
}

/// What Redis logs when the RDB file cannot be loaded at start. A corrupt file is also
/// checked as `redis-check-rdb` checks it, its findings printed on standard output (as
/// Redis prints them), naming the key and type where the fault is.
pub fn log_failed_start(server: &Server, failure: &LoadFailure) {
    match failure {
        LoadFailure::Interrupted => {}
        LoadFailure::Unreadable(text) => {
            server.log_warning(&format!("Fatal error loading the DB: {text}. Exiting."));
        }
        LoadFailure::Refused(text) => {
            server.log_warning(text);
            server.log_warning("Fatal error loading the DB: Invalid argument. Exiting.");
        }
        LoadFailure::Corrupt(fault) => {
            if let Some(preface) = &fault.preface {
                server.log_warning(preface);
            }
            // Redis's figure is the loading progress, updated once per events interval.
            let interval = server
                .config
                .get("loading-process-events-interval-bytes")
                .and_then(|v| v.parse::<u64>().ok())
                .filter(|&n| n > 0)
                .unwrap_or(2 * 1024 * 1024);
            let progress = fault.offset as u64 / interval * interval;
            server.log_warning(&crate::rdb::report::log_line(fault.what, progress));
            let file = server.config.get("dbfilename").unwrap_or_default();
            let report = check_report(file, fault);
            use std::io::Write;
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(report.as_bytes());
            let _ = out.flush();
            // A fault inside a value ends the check with this line; a cut file or a wrong
            // checksum ends it without.
            if !matches!(fault.what, "eof" | "crc") {
                server.log_warning("Terminating server after rdb file reading failure.");
            }
        }
    }
}

/// `redis-check-rdb`'s report of `fault` in `file`.
fn check_report(file: &str, fault: &Corruption) -> String {
    let message = match fault.what {
        "eof" | "crc" => crate::rdb::report::reason(fault.what).0.to_string(),
        what => crate::rdb::report::log_line(what, 0),
    };
    let mut out = format!("[offset 0] Checking RDB file {file}\n");
    for (offset, note) in &fault.notes {
        out += &format!("[offset {offset}] {note}\n");
    }
    out += "--- RDB ERROR DETECTED ---\n";
    out += &format!("[offset {}] {message}\n", fault.offset);
    out += &format!("[additional info] While doing: {}\n", fault.doing);
    if let Some(key) = &fault.key {
        out += &format!(
            "[additional info] Reading key '{}'\n",
            String::from_utf8_lossy(key)
        );
    }
    if let Some(t) = fault.key_type {
        out += &format!(
            "[additional info] Reading type {t} ({})\n",
            crate::rdb::report::type_name(t)
        );
    }
    out += &format!("[info] {} keys read\n", fault.keys_read);
    out += &format!("[info] {} expires\n", fault.expires);
    out += &format!("[info] {} already expired\n", fault.already_expired);
    out
}

/// Put what a file held into the server and `runtime`: libraries first (a library that
/// cannot be loaded fails the whole load), then the keys.
pub fn install(
    server: &mut Server,
    runtime: &mut redis_runtime::Runtime,
    loaded: Loaded,
    mode: LoadMode,
) -> Result<(), String> {
    log_loaded(server, &loaded);
    if !mode.flush && !mode.merge {
        for (index, db) in loaded.dbs.iter().enumerate() {
            if let Some((key, _)) = db
                .keys
                .iter()
                .find(|(k, _)| server.keyspace.dbs[index].keys.contains_key(k))
            {
                return Err(format!(
                    "RDB has duplicated key '{}' in DB {index}",
                    String::from_utf8_lossy(key)
                ));
            }
        }
    }
    // Libraries first: a library that cannot be loaded fails the whole load.
    let policy = if mode.flush {
        redis_runtime::RestorePolicy::Flush
    } else if mode.merge {
        redis_runtime::RestorePolicy::Replace
    } else {
        redis_runtime::RestorePolicy::Append
    };
    if mode.flush || !loaded.functions.is_empty() {
        let payload = function_payload(&loaded.functions);
        let caller = crate::client::Client::new(0, String::new(), String::new(), true);
        let mut host = crate::commands::scripting::ScriptHost::new(server, &caller, &[]);
        let restored = runtime.functions_mut().restore(&mut host, &payload, policy);
        host.finish();
        restored.map_err(|e| format!("Failed loading library, {}", String::from_utf8_lossy(&e)))?;
        refresh_function_codes(server, runtime);
    }
    if mode.flush {
        server.keyspace.flush_all();
    }
    for (index, db) in loaded.dbs.into_iter().enumerate() {
        let target = &mut server.keyspace.dbs[index];
        if target.is_empty() {
            *target = db;
            continue;
        }
        for (key, value) in db.keys.iter() {
            target.expires.remove(key);
            target.keys.insert(key, value.clone());
        }
        for (key, when) in db.expires.iter() {
            target.expires.insert(key, *when);
        }
    }
    Ok(())
}

/// Redis's lines about a file read: the empty keys it left out (the first ten by name), and
/// its counts.
fn log_loaded(server: &mut Server, loaded: &Loaded) {
    for notice in &loaded.notices {
        server.log_notice(notice);
    }
    for key in &loaded.empty_keys {
        server.log_warning(&format!(
            "rdbLoadObject skipping empty key: {}",
            String::from_utf8_lossy(key)
        ));
    }
    let (keys, expired) = (loaded.keys_loaded, loaded.keys_expired);
    server.rdb.last_load_keys_loaded = keys;
    server.rdb.last_load_keys_expired = expired;
    if loaded.empty_keys_skipped > 0 {
        server.log_warning(&format!(
            "Done loading RDB, keys loaded: {keys}, keys expired: {expired}, empty keys skipped: {}.",
            loaded.empty_keys_skipped
        ));
    } else {
        server.log_notice(&format!(
            "Done loading RDB, keys loaded: {keys}, keys expired: {expired}."
        ));
    }
}

/// Keep the server's copy of the libraries' code in step with the runtime.
pub fn refresh_function_codes(server: &mut Server, runtime: &redis_runtime::Runtime) {
    server.function_codes = runtime.functions().codes().map(<[u8]>::to_vec).collect();
}

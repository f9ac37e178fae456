//! The append-only file, as Redis 7.0 keeps it: a folder (`appenddirname`) holding a base file
//! (an RDB snapshot, or commands), incremental files of commands, and a manifest naming them:
//!
//! ```text
//! file appendonly.aof.1.base.rdb seq 1 type b
//! file appendonly.aof.1.incr.aof seq 1 type i
//! ```
//!
//! Every command that changed the dataset is logged as Redis propagates it: its arguments, or
//! what it chose to log instead (absolute expiry times, the members SPOP took...); a script's
//! or a transaction's commands are wrapped in MULTI/EXEC, so replaying never re-runs a script.
//! Keys deleted by expiry or eviction are logged as DEL. The log is written before the replies
//! go out, and synced per `appendfsync`: at once (`always`), once a second (`everysec`), or
//! when the system likes (`no`).
//!
//! `BGREWRITEAOF` opens a new incremental file at once, lets a forked child write the new base
//! snapshot, and when it is done makes the manifest name the new base and the new incremental
//! file, deleting the old ones.

use crate::fork::Child;
use crate::server::Server;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

#[derive(Debug, Clone, PartialEq, Eq)]
struct FileInfo {
    name: String,
    seq: u64,
    kind: char,
}

/// The manifest: which files make up the log, in order.
#[derive(Debug, Clone, Default)]
struct Manifest {
    base: Option<FileInfo>,
    history: Vec<FileInfo>,
    incr: Vec<FileInfo>,
    base_seq: u64,
    incr_seq: u64,
}

impl Manifest {
    /// Read a manifest (`aofLoadManifestFromFile`): one `file <name> seq <n> type <b|h|i>` per
    /// line; `#` comments.
    /// Read a manifest as Redis's `aofLoadManifestFromFile` does: comment lines skipped; a
    /// line longer than 1,024 bytes or without its line end, a blank line, fewer than six
    /// words or an odd count, or a missing name, sequence or type refuse the file.
    fn parse(text: &str) -> Result<Manifest, String> {
        const MAX_LINE: usize = 1024;
        const INVALID: &str = "Invalid AOF manifest file format";
        let mut m = Manifest::default();
        if text.is_empty() {
            return Err("Found an empty AOF manifest".into());
        }
        for raw in text.split_inclusive('\n') {
            if raw.starts_with('#') {
                continue;
            }
            if raw.len() > MAX_LINE || !raw.ends_with('\n') {
                return Err("The AOF manifest file contains too long line".into());
            }
            let line = raw.trim_matches([' ', '\t', '\r', '\n']);
            // Words as Redis splits them (a quoted file name may hold spaces).
            let words: Vec<String> = crate::resp::request::split_args(line.as_bytes())
                .ok_or(INVALID)?
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect();
            if words.len() < 6 || !words.len().is_multiple_of(2) {
                return Err(INVALID.into());
            }
            let mut info = FileInfo {
                name: String::new(),
                seq: 0,
                kind: ' ',
            };
            for pair in words.chunks(2) {
                let [key, value] = pair else {
                    return Err("Invalid AOF manifest file format".into());
                };
                match key.as_str() {
                    "file" => info.name = value.to_string(),
                    // As atoll: the leading number, 0 (missing) otherwise.
                    "seq" => {
                        let digits: String =
                            value.chars().take_while(char::is_ascii_digit).collect();
                        info.seq = digits.parse().unwrap_or(0);
                    }
                    "type" => info.kind = value.chars().next().unwrap_or(' '),
                    _ => {}
                }
            }
            if info.name.contains('/') {
                return Err("File can't be a path, just a filename".into());
            }
            if info.name.is_empty() || info.seq == 0 || info.kind == ' ' {
                return Err(INVALID.into());
            }
            match info.kind {
                'b' => {
                    if m.base.is_some() {
                        return Err("Found duplicate base file information".into());
                    }
                    m.base_seq = info.seq;
                    m.base = Some(info);
                }
                'h' => m.history.push(info),
                'i' => {
                    if info.seq <= m.incr_seq {
                        return Err("Found a non-monotonic sequence number".into());
                    }
                    m.incr_seq = info.seq;
                    m.incr.push(info);
                }
                _ => return Err("Unknown AOF file type".into()),
            }
        }
        if m.base.is_none() && m.incr.is_empty() {
            return Err("Found an empty AOF manifest".into());
        }
        Ok(m)
    }

    fn to_text(&self) -> String {
        let mut out = String::new();
        for info in self.base.iter().chain(&self.history).chain(&self.incr) {
            // A name with spaces, quotes or unprintable bytes is quoted (`sdscatrepr`).
            let needs_quotes = info
                .name
                .bytes()
                .any(|b| matches!(b, b'\\' | b'"') || !(0x21..=0x7e).contains(&b));
            let name = if needs_quotes {
                crate::util::repr(info.name.as_bytes())
            } else {
                info.name.clone()
            };
            out.push_str(&format!(
                "file {name} seq {} type {}\n",
                info.seq, info.kind
            ));
        }
        out
    }
}

/// A rewrite in progress: the child writing the new base, and the base's name.
#[derive(Debug)]
struct Rewrite {
    child: Child,
    temp: PathBuf,
    started: Instant,
    /// A new incremental file was opened for it (logging was on): it stays in the log.
    kept_incr: bool,
    /// The new base is an RDB snapshot (`aof-use-rdb-preamble yes` when it began), not
    /// commands.
    rdb_base: bool,
    /// The log was just turned on: its writes go to the temporary incremental file.
    temp_incr: bool,
    /// The child's reports ([`crate::child_info`]).
    info: Option<crate::child_info::Listener>,
}

#[derive(Debug)]
pub struct Aof {
    /// Logging now.
    pub on: bool,
    /// Commands waiting to be written.
    buf: Vec<u8>,
    /// `DEBUG AOF-FLUSH-SLEEP`: microseconds slept before each write (a test knob).
    pub flush_sleep_us: u64,
    /// The second of the last `#TS:` annotation written (`aof-timestamp-enabled`).
    last_timestamp: i64,
    /// The database the log's last SELECT chose.
    selected_db: Option<usize>,
    file: Option<File>,
    manifest: Manifest,
    /// Bytes written and not yet synced.
    unsynced: bool,
    last_fsync: Option<Instant>,
    rewrite: Option<Rewrite>,
    /// A rewrite was asked for while a snapshot child ran.
    pub rewrite_scheduled: bool,
    /// Turned on at run time and waiting for its first rewrite (`AOF_WAIT_REWRITE`): what
    /// is logged meanwhile goes to a temporary incremental file outside the manifest, kept
    /// if the rewrite succeeds and deleted if it fails (another is then scheduled).
    waiting_first_rewrite: bool,
    /// The memory the last rewrite's child copied (`aof_last_cow_size`).
    pub last_cow_size: u64,
    /// The retry limit after repeated failures (`aofRewriteLimited`): minutes of the last
    /// delay, and the Unix second before which automatic rewrites wait.
    limit_delay_minutes: i64,
    limit_until_unix: i64,
    pub last_rewrite_ok: bool,
    pub last_write_ok: bool,
    /// Rewrites started, failures since the last success, and how long the last one took
    /// in seconds (-1 before any): `INFO persistence`.
    pub rewrites: u64,
    pub rewrite_failures_in_a_row: u64,
    pub last_rewrite_secs: i64,
    /// Size of the incremental file now and at the last rewrite (for automatic rewrites).
    incr_size: u64,
    size_at_rewrite: u64,
}

impl Default for Aof {
    fn default() -> Self {
        Aof {
            on: false,
            buf: Vec::new(),
            flush_sleep_us: 0,
            last_timestamp: 0,
            selected_db: None,
            file: None,
            manifest: Manifest::default(),
            unsynced: false,
            last_fsync: None,
            rewrite: None,
            rewrite_scheduled: false,
            waiting_first_rewrite: false,
            last_cow_size: 0,
            limit_delay_minutes: 0,
            limit_until_unix: 0,
            last_rewrite_ok: true,
            last_write_ok: true,
            rewrites: 0,
            rewrite_failures_in_a_row: 0,
            last_rewrite_secs: -1,
            incr_size: 0,
            size_at_rewrite: 0,
        }
    }
}

impl Aof {
    pub fn rewriting(&self) -> bool {
        self.rewrite.is_some()
    }

    /// Seconds the running rewrite has taken, -1 when none runs.
    pub fn rewrite_running_secs(&self) -> i64 {
        self.rewrite
            .as_ref()
            .map_or(-1, |r| r.started.elapsed().as_secs() as i64)
    }

    /// The log's size now and when it was last rewritten (`aof_current_size`,
    /// `aof_base_size`).
    pub fn sizes(&self) -> (u64, u64) {
        (self.incr_size, self.size_at_rewrite)
    }

    /// The buffer's memory (`mem_aof_buffer`).
    pub fn buffer_memory(&self) -> usize {
        self.buf.capacity()
    }

    /// Bytes waiting to be written (`aof_buffer_length`).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }
}

fn dir(server: &Server) -> PathBuf {
    PathBuf::from(&server.config.settings.aof_dirname)
}

fn manifest_name(server: &Server) -> String {
    format!("{}.manifest", server.config.settings.aof_filename)
}

/// Append one command in RESP form.
pub fn encode<A: AsRef<[u8]>>(out: &mut Vec<u8>, argv: &[A]) {
    out.push(b'*');
    out.extend_from_slice(argv.len().to_string().as_bytes());
    out.extend_from_slice(b"\r\n");
    for arg in argv {
        let arg = arg.as_ref();
        out.push(b'$');
        out.extend_from_slice(arg.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

/// Append one command, preceded by a SELECT when it is for another database than the last
/// one (`selected`, `None` before the first).
fn feed(out: &mut Vec<u8>, selected: &mut Option<usize>, db: usize, argv: &[Vec<u8>]) {
    if *selected != Some(db) {
        encode(out, &[b"SELECT".to_vec(), db.to_string().into_bytes()]);
        *selected = Some(db);
    }
    encode(out, argv);
}

/// One command a change is propagated as.
pub struct Propagated {
    pub db: usize,
    pub argv: Vec<Vec<u8>>,
    /// Logged in the append-only file too; false for what only replicas get (PUBLISH).
    pub to_aof: bool,
}

/// Append what one command changed: its commands, in MULTI/EXEC when there are more than one
/// and `transaction` allows it (`propagatePendingCommands`). The stream the append-only file
/// (the commands `to_aof`) and the replicas (all of them) get.
pub fn encode_changes<'a>(
    out: &mut Vec<u8>,
    selected: &mut Option<usize>,
    ops: impl Iterator<Item = &'a Propagated> + Clone,
    transaction: bool,
) {
    let Some(first) = ops.clone().next() else {
        return;
    };
    let wrap = transaction && ops.clone().nth(1).is_some();
    if wrap {
        feed(out, selected, first.db, &[b"MULTI".to_vec()]);
    }
    for op in ops {
        feed(out, selected, op.db, &op.argv);
    }
    if wrap {
        encode(out, &[b"EXEC".to_vec()]);
    }
}

/// Collect what a command (or the periodic task) changed: keys expiry and eviction deleted,
/// then the command's own effect.
pub fn note_command(
    server: &mut Server,
    db: usize,
    changed: bool,
    argv: &[&[u8]],
    client: &mut crate::client::Client,
) {
    note_deletions(server);
    let replacement = client.propagate_as.take();
    let forced = std::mem::take(&mut client.force_replication);
    if !(changed || forced) || !server.propagating() {
        return;
    }
    // A command that changed nothing but must reach the replicas (PUBLISH) is not logged.
    let to_aof = changed;
    match replacement {
        Some(commands) => {
            for c in commands {
                queue(server, db, c, to_aof);
            }
        }
        None => queue(
            server,
            db,
            argv.iter().map(|a| a.to_vec()).collect(),
            to_aof,
        ),
    }
}

/// Add a command to what the running command propagates.
fn queue(server: &mut Server, db: usize, argv: Vec<Vec<u8>>, to_aof: bool) {
    server.propagate.push(Propagated { db, argv, to_aof });
}

/// Keys expiry or eviction deleted, as DELs to log.
pub fn note_deletions(server: &mut Server) {
    if server.keyspace.deletions.is_empty() {
        // The usual case, checked without taking the list.
        return;
    }
    for (db, key) in std::mem::take(&mut server.keyspace.deletions) {
        if server.propagating() {
            queue(server, db, vec![b"DEL".to_vec(), key], true);
        }
    }
}

/// At the end of a command from a client (or of the periodic task): log what it changed and
/// send it to the replicas, as one transaction when `transaction` (a command's effects)
/// and more than one command; the keys the periodic task expired or evicted, and those a
/// command that touches arbitrary keys expired on its way, go one by one. `transaction` is
/// asked only when something is to be propagated.
pub fn propagate_pending(server: &mut Server, transaction: impl FnOnce() -> bool) {
    note_deletions(server);
    if server.propagate.is_empty() {
        return;
    }
    let transaction = transaction();
    let ops = std::mem::take(&mut server.propagate);
    if server.aof.on {
        let timestamps = server.config.settings.aof_timestamps;
        let now = server.keyspace.now_ms / 1000;
        let aof = &mut server.aof;
        // A `#TS:<unix time>` line before the first change of each second, when enabled.
        if timestamps && aof.last_timestamp < now {
            aof.buf
                .extend_from_slice(format!("#TS:{now}\r\n").as_bytes());
            aof.last_timestamp = now;
        }
        let logged = ops.iter().filter(|op| op.to_aof);
        encode_changes(&mut aof.buf, &mut aof.selected_db, logged, transaction);
    }
    crate::replication::feed(server, &ops, transaction);
}

/// Write the waiting commands (before any reply goes out), syncing them at once under
/// `appendfsync always`.
pub fn flush(server: &mut Server) {
    let aof = &mut server.aof;
    if aof.buf.is_empty() {
        return;
    }
    let Some(file) = aof.file.as_mut() else {
        aof.buf.clear();
        return;
    };
    if aof.flush_sleep_us > 0 {
        std::thread::sleep(std::time::Duration::from_micros(aof.flush_sleep_us));
    }
    let written = file.write_all(&aof.buf);
    let always = server.config.settings.aof_fsync == "always";
    let synced = match written {
        Ok(()) if always => file.sync_data(),
        other => other,
    };
    match synced {
        Ok(()) => {
            aof.incr_size += aof.buf.len() as u64;
            aof.buf.clear();
            aof.unsynced = !always;
            if always {
                aof.last_fsync = Some(Instant::now());
            }
            if !aof.last_write_ok {
                aof.last_write_ok = true;
                server.log_warning("AOF write error looks solved, Redis can write again.");
            }
        }
        Err(e) => {
            aof.last_write_ok = false;
            let text = crate::util::strerror(&e);
            if always {
                // Replies must not go out for writes that are not on disk.
                server.log_warning(&format!(
                    "Can't recover from AOF write error when the AOF fsync policy is 'always'. Exiting... ({text})"
                ));
                std::process::exit(1);
            }
            server.log_warning(&format!("Error writing to the AOF file: {text}"));
        }
    }
}

/// The periodic task's part: `everysec` syncs, a finished rewrite, an automatic rewrite.
pub fn cron(server: &mut Server) {
    // A rewrite may run with the file off too (BGREWRITEAOF under `appendonly no`): its
    // child is reaped either way.
    if let Some(info) = server.aof.rewrite.as_mut().and_then(|r| r.info.as_mut()) {
        info.receive();
    }
    if let Some(done) = server.aof.rewrite.as_ref().and_then(|r| r.child.try_wait()) {
        if let Some(info) = server.aof.rewrite.as_mut().and_then(|r| r.info.as_mut()) {
            server.aof.last_cow_size = info.final_cow();
        }
        finish_rewrite(server, done);
    }
    if !server.aof.on {
        // A rewrite scheduled (inside a transaction, or while a snapshot ran) starts once
        // nothing else runs, the file on or off.
        if server.aof.rewrite_scheduled
            && server.aof.rewrite.is_none()
            && server.rdb.child.is_none()
            && !rewrite_limited(server)
        {
            let _ = rewrite_background(server);
        }
        return;
    }
    if server.aof.unsynced && server.config.settings.aof_fsync == "everysec" {
        let due = server
            .aof
            .last_fsync
            .is_none_or(|t| t.elapsed().as_millis() >= 1000);
        if due {
            if let Some(file) = server.aof.file.as_ref() {
                let _ = file.sync_data();
            }
            server.aof.unsynced = false;
            server.aof.last_fsync = Some(Instant::now());
        }
    }
    if server.aof.rewrite.is_none() && server.rdb.child.is_none() {
        let s = &server.config.settings;
        let base = server.aof.size_at_rewrite.max(1);
        let growth = server.aof.incr_size.saturating_mul(100) / base;
        let automatic = s.auto_aof_rewrite_percentage > 0
            && server.aof.incr_size >= s.auto_aof_rewrite_min_size
            && growth >= s.auto_aof_rewrite_percentage;
        if (server.aof.rewrite_scheduled || automatic) && !rewrite_limited(server) {
            if automatic {
                server.log_notice(&format!(
                    "Starting automatic rewriting of AOF on {growth}% growth"
                ));
            }
            let _ = rewrite_background(server);
        }
    }
}

/// A single `appendonly.aof` left by a Redis before 7.0 (in the data directory, with no
/// append-only folder or no manifest in it, or a manifest naming it alone as the base from an
/// upgrade cut short before the move) becomes the folder's base file, with a manifest naming
/// it, as Redis's `aofUpgradePrepare` does; the load then reads it.
fn upgrade_old_file(server: &mut Server, dir: &Path) -> Result<(), String> {
    let name = server.config.settings.aof_filename.clone();
    let old = PathBuf::from(&name);
    if !old.is_file() {
        return Ok(());
    }
    if let Ok(text) = std::fs::read_to_string(dir.join(manifest_name(server))) {
        let interrupted = Manifest::parse(&text)
            .is_ok_and(|m| m.incr.is_empty() && m.base.is_some_and(|b| b.name == name))
            && !dir.join(&name).exists();
        if !interrupted {
            return Ok(());
        }
    }
    std::fs::create_dir_all(dir).map_err(|e| {
        format!(
            "Can't open or create append-only dir {}: {}",
            dir.display(),
            crate::util::strerror(&e)
        )
    })?;
    server.aof.manifest.base = Some(FileInfo {
        name: name.clone(),
        seq: 1,
        kind: 'b',
    });
    server.aof.manifest.base_seq = 1;
    persist_manifest(server).map_err(|e| crate::util::strerror(&e))?;
    std::fs::rename(&old, dir.join(&name)).map_err(|e| {
        format!(
            "Error trying to move the old AOF file {name} into dir {}: {}",
            dir.display(),
            crate::util::strerror(&e)
        )
    })?;
    server.log_notice(&format!(
        "Successfully migrated an old-style AOF file ({name}) into the AOF directory ({}).",
        dir.display()
    ));
    Ok(())
}

fn persist_manifest(server: &Server) -> std::io::Result<()> {
    let dir = dir(server);
    let temp = dir.join(format!("temp-{}", manifest_name(server)));
    let mut file = File::create(&temp)?;
    file.write_all(server.aof.manifest.to_text().as_bytes())?;
    file.sync_all()?;
    std::fs::rename(&temp, dir.join(manifest_name(server)))
}

/// The temporary incremental file of a log just turned on (`temp-<appendfilename>.incr`).
fn temp_incr_name(server: &Server) -> String {
    format!("temp-{}.incr", server.config.settings.aof_filename)
}

/// Log to the temporary incremental file (emptied first) until the first rewrite ends.
fn open_temp_incr(server: &mut Server) -> std::io::Result<()> {
    let file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(dir(server).join(temp_incr_name(server)))?;
    if let Some(old) = server.aof.file.replace(file) {
        let _ = old.sync_data();
    }
    server.aof.selected_db = None;
    server.aof.incr_size = 0;
    Ok(())
}

/// Whether automatic and scheduled rewrites wait after repeated failures
/// (`aofRewriteLimited`): from the third failure in a row, 1 minute, then 2, 4, ... up to an
/// hour; `BGREWRITEAOF` is not held.
fn rewrite_limited(server: &mut Server) -> bool {
    let aof = &mut server.aof;
    if aof.rewrite_failures_in_a_row < 3 {
        aof.limit_delay_minutes = 0;
        aof.limit_until_unix = 0;
        return false;
    }
    let now = crate::db::now_ms() / 1000;
    if aof.limit_until_unix != 0 {
        if now < aof.limit_until_unix {
            return true;
        }
        aof.limit_until_unix = 0;
        return false;
    }
    aof.limit_delay_minutes = if aof.limit_delay_minutes == 0 {
        1
    } else {
        (aof.limit_delay_minutes * 2).min(60)
    };
    aof.limit_until_unix = now + aof.limit_delay_minutes * 60;
    let minutes = aof.limit_delay_minutes;
    server.log_warning(&format!(
        "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {minutes} minutes"
    ));
    true
}

/// Start a new incremental file and log to it from now on.
fn open_new_incr(server: &mut Server) -> std::io::Result<()> {
    flush(server);
    let seq = server.aof.manifest.incr_seq + 1;
    let name = format!("{}.{seq}.incr.aof", server.config.settings.aof_filename);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir(server).join(&name))?;
    let manifest = &mut server.aof.manifest;
    manifest.incr_seq = seq;
    manifest.incr.push(FileInfo {
        name,
        seq,
        kind: 'i',
    });
    persist_manifest(server)?;
    if let Some(old) = server.aof.file.take() {
        let _ = old.sync_data();
    }
    server.aof.file = Some(file);
    server.aof.selected_db = None;
    server.aof.incr_size = 0;
    Ok(())
}

/// The name of base file number `seq`: `.rdb` for a snapshot, `.aof` for commands.
fn base_name(server: &Server, seq: u64, rdb_base: bool) -> String {
    let suffix = if rdb_base { "rdb" } else { "aof" };
    format!(
        "{}.{seq}.base.{suffix}",
        server.config.settings.aof_filename
    )
}

/// Write the dataset as a base file at `path`: an RDB snapshot marked `aof-base`, or with
/// `rdb_base` false the commands that rebuild it.
fn write_base(
    server: &Server,
    path: &Path,
    rdb_base: bool,
    progress: Option<&std::cell::RefCell<crate::child_info::Reporter>>,
) -> std::io::Result<()> {
    let written = write_base_file(server, path, rdb_base, progress);
    crate::child_info::Reporter::finish_lent(progress);
    written
}

/// [`write_base`]'s file: commands, or an RDB snapshot (whose keys are reported).
fn write_base_file(
    server: &Server,
    path: &Path,
    rdb_base: bool,
    progress: Option<&std::cell::RefCell<crate::child_info::Reporter>>,
) -> std::io::Result<()> {
    if !rdb_base {
        let mut writer = std::io::BufWriter::new(File::create(path)?);
        crate::aof_rewrite::write_commands(server, &mut writer)?;
        let file = writer.into_inner().map_err(|e| e.into_error())?;
        return file.sync_all();
    }
    let records = crate::persist::function_records(
        &server.function_codes,
        server.config.settings.rdb_compression,
    );
    let input = crate::rdb::snapshot::SaveInput {
        progress,
        dbs: &server.keyspace.dbs,
        function_records: &records,
        options: crate::persist::save_options(server),
        checksum: server.config.settings.rdb_checksum,
        used_memory: server.used_memory(),
        aof_base: true,
        replication: None,
        key_save_delay: server.config.settings.rdb_key_save_delay,
    };
    let mut writer = std::io::BufWriter::new(File::create(path)?);
    crate::rdb::snapshot::write_to(&input, &mut writer)?;
    let file = writer.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()
}

/// `BGREWRITEAOF`: a new incremental file now, the new base from a child.
pub fn rewrite_background(server: &mut Server) -> Result<(), String> {
    if server.aof.rewrite.is_some() {
        return Err("Background append only file rewriting already in progress".into());
    }
    server.aof.rewrite_scheduled = false;
    std::fs::create_dir_all(dir(server)).map_err(|e| crate::util::strerror(&e))?;
    let temp_incr = server.aof.on && server.aof.waiting_first_rewrite;
    if temp_incr {
        open_temp_incr(server).map_err(|e| crate::util::strerror(&e))?;
    } else if server.aof.on {
        open_new_incr(server).map_err(|e| crate::util::strerror(&e))?;
    }
    let temp = dir(server).join(format!("temp-rewriteaof-bg-{}.aof", std::process::id()));
    let rdb_base = server.config.settings.aof_use_rdb_preamble;
    let path = temp.clone();
    let (child, listener) = crate::persist::fork_snapshot(
        server,
        "redis-aof-rewrite",
        &[],
        move |snapshot_of, progress| write_base(snapshot_of, &path, rdb_base, progress).is_ok(),
    )
    .map_err(|e| {
        format!(
            "Can't rewrite append only file in background: fork: {}",
            crate::util::strerror(&e)
        )
    })?;
    server.log_notice(&format!(
        "Background append only file rewriting started by pid {}",
        child.pid()
    ));
    let kept_incr = server.aof.on && !temp_incr;
    server.aof.rewrites += 1;
    server.aof.rewrite = Some(Rewrite {
        child,
        temp,
        started: Instant::now(),
        kept_incr,
        rdb_base,
        temp_incr,
        info: listener,
    });
    server.update_resize_policy();
    Ok(())
}

/// The child finished: on success the new base and the incremental file opened at the start
/// become the whole log, and the older files are deleted.
fn finish_rewrite(server: &mut Server, ok: bool) {
    let Some(rewrite) = server.aof.rewrite.take() else {
        return;
    };
    server.aof.last_rewrite_secs = rewrite.started.elapsed().as_secs() as i64;
    if !ok {
        let _ = std::fs::remove_file(&rewrite.temp);
        server.aof.rewrite_failures_in_a_row += 1;
        server.aof.last_rewrite_ok = false;
        server.log_warning("Background AOF rewrite terminated with error");
        if rewrite.temp_incr {
            // What the temporary file held is dropped; the next rewrite starts afresh.
            server.aof.file = None;
            server.aof.buf.clear();
            let name = temp_incr_name(server);
            server.log_notice(&format!(
                "Removing the temp incr aof file {name} in the background"
            ));
            let _ = std::fs::remove_file(dir(server).join(name));
            server.aof.rewrite_scheduled = true;
        }
        return;
    }
    // With the log just turned on, the temporary file becomes its incremental file.
    let mut new_incr = None;
    if rewrite.temp_incr {
        flush(server);
        let seq = server.aof.manifest.incr_seq + 1;
        let name = format!("{}.{seq}.incr.aof", server.config.settings.aof_filename);
        let temp_name = temp_incr_name(server);
        match std::fs::rename(dir(server).join(&temp_name), dir(server).join(&name)) {
            Ok(()) => {
                server.log_notice(&format!(
                    "Successfully renamed the temporary AOF incr file {temp_name} into {name}"
                ));
                server.aof.manifest.incr_seq = seq;
                new_incr = Some(FileInfo {
                    name,
                    seq,
                    kind: 'i',
                });
                server.aof.waiting_first_rewrite = false;
            }
            Err(e) => {
                let _ = std::fs::remove_file(&rewrite.temp);
                server.aof.rewrite_failures_in_a_row += 1;
                server.aof.last_rewrite_ok = false;
                server.log_warning(&format!(
                    "Error trying to rename the temporary AOF incr file {temp_name} into {name}: {}",
                    crate::util::strerror(&e)
                ));
                return;
            }
        }
    }
    let result = (|| -> std::io::Result<()> {
        let seq = server.aof.manifest.base_seq + 1;
        let name = base_name(server, seq, rewrite.rdb_base);
        std::fs::rename(&rewrite.temp, dir(server).join(&name))?;
        let manifest = &mut server.aof.manifest;
        let mut old: Vec<FileInfo> = manifest.base.take().into_iter().collect();
        // Every incremental file but the last (opened when the rewrite began) is now history.
        let keep = if rewrite.kept_incr {
            manifest.incr.pop()
        } else {
            None
        };
        old.append(&mut manifest.incr);
        manifest.incr.extend(keep);
        manifest.incr.extend(new_incr);
        manifest.base = Some(FileInfo {
            name,
            seq,
            kind: 'b',
        });
        manifest.base_seq = seq;
        // The old files become history (each put first, the base before its increments),
        // deleted at once unless `aof-disable-auto-gc` keeps them.
        for mut info in old {
            info.kind = 'h';
            manifest.history.insert(0, info);
        }
        persist_manifest(server)?;
        if server.config.get("aof-disable-auto-gc") != Some("yes") {
            delete_history(server)?;
        }
        Ok(())
    })();
    match result {
        Ok(()) => {
            server.aof.last_rewrite_ok = true;
            server.aof.rewrite_failures_in_a_row = 0;
            server.aof.size_at_rewrite = server.aof.incr_size.max(1);
            server.log_notice(&format!(
                "Background AOF rewrite finished successfully ({} ms)",
                rewrite.started.elapsed().as_millis()
            ));
        }
        Err(e) => {
            server.aof.last_rewrite_ok = false;
            server.aof.rewrite_failures_in_a_row += 1;
            server.log_warning(&format!(
                "Error trying to install the rewritten AOF: {}",
                crate::util::strerror(&e)
            ));
        }
    }
}

/// Delete the history files the manifest lists, and drop them from it (`aofDelHistoryFiles`;
/// also when `aof-disable-auto-gc` is turned off).
pub fn delete_history(server: &mut Server) -> std::io::Result<()> {
    if server.aof.manifest.history.is_empty() {
        return Ok(());
    }
    let history = std::mem::take(&mut server.aof.manifest.history);
    persist_manifest(server)?;
    for info in history {
        let _ = std::fs::remove_file(dir(server).join(info.name));
    }
    Ok(())
}

/// Stop a rewrite in progress (AOF turned off, shutdown).
pub fn kill_rewrite(server: &mut Server) {
    if let Some(rewrite) = server.aof.rewrite.take() {
        rewrite.child.kill();
        let _ = std::fs::remove_file(&rewrite.temp);
    }
}

/// `DEBUG LOADAOF`: write out what is buffered, empty the dataset and the libraries, and
/// load them back from the files the manifest on disk names.
pub fn reload(server: &mut Server, runtime: &mut redis_runtime::Runtime) -> Result<(), String> {
    if server.aof.on {
        flush(server);
        if let Some(file) = server.aof.file.as_mut() {
            let _ = file.sync_data();
        }
    }
    server.keyspace.flush_all();
    runtime.functions_mut().flush();
    crate::persist::refresh_function_codes(server, runtime);
    match std::fs::read_to_string(dir(server).join(manifest_name(server))) {
        Ok(text) => server.aof.manifest = Manifest::parse(&text)?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(crate::util::strerror(&e)),
    }
    let loaded = crate::aof_load::load_files(server, runtime);
    crate::persist::refresh_function_codes(server, runtime);
    loaded?;
    // What was loaded is what the files hold: nothing to save or propagate.
    server.keyspace.dirty = 0;
    Ok(())
}

/// At start with `appendonly yes`: load the log if there is one, else create its base from
/// the (empty) dataset; then open the last incremental file for appending.
pub fn start(server: &mut Server, runtime: &mut redis_runtime::Runtime) -> Result<(), String> {
    let dir = dir(server);
    upgrade_old_file(server, &dir)?;
    std::fs::create_dir_all(&dir).map_err(|e| {
        format!(
            "Can't open or create append-only dir {}: {}",
            dir.display(),
            crate::util::strerror(&e)
        )
    })?;
    match std::fs::read_to_string(dir.join(manifest_name(server))) {
        Ok(text) => {
            server.aof.manifest = Manifest::parse(&text)?;
            crate::aof_load::load_files(server, runtime)?;
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let rdb_base = server.config.settings.aof_use_rdb_preamble;
            let name = base_name(server, 1, rdb_base);
            write_base(server, &dir.join(&name), rdb_base, None)
                .map_err(|e| crate::util::strerror(&e))?;
            server.aof.manifest.base = Some(FileInfo {
                name: name.clone(),
                seq: 1,
                kind: 'b',
            });
            server.aof.manifest.base_seq = 1;
            server.log_notice(&format!("Creating AOF base file {name} on server start"));
        }
        Err(e) => return Err(crate::util::strerror(&e)),
    }
    // Append to the last incremental file, or start one.
    match server.aof.manifest.incr.last().map(|i| i.name.clone()) {
        Some(name) => {
            let file = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(dir.join(&name))
                .map_err(|e| {
                    format!(
                        "Can't open the append-only file {name}: {}",
                        crate::util::strerror(&e)
                    )
                })?;
            server.aof.incr_size = file.metadata().map(|m| m.len()).unwrap_or(0);
            server.aof.file = Some(file);
            persist_manifest(server).map_err(|e| crate::util::strerror(&e))?;
        }
        None => open_new_incr(server).map_err(|e| crate::util::strerror(&e))?,
    }
    server.aof.size_at_rewrite = server.aof.incr_size.max(1);
    server.aof.last_rewrite_ok = true;
    server.aof.last_write_ok = true;
    switch_on(server);
    Ok(())
}

fn switch_on(server: &mut Server) {
    server.aof.on = true;
    server.aof.selected_db = None;
    server.propagation_changed();
}

/// `CONFIG SET appendonly yes` on a running server: a rewrite writes the base of what is there
/// and logging starts at once into a new incremental file.
pub fn turn_on(server: &mut Server, in_exec: bool) -> Result<(), String> {
    if server.aof.on {
        return Ok(());
    }
    std::fs::create_dir_all(dir(server)).map_err(|e| crate::util::strerror(&e))?;
    if let Ok(text) = std::fs::read_to_string(dir(server).join(manifest_name(server))) {
        server.aof.manifest = Manifest::parse(&text).unwrap_or_default();
    }
    switch_on(server);
    server.aof.waiting_first_rewrite = true;
    server.aof.last_rewrite_ok = true;
    server.aof.last_write_ok = true;
    // Not while a snapshot is written, nor inside a transaction: the periodic task starts
    // it (`startAppendOnly`); until then nothing is logged.
    if server.rdb.child.is_some() {
        server.aof.rewrite_scheduled = true;
        server.log_warning("AOF was enabled but there is already another background operation. An AOF background was scheduled to start when possible.");
        return Ok(());
    }
    if in_exec {
        server.aof.rewrite_scheduled = true;
        server.log_warning("AOF was enabled during a transaction. An AOF background was scheduled to start when possible.");
        return Ok(());
    }
    if let Err(e) = rewrite_background(server) {
        server.aof.on = false;
        server.propagation_changed();
        return Err(e);
    }
    Ok(())
}

/// `CONFIG SET appendonly no`: write what is waiting, sync, and stop logging.
pub fn turn_off(server: &mut Server) {
    if !server.aof.on {
        return;
    }
    flush(server);
    kill_rewrite(server);
    server.aof.waiting_first_rewrite = false;
    server.aof.rewrite_scheduled = false;
    if let Some(file) = server.aof.file.take() {
        let _ = file.sync_all();
    }
    server.aof.on = false;
    server.propagation_changed();
}

/// Before the server stops: everything logged is on disk.
pub fn shutdown(server: &mut Server) {
    if server.aof.on {
        flush(server);
        if server.aof.rewrite.is_some() {
            server.log_warning("There is a child rewriting the AOF. Killing it!");
        }
        kill_rewrite(server);
        if let Some(file) = server.aof.file.as_ref() {
            let _ = file.sync_all();
        }
    }
}

/// The running rewrite's child reports, if one runs.
pub fn child_info(server: &Server) -> Option<&crate::child_info::Listener> {
    server.aof.rewrite.as_ref().and_then(|r| r.info.as_ref())
}

/// Whether the rewrite that makes a just-enabled append-only file's first base is running
/// (Redis's `AOF_WAIT_REWRITE` with its child alive).
pub fn writing_first_rewrite(server: &Server) -> bool {
    server.aof.on && server.aof.waiting_first_rewrite && server.aof.rewrite.is_some()
}

/// The files to load, in order: the base (if any) then the incremental files.
pub(crate) fn files_to_load(server: &Server) -> Vec<(PathBuf, bool)> {
    let dir = dir(server);
    let m = &server.aof.manifest;
    m.base
        .iter()
        .map(|b| (dir.join(&b.name), true))
        .chain(m.incr.iter().map(|i| (dir.join(&i.name), false)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifest_round_trips() {
        let text = "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\nfile appendonly.aof.2.incr.aof seq 2 type i\n";
        let m = Manifest::parse(text).expect("parses");
        assert_eq!(m.to_text(), text);
        assert_eq!(m.incr_seq, 2);
        assert_eq!(m.base_seq, 1);
    }

    #[test]
    fn names_with_spaces_are_quoted_as_redis_quotes_them() {
        let text =
            "file \"my aof.1.base.rdb\" seq 1 type b\nfile 'my aof.1.incr.aof' seq 1 type i\n";
        let m = Manifest::parse(text).expect("parses");
        assert_eq!(
            m.base.as_ref().map(|b| b.name.as_str()),
            Some("my aof.1.base.rdb")
        );
        assert_eq!(m.incr[0].name, "my aof.1.incr.aof");
        assert_eq!(
            m.to_text(),
            "file \"my aof.1.base.rdb\" seq 1 type b\nfile \"my aof.1.incr.aof\" seq 1 type i\n"
        );
        assert!(Manifest::parse("file \"unclosed seq 1 type b\n").is_err());
    }

    #[test]
    fn bad_manifests_are_refused() {
        for bad in [
            "",
            "file a seq 1 type x\n",
            "file ../etc/passwd seq 1 type b\n",
            "file a seq 2 type i\nfile b seq 1 type i\n",
            "file a seq one type b\n",
            "file a seq 1 type b\nfile b seq 2 type b\n",
        ] {
            assert!(Manifest::parse(bad).is_err(), "{bad:?}");
        }
        // Redis's reasons, each for its kind of damage.
        let long = format!("file {} seq 1 type b\n", "a".repeat(1100));
        for (bad, reason) in [
            ("", "Found an empty AOF manifest"),
            (
                "file a seq 1 type b",
                "The AOF manifest file contains too long line",
            ),
            (
                long.as_str(),
                "The AOF manifest file contains too long line",
            ),
            (
                "file a seq 1 type b\n\n",
                "Invalid AOF manifest file format",
            ),
            ("file a seq 1\n", "Invalid AOF manifest file format"),
            (
                "file a seq 1 type b x\n",
                "Invalid AOF manifest file format",
            ),
            ("filx a seq 1 type b\n", "Invalid AOF manifest file format"),
            (
                "file a/b seq 1 type b\n",
                "File can't be a path, just a filename",
            ),
        ] {
            assert_eq!(
                Manifest::parse(bad).err().as_deref(),
                Some(reason),
                "{bad:?}"
            );
        }
        // Comments are skipped.
        assert!(Manifest::parse("# note\nfile a seq 1 type b\n").is_ok());
    }
}

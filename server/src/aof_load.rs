//! Loading the append-only file at start (`loadAppendOnlyFiles`): the base (an RDB snapshot or
//! commands), then each incremental file's commands, run through the ordinary command path on
//! a client of its own (blocking commands never block there).
//!
//! A last incremental file cut short (a crash in the middle of a write) is truncated back to
//! its last whole command when `aof-load-truncated` is on, as Redis does, and to before an
//! unfinished MULTI; anything else malformed stops the start with an error.

use crate::client::Client;
use crate::commands::Ctx;
use crate::server::Server;
use std::path::Path;

/// Arguments of one command, and where it ends; `Ok(None)` when the data ends inside it.
type Parsed<'a> = Result<Option<(Vec<&'a [u8]>, usize)>, ()>;

/// Longest argument count and argument a log may hold (Redis's limits for clients).
const MAX_ARGS: usize = 1024 * 1024;

fn number(data: &[u8], pos: usize, tag: u8) -> Result<Option<(usize, usize)>, ()> {
    let Some(&first) = data.get(pos) else {
        return Ok(None);
    };
    if first != tag {
        return Err(());
    }
    let Some(end) = data[pos..].windows(2).position(|w| w == b"\r\n") else {
        return if data.len() - pos > 24 {
            Err(())
        } else {
            Ok(None)
        };
    };
    let text = std::str::from_utf8(&data[pos + 1..pos + end]).map_err(|_| ())?;
    let n: usize = text.parse().map_err(|_| ())?;
    Ok(Some((n, pos + end + 2)))
}

/// The command at `pos`.
fn parse_command(data: &[u8], pos: usize, max_bulk: usize) -> Parsed<'_> {
    let Some((argc, mut at)) = number(data, pos, b'*')? else {
        return Ok(None);
    };
    if argc == 0 || argc > MAX_ARGS {
        return Err(());
    }
    let mut argv = Vec::with_capacity(argc.min(64));
    for _ in 0..argc {
        let Some((len, start)) = number(data, at, b'$')? else {
            return Ok(None);
        };
        if len > max_bulk {
            return Err(());
        }
        let end = start + len;
        if data.len() < end + 2 {
            return Ok(None);
        }
        if &data[end..end + 2] != b"\r\n" {
            return Err(());
        }
        argv.push(&data[start..end]);
        at = end + 2;
    }
    Ok(Some((argv, at)))
}

/// Load every file the manifest names. While it loads, keys keep the times the log gives
/// them, past or not, and are not expired (as Redis while `loading`): the log's later
/// commands act on them as they did when it was written.
pub fn load_files(server: &mut Server, runtime: &mut redis_runtime::Runtime) -> Result<(), String> {
    server.keyspace.loading = true;
    // Clients served meanwhile (a slow script in the log) are answered `-LOADING`.
    let total_bytes = crate::aof::files_to_load(server)
        .iter()
        .filter_map(|(path, _)| std::fs::metadata(path).ok())
        .map(|m| m.len())
        .sum();
    server.loading = Some(crate::server::Loading {
        start_unix: crate::db::now_ms() / 1000,
        total_bytes,
        loaded_bytes: 0,
        rdb_used_mem: 0,
        asynchronous: false,
    });
    let result = load_each(server, runtime);
    server.loading = None;
    server.keyspace.loading = false;
    result
}

fn load_each(server: &mut Server, runtime: &mut redis_runtime::Runtime) -> Result<(), String> {
    let files = crate::aof::files_to_load(server);
    let started = std::time::Instant::now();
    let count = files.len();
    for (index, (path, is_base)) in files.into_iter().enumerate() {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let data = match std::fs::read(&path) {
            Ok(data) => data,
            // A last incremental file not created yet holds nothing.
            Err(e)
                if e.kind() == std::io::ErrorKind::NotFound && !is_base && index + 1 == count =>
            {
                continue
            }
            Err(e) => {
                return Err(format!(
                    "Append only file {name} doesn't exist or can't be read: {}",
                    crate::util::strerror(&e)
                ))
            }
        };
        if is_base && data.starts_with(b"REDIS") {
            let limits = server.config.settings.encoding;
            // Keys of a base file load as they are, expired or not: the log that follows
            // deletes them as it did.
            let loaded =
                crate::rdb::load::load(&data, server.keyspace.dbs.len(), &limits, i64::MIN)?;
            let consumed = loaded.consumed;
            let mode = crate::persist::LoadMode {
                flush: false,
                merge: false,
            };
            crate::persist::install(server, runtime, loaded, mode)?;
            // A file from before 7.0 (an RDB preamble, then the log): the commands after it.
            if consumed < data.len() {
                run_commands(server, runtime, &path, &data, consumed, index + 1 == count)?;
            }
        } else {
            run_commands(server, runtime, &path, &data, 0, index + 1 == count)?;
        }
        server.log_notice(&format!(
            "DB loaded from {} file {name}",
            if is_base { "base" } else { "incr" }
        ));
    }
    server.log_notice(&format!(
        "DB loaded from append only file: {:.3} seconds",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}

fn run_commands(
    server: &mut Server,
    runtime: &mut redis_runtime::Runtime,
    path: &Path,
    data: &[u8],
    start: usize,
    is_last: bool,
) -> Result<(), String> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let bad_format = || {
        format!(
            "Bad file format reading the append only file {name}: make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>"
        )
    };
    let max_bulk =
        usize::try_from(server.config.settings.proto_max_bulk_len.max(0)).unwrap_or(usize::MAX);
    let mut client = Client::new(0, String::new(), String::new(), true);
    client.deny_blocking = true;
    let mut pos = start;
    // Where the open MULTI began, to cut an unfinished transaction away.
    let mut multi_start: Option<usize> = None;
    while pos < data.len() {
        // An annotation line (`#TS:<unix time>`): skipped, as Redis does.
        if data[pos] == b'#' {
            match data[pos..].iter().position(|&b| b == b'\n') {
                Some(end) => {
                    pos += end + 1;
                    continue;
                }
                None => return truncated(server, path, &name, pos, is_last),
            }
        }
        let parsed = parse_command(data, pos, max_bulk).map_err(|()| bad_format())?;
        let Some((argv, next)) = parsed else {
            return truncated(server, path, &name, multi_start.unwrap_or(pos), is_last);
        };
        // A command this server does not know stops the load, as in Redis.
        if server.commands.lookup(&argv).is_err() {
            return Err(format!(
                "Unknown command '{}' reading the append only file {name}",
                String::from_utf8_lossy(argv[0])
            ));
        }
        if argv[0].eq_ignore_ascii_case(b"multi") {
            multi_start = Some(pos);
        } else if argv[0].eq_ignore_ascii_case(b"exec") {
            multi_start = None;
        }
        let mut ctx = Ctx {
            server: &mut *server,
            client: &mut client,
            runtime: Some(&mut *runtime),
        };
        crate::commands::process(&mut ctx, &argv);
        client.reply.buf.clear();
        pos = next;
    }
    match multi_start {
        Some(start) => truncated(server, path, &name, start, is_last),
        None => Ok(()),
    }
}

/// The file ends inside a command (or a transaction): cut it back to `valid_up_to` when that
/// is allowed, or fail.
fn truncated(
    server: &mut Server,
    path: &Path,
    name: &str,
    valid_up_to: usize,
    is_last: bool,
) -> Result<(), String> {
    server.log_warning(&format!(
        "!!! Warning: short read while loading the AOF file {name}!!!"
    ));
    if !is_last || !server.config.settings.aof_load_truncated {
        return Err(format!(
            "Unexpected end of file reading the append only file {name}. You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix <filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' configuration option to yes and restart the server."
        ));
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .open(path)
        .map_err(|e| crate::util::strerror(&e))?;
    file.set_len(valid_up_to as u64).map_err(|e| {
        format!(
            "Error truncating the AOF file {name}: {}",
            crate::util::strerror(&e)
        )
    })?;
    server.log_warning(&format!(
        "AOF {name} loaded anyway because aof-load-truncated is enabled"
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_parse_and_truncations_are_seen() {
        let data = b"*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n";
        let (argv, next) = parse_command(data, 0, 1 << 20).unwrap().unwrap();
        assert_eq!(argv, vec![&b"SELECT"[..], b"0"]);
        let (argv, end) = parse_command(data, next, 1 << 20).unwrap().unwrap();
        assert_eq!(argv.len(), 3);
        assert_eq!(end, data.len());
        for cut in next + 1..data.len() {
            assert_eq!(
                parse_command(&data[..cut], next, 1 << 20),
                Ok(None),
                "{cut}"
            );
        }
        assert_eq!(parse_command(b"+OK\r\n", 0, 1 << 20), Err(()));
        assert_eq!(parse_command(b"*1\r\n$3\r\nabcd\r\n", 0, 1 << 20), Err(()));
        assert_eq!(parse_command(b"*1\r\n$999999999\r\n", 0, 1 << 20), Err(()));
    }
}

//! MIGRATE: move keys to another server, as `DUMP` payloads sent in `RESTORE` commands over a
//! connection the command waits on, up to its timeout, as Redis does. Keys the target accepted
//! are deleted here unless `COPY`; what is propagated is a `DEL` of those. Connections are kept
//! for the next MIGRATE to the same target (Redis's `migrate_cached_sockets`), with the
//! database they last selected, and closed after ten idle seconds.

use super::{is, Ctx, Handler, SYNTAX};
use crate::db::notify::class;
use std::collections::HashMap;
use std::io::{BufReader, ErrorKind, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Most connections kept (`MIGRATE_SOCKET_CACHE_ITEMS`); past it one is dropped.
const CACHE_ITEMS: usize = 64;
/// Seconds a kept connection may stay unused (`MIGRATE_SOCKET_CACHE_TTL`).
const CACHE_TTL_SECS: i64 = 10;

/// A connection kept for the next MIGRATE to its target.
#[derive(Debug)]
pub struct CachedSocket {
    stream: TcpStream,
    /// The database the target has selected on it (-1: unknown, SELECT is sent).
    last_dbid: i64,
    /// Unix second of the last use.
    last_use: i64,
}

/// The kept connections, by `host:port` as the command named them.
pub type SocketCache = HashMap<Vec<u8>, CachedSocket>;

/// Close the connections unused for longer than the cache's time (the periodic task).
pub fn close_idle(cache: &mut SocketCache) {
    if cache.is_empty() {
        return;
    }
    let now = crate::db::now_ms() / 1000;
    cache.retain(|_, socket| now - socket.last_use <= CACHE_TTL_SECS);
}

pub const HANDLERS: &[(&str, Handler)] = &[("migrate", migrate)];

/// What the command line asks for besides host, port, database and timeout.
#[derive(Default)]
struct Options<'a> {
    copy: bool,
    replace: bool,
    username: Option<&'a [u8]>,
    password: Option<&'a [u8]>,
    /// Where the keys start: the key argument, or what follows `KEYS`.
    first_key: usize,
}

/// `MIGRATE host port key|"" destination-db timeout [COPY] [REPLACE] [AUTH password |
/// AUTH2 username password] [KEYS key...]`.
fn migrate(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(options) = parse_options(ctx, argv) else {
        return;
    };
    let Some(timeout) = super::int_arg(ctx, argv[5]) else {
        return;
    };
    let Some(dbid) = super::int_arg(ctx, argv[4]) else {
        return;
    };
    let timeout = Duration::from_millis(if timeout <= 0 { 1000 } else { timeout as u64 });
    let db = ctx.client.db;
    let keys: Vec<&[u8]> = argv[options.first_key..]
        .iter()
        .copied()
        .filter(|key| ctx.server.keyspace.read(db, key).is_some())
        .collect();
    if keys.is_empty() {
        ctx.client.reply.status(b"NOKEY");
        return;
    }
    let name = [argv[1], b":", argv[2]].concat();
    // A connection that failed before any reply came (a kept one the target may have closed)
    // is made again once, unless it timed out.
    let mut may_retry = true;
    loop {
        let mut sent_keys = Vec::new();
        let outcome = cached_socket(ctx, &name, argv[1], argv[2], timeout).and_then(|last_dbid| {
            let select = last_dbid != dbid;
            let requests;
            (requests, sent_keys) = build_requests(ctx, &options, select.then_some(dbid), &keys);
            match ctx.server.migrate_sockets.get(&name) {
                Some(cached) => {
                    transfer(&cached.stream, &requests, &options, select, sent_keys.len())
                }
                None => Err(Failure::Connect),
            }
        });
        match outcome {
            Err(Failure::Connect) => ctx
                .client
                .reply
                .error("IOERR error or timeout connecting to the client"),
            Err(Failure::Io { writing, retry }) => {
                ctx.server.migrate_sockets.remove(&name);
                if retry && may_retry {
                    may_retry = false;
                    continue;
                }
                let doing = if writing { "writing" } else { "reading" };
                ctx.client.reply.error(&format!(
                    "IOERR error or timeout {doing} to target instance"
                ));
            }
            Ok(replies) => {
                let target_failed = finish(ctx, &options, &sent_keys, &replies);
                if replies.broken {
                    ctx.server.migrate_sockets.remove(&name);
                } else if let Some(cached) = ctx.server.migrate_sockets.get_mut(&name) {
                    // After an error the target's database is not known any more.
                    cached.last_dbid = if target_failed { -1 } else { dbid };
                }
            }
        }
        return;
    }
}

/// The kept connection to `name` (made now if there is none), its read and write time limits
/// set to `timeout`: the database it last selected.
fn cached_socket(
    ctx: &mut Ctx,
    name: &[u8],
    host: &[u8],
    port: &[u8],
    timeout: Duration,
) -> Result<i64, Failure> {
    let now = crate::db::now_ms() / 1000;
    if let Some(cached) = ctx.server.migrate_sockets.get_mut(name) {
        cached.last_use = now;
        set_time_limits(&cached.stream, timeout).map_err(|_| Failure::Connect)?;
        return Ok(cached.last_dbid);
    }
    if ctx.server.migrate_sockets.len() >= CACHE_ITEMS {
        let pick = ctx.server.random() as usize % ctx.server.migrate_sockets.len();
        if let Some(victim) = ctx.server.migrate_sockets.keys().nth(pick).cloned() {
            ctx.server.migrate_sockets.remove(&victim);
        }
    }
    let stream = connect(host, port, timeout)?;
    set_time_limits(&stream, timeout).map_err(|_| Failure::Connect)?;
    let _ = stream.set_nodelay(true);
    ctx.server.migrate_sockets.insert(
        name.to_vec(),
        CachedSocket {
            stream,
            last_dbid: -1,
            last_use: now,
        },
    );
    Ok(-1)
}

fn set_time_limits(stream: &TcpStream, timeout: Duration) -> std::io::Result<()> {
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))
}

fn parse_options<'a>(ctx: &mut Ctx, argv: &[&'a [u8]]) -> Option<Options<'a>> {
    let mut options = Options {
        first_key: 3,
        ..Options::default()
    };
    let mut j = 6;
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if is(argv[j], "copy") {
            options.copy = true;
        } else if is(argv[j], "replace") {
            options.replace = true;
        } else if is(argv[j], "auth") && more >= 1 {
            ctx.redact(j + 1);
            options.password = Some(argv[j + 1]);
            j += 1;
        } else if is(argv[j], "auth2") && more >= 2 {
            ctx.redact(j + 1);
            ctx.redact(j + 2);
            options.username = Some(argv[j + 1]);
            options.password = Some(argv[j + 2]);
            j += 2;
        } else if is(argv[j], "keys") {
            if !argv[3].is_empty() {
                ctx.client.reply.error("ERR When using MIGRATE KEYS option, the key argument must be set to the empty string");
                return None;
            }
            options.first_key = j + 1;
            break;
        } else {
            ctx.client.reply.error(SYNTAX);
            return None;
        }
        j += 1;
    }
    Some(options)
}

/// The commands to send (AUTH, SELECT when `select` names a database, one RESTORE per key
/// still live) and the keys sent.
fn build_requests<'k>(
    ctx: &mut Ctx,
    options: &Options<'_>,
    select: Option<i64>,
    keys: &[&'k [u8]],
) -> (Vec<u8>, Vec<&'k [u8]>) {
    let mut out = Vec::new();
    if let Some(password) = options.password {
        let mut auth: Vec<&[u8]> = vec![b"AUTH"];
        auth.extend(options.username);
        auth.push(password);
        crate::aof::encode(&mut out, &auth);
    }
    if let Some(dbid) = select {
        crate::aof::encode(&mut out, &[b"SELECT", dbid.to_string().as_bytes()]);
    }
    let db = ctx.client.db;
    let now = ctx.server.keyspace.now_ms;
    let save_options = crate::persist::save_options(ctx.server);
    let mut sent = Vec::new();
    for &key in keys {
        let ttl = match ctx.server.keyspace.expire_time(db, key) {
            Some(when) if when < now => continue,
            Some(when) => (when - now).max(1),
            None => 0,
        };
        let Some(value) = ctx.server.keyspace.peek(db, key) else {
            continue;
        };
        let payload = super::persistence::dump_payload(value, &save_options);
        let ttl = ttl.to_string();
        let mut restore: Vec<&[u8]> = vec![b"RESTORE", key, ttl.as_bytes(), &payload];
        if options.replace {
            restore.push(b"REPLACE");
        }
        crate::aof::encode(&mut out, &restore);
        sent.push(key);
    }
    (out, sent)
}

enum Failure {
    /// No connection could be made.
    Connect,
    /// The connection failed or timed out while writing or reading; `retry` when no reply
    /// came back yet and it did not time out.
    Io { writing: bool, retry: bool },
}

/// The target's replies, one line each: AUTH's and SELECT's (if sent), then a RESTORE's per
/// key (fewer when the connection failed after some of them).
struct Replies {
    auth: Option<String>,
    select: Option<String>,
    restores: Vec<String>,
    /// The connection failed after the first replies.
    broken: bool,
}

fn transfer(
    mut stream: &TcpStream,
    requests: &[u8],
    options: &Options<'_>,
    select: bool,
    keys: usize,
) -> Result<Replies, Failure> {
    let io = |writing, e: std::io::Error| Failure::Io {
        writing,
        retry: !matches!(e.kind(), ErrorKind::TimedOut | ErrorKind::WouldBlock),
    };
    stream.write_all(requests).map_err(|e| io(true, e))?;
    let mut reader = BufReader::new(stream);
    let auth = match options.password {
        Some(_) => Some(read_line(&mut reader).map_err(|e| io(false, e))?),
        None => None,
    };
    let select = match select {
        true => Some(read_line(&mut reader).map_err(|e| io(false, e))?),
        false => None,
    };
    let mut restores = Vec::with_capacity(keys);
    for _ in 0..keys {
        match read_line(&mut reader) {
            Ok(line) => restores.push(line),
            Err(e) if restores.is_empty() => return Err(io(false, e)),
            Err(_) => break,
        }
    }
    let broken = restores.len() < keys;
    Ok(Replies {
        auth,
        select,
        restores,
        broken,
    })
}

/// Connect with the timeout. A refused connection shows as a failed write, as it does in
/// Redis (whose non-blocking connect reports only once it writes).
fn connect(host: &[u8], port: &[u8], timeout: Duration) -> Result<TcpStream, Failure> {
    let port: u16 = std::str::from_utf8(port)
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    let host = String::from_utf8_lossy(host).into_owned();
    let address = (host.as_str(), port)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or(Failure::Connect)?;
    let stream = match TcpStream::connect_timeout(&address, timeout) {
        Ok(stream) => stream,
        Err(e) if e.kind() == ErrorKind::ConnectionRefused => {
            return Err(Failure::Io {
                writing: true,
                retry: true,
            })
        }
        Err(_) => return Err(Failure::Connect),
    };
    Ok(stream)
}

/// One reply line (replies to AUTH, SELECT and RESTORE are status or error lines), bounded
/// as Redis's 1 KB line buffer is.
fn read_line(reader: &mut BufReader<&TcpStream>) -> std::io::Result<String> {
    crate::util::read_reply_line(reader, 1024)
}

/// Delete the keys the target took (unless COPY), then reply: OK, the target's first error,
/// or the I/O error that cut the replies short. Whether the target answered an error.
fn finish(ctx: &mut Ctx, options: &Options<'_>, keys: &[&[u8]], replies: &Replies) -> bool {
    let db = ctx.client.db;
    let earlier_error = replies
        .auth
        .iter()
        .chain(replies.select.iter())
        .find(|line| line.starts_with('-'));
    let mut target_error = None;
    let mut deleted: Vec<Vec<u8>> = vec![b"DEL".to_vec()];
    for (key, reply) in keys.iter().zip(&replies.restores) {
        if let Some(error) = earlier_error.or(reply.starts_with('-').then_some(reply)) {
            target_error.get_or_insert_with(|| error.clone());
        } else if !options.copy {
            ctx.server.keyspace.delete(db, key);
            ctx.server.keyspace.notify(class::GENERIC, "del", db, key);
            deleted.push(key.to_vec());
        }
    }
    if deleted.len() > 1 {
        ctx.client.propagate_instead(vec![deleted]);
    }
    match &target_error {
        Some(error) => ctx.client.reply.error(&format!(
            "ERR Target instance replied with error: {}",
            &error[1..]
        )),
        None if replies.broken => ctx
            .client
            .reply
            .error("IOERR error or timeout reading to target instance"),
        None => ctx.client.reply.ok(),
    }
    target_error.is_some()
}

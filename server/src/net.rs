//! The event loop: one thread, readiness-based I/O on `mio` (as Redis's `ae.c`), so commands
//! and scripts run one at a time and every script is atomic.
//!
//! Each connection has a query buffer; complete requests are parsed from it and run in
//! order, their replies gathered in the client's reply buffer and written when the batch is
//! done (pipelined requests get one write). While a script runs past
//! `busy-reply-threshold`, the loop is re-entered from the script's periodic check
//! ([`serve_while_busy`]) to answer other clients `BUSY` and accept `SCRIPT KILL`.

use crate::client::{Client, ReplyMode};
use crate::commands::{process_request, Ctx};
use crate::resp::request::{Limits, Parsed};
use crate::server::Server;
use crate::stream::Stream;
use mio::net::{TcpListener, TcpStream, UnixListener};
use mio::{Events, Interest, Poll, Token};
use redis_runtime::Runtime;
use std::io::{ErrorKind, Read, Write};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// The token of listener `i` is `LISTENERS + i` (connections use their client id).
const LISTENERS: usize = usize::MAX - 64;
/// The token of the Unix socket listener.
const UNIX_LISTENER: usize = LISTENERS - 1;
/// The token of the pipe a diskless synchronization's snapshot comes through.
const RDB_PIPE: usize = LISTENERS - 2;

/// One readiness report: a listener, or a connection readable and/or writable.
#[derive(Debug, Clone, Copy)]
enum Ready {
    Listener(usize),
    UnixListener,
    RdbPipe,
    Conn { id: u64, read: bool, write: bool },
}
/// How long the event loop keeps looking for readiness without sleeping after a turn that
/// had work (measured: with redis-benchmark on the same two cores, sleeping between turns
/// made its writes slower than the server's work).
const SPIN: Duration = Duration::from_micros(50);
/// Bytes read from a socket per `read` call.
const READ_CHUNK: usize = 16 * 1024;

/// A connection's socket side.
struct Conn {
    stream: Stream,
    query: Vec<u8>,
    /// Do not parse again before the query buffer holds this many bytes.
    need: usize,
    /// Of an incomplete request at the front: the bytes Redis would have parsed off its query
    /// buffer, and the length of the complete arguments among them.
    partial: (usize, usize),
    /// Bytes of the client's reply buffer already written.
    written: usize,
    /// The most the query buffer held since the periodic task last looked.
    query_peak: usize,
}

/// Sockets: the listeners and every connection, by client id.
pub struct Net {
    poll: Poll,
    /// One per `bind` address; none for an empty list or port 0 (no TCP connections).
    listeners: Vec<TcpListener>,
    /// The `bind` list listened on (`CONFIG SET bind` changes it).
    binds: Vec<String>,
    /// The Unix socket listened on (`unixsocket`), and its path.
    unix: Option<(UnixListener, String)>,
    conns: crate::util::IdMap<Conn>,
    /// Readiness reported by the last poll and not handled yet: a script that becomes busy
    /// while the loop works through a batch serves the rest of it (epoll reports each edge
    /// once, so these would otherwise wait for the script to end).
    backlog: std::collections::VecDeque<Ready>,
    /// Set from outside (a signal, or a test's handle) to stop the loop.
    stop: crate::signals::ShutdownRequest,
    /// Where reads land before they are appended to a query buffer: zeroed once, then only
    /// overwritten (zero-filling room before every read measured about 1% of a busy loop).
    read_chunk: Box<[u8]>,
}

impl Net {
    /// Listen on the `bind` list at `port` (0 picks a free port, the same for every address:
    /// for tests and embedders).
    pub fn bind(
        binds: &[String],
        port: u16,
        stop: crate::signals::ShutdownRequest,
    ) -> Result<Net, crate::listen::BindError> {
        let poll = Poll::new().map_err(|error| crate::listen::BindError {
            address: String::new(),
            error,
        })?;
        let mut net = Net {
            poll,
            listeners: Vec::new(),
            binds: Vec::new(),
            unix: None,
            conns: Default::default(),
            backlog: std::collections::VecDeque::new(),
            stop,
            read_chunk: vec![0u8; READ_CHUNK].into_boxed_slice(),
        };
        let opened = crate::listen::open(binds, port)?;
        net.install(binds, opened)?;
        Ok(net)
    }

    /// The port listened on (0 when nothing is).
    pub fn local_port(&self) -> u16 {
        self.listeners
            .first()
            .and_then(|l| l.local_addr().ok())
            .map_or(0, |a| a.port())
    }

    /// Listen on `binds` at `port` instead (`CONFIG SET bind`, `CONFIG SET port`): the new
    /// sockets are opened before the old ones are closed, so an address or port that cannot
    /// be had leaves things as they were. Port 0 or an empty list stops taking TCP
    /// connections, as in Redis.
    pub fn rebind(&mut self, binds: &[String], port: u16) -> Result<(), crate::listen::BindError> {
        let opened = if port == 0 {
            Vec::new()
        } else {
            crate::listen::open(binds, port)?
        };
        self.install(binds, opened)
    }

    /// Register `opened` (the listeners of `binds`) in place of the current listeners.
    fn install(
        &mut self,
        binds: &[String],
        opened: Vec<std::net::TcpListener>,
    ) -> Result<(), crate::listen::BindError> {
        let mut fresh = Vec::with_capacity(opened.len());
        for (i, listener) in opened.into_iter().enumerate() {
            let registered = listener.set_nonblocking(true).and_then(|()| {
                let mut listener = TcpListener::from_std(listener);
                self.poll.registry().register(
                    &mut listener,
                    Token(LISTENERS + i),
                    Interest::READABLE,
                )?;
                Ok(listener)
            });
            match registered {
                Ok(listener) => fresh.push(listener),
                Err(error) => {
                    for mut listener in fresh {
                        let _ = self.poll.registry().deregister(&mut listener);
                    }
                    // The old listeners' registrations may have been replaced: renew them.
                    self.register_listeners();
                    return Err(crate::listen::BindError {
                        address: binds.get(i).cloned().unwrap_or_default(),
                        error,
                    });
                }
            }
        }
        for mut old in std::mem::replace(&mut self.listeners, fresh) {
            let _ = self.poll.registry().deregister(&mut old);
        }
        self.binds = binds.to_vec();
        Ok(())
    }

    /// Listen on a Unix socket at `path` too (a file left there is replaced, as Redis does),
    /// with permissions `perm` when not 0.
    pub fn listen_unix(&mut self, path: &str, perm: u32) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::remove_file(path);
        let mut listener = UnixListener::bind(path)?;
        if perm != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(perm))?;
        }
        self.poll
            .registry()
            .register(&mut listener, Token(UNIX_LISTENER), Interest::READABLE)?;
        self.unix = Some((listener, path.to_string()));
        Ok(())
    }

    /// Stop listening on the Unix socket and remove its file (at shutdown): the path, if
    /// there was one, and whether removing it failed.
    pub fn close_unix(&mut self) -> Option<(String, std::io::Result<()>)> {
        let (mut listener, path) = self.unix.take()?;
        let _ = self.poll.registry().deregister(&mut listener);
        drop(listener);
        let removed = std::fs::remove_file(&path);
        Some((path, removed))
    }

    /// Watch the pipe a streamed snapshot comes through.
    pub fn register_rdb_pipe(
        &mut self,
        pipe: &mut mio::unix::pipe::Receiver,
    ) -> std::io::Result<()> {
        self.poll
            .registry()
            .register(pipe, Token(RDB_PIPE), Interest::READABLE)
    }

    pub fn deregister_rdb_pipe(&mut self, pipe: &mut mio::unix::pipe::Receiver) {
        let _ = self.poll.registry().deregister(pipe);
    }

    fn register_listeners(&mut self) {
        for (i, listener) in self.listeners.iter_mut().enumerate() {
            let _ =
                self.poll
                    .registry()
                    .reregister(listener, Token(LISTENERS + i), Interest::READABLE);
        }
    }
}

/// Run until `SHUTDOWN`, a signal, or the stop flag.
pub fn run(server: &mut Server, runtime: &mut Runtime) {
    let mut events = Events::with_capacity(1024);
    let mut next_cron = Instant::now();
    let mut busy_turn = false;
    loop {
        // Before sleeping: clients over `maxmemory-clients` are closed (Redis's beforeSleep).
        crate::client_eviction::evict(server, None);
        let wake = crate::blocking::next_deadline(server).map_or(next_cron, |d| d.min(next_cron));
        // A replica's snapshot transfer left for this turn goes on without sleeping.
        let timeout = if server.pending_flush.is_empty() && !crate::rdb_pipe::more_now(server) {
            wake.saturating_duration_since(Instant::now())
        } else {
            Duration::ZERO
        };
        let Some(net) = server.net.as_mut() else {
            return;
        };
        // After a turn that had work, look again without sleeping for a moment before
        // sleeping: under load the next requests are usually that close, and a sleeping
        // server makes every client's write pay for waking it.
        let spin_until = busy_turn.then(|| Instant::now() + SPIN);
        loop {
            let spinning = spin_until.is_some_and(|until| Instant::now() < until);
            let wait = if spinning { Duration::ZERO } else { timeout };
            if let Err(e) = net.poll.poll(&mut events, Some(wait)) {
                if e.kind() != ErrorKind::Interrupted {
                    server.log_warning(&format!("poll failed: {e}"));
                    return;
                }
            }
            if !events.is_empty() || !spinning {
                break;
            }
        }
        busy_turn = !events.is_empty();
        net.backlog.extend(events.iter().map(ready));
        while let Some(next) = server.net.as_mut().and_then(|n| n.backlog.pop_front()) {
            handle(server, Some(runtime), next);
        }
        crate::replication::serve_acks(server);
        let resumed = std::mem::take(&mut server.resumed);
        for id in crate::blocking::expire_timeouts(server, Instant::now())
            .into_iter()
            .chain(resumed)
        {
            process_input(server, Some(runtime), id);
            flush(server, id);
        }
        resume_paused(server, Some(runtime));
        // The primary this server follows: a finished synchronization's stream starts here,
        // and acknowledgements are sent.
        if let Some(id) = crate::replica::drive(server, runtime) {
            process_input(server, Some(runtime), id);
            server.pending_flush.push(id);
        }
        if let Some(id) = crate::replica::ack_tick(server) {
            server.pending_flush.push(id);
        }
        crate::tracking::end_of_turn(server);
        crate::replication::request_acks(server);
        for id in std::mem::take(&mut server.pending_flush) {
            flush(server, id);
        }
        // Replicas of a streamed snapshot may have caught up.
        crate::rdb_pipe::pump(server);
        if Instant::now() >= next_cron && !server.cron_paused {
            cron(server);
            // Notifications of keys the periodic task expired.
            crate::pubsub::publish_events(server, None);
            for id in std::mem::take(&mut server.pending_flush) {
                flush(server, id);
            }
            next_cron =
                Instant::now() + Duration::from_millis(1000 / u64::from(server.config.settings.hz));
        }
        // A shutdown asked for by a signal is carried out by the periodic task, as Redis's
        // `serverCron` does: `DEBUG PAUSE-CRON` holds it, `SHUTDOWN ABORT` cancels it.
        let signal = server
            .net
            .as_ref()
            .map_or(0, |n| n.stop.load(Ordering::SeqCst));
        if signal != 0
            && server.shutdown.is_none()
            && server.shutdown_wait.is_none()
            && !server.cron_paused
        {
            server.log_warning(crate::signals::announcement(signal));
            let mode = crate::server::Shutdown::Default;
            // With lagging replicas, the wait below finishes it.
            if !crate::shutdown::begin_wait(server, mode, None) {
                crate::shutdown::log_replicas(server);
                if crate::persist::prepare_for_shutdown(server, mode, false).is_ok() {
                    server.shutdown = Some(mode);
                } else {
                    server.log_warning("SIGTERM received but errors trying to shut down the server, check the logs for more information");
                    cancel_signal_shutdown(server);
                }
            }
        }
        if server.shutdown_wait.is_some() && !server.cron_paused {
            crate::shutdown::cron(server);
            if server.shutdown_wait.is_none() && server.shutdown.is_none() {
                // The wait ended in failure or was cancelled: a signal's request goes too.
                cancel_signal_shutdown(server);
            }
        }
        if server.shutdown.is_some() {
            if let Some((_, removed)) = server.net.as_mut().and_then(Net::close_unix) {
                server.log_notice("Removing the unix socket file.");
                if let Err(e) = removed {
                    let reason = crate::util::strerror(&e);
                    server.log_warning(&format!("Error removing the unix socket file: {reason}"));
                }
            }
            server.log_warning("Redis is now ready to exit, bye bye...");
            return;
        }
    }
}

/// Forget a shutdown a signal asked for; whether there was one (`SHUTDOWN ABORT`).
pub fn cancel_signal_shutdown(server: &mut Server) -> bool {
    server
        .net
        .as_ref()
        .is_some_and(|n| n.stop.swap(0, Ordering::SeqCst) != 0)
}

fn ready(event: &mio::event::Event) -> Ready {
    if event.token().0 == UNIX_LISTENER {
        return Ready::UnixListener;
    }
    if event.token().0 == RDB_PIPE {
        return Ready::RdbPipe;
    }
    if event.token().0 >= LISTENERS {
        return Ready::Listener(event.token().0 - LISTENERS);
    }
    Ready::Conn {
        id: event.token().0 as u64,
        read: event.is_readable() || event.is_read_closed(),
        write: event.is_writable(),
    }
}

fn handle(server: &mut Server, runtime: Option<&mut Runtime>, ready: Ready) {
    match ready {
        Ready::Listener(i) => accept_all(server, i),
        Ready::UnixListener => accept_unix(server),
        Ready::RdbPipe => crate::rdb_pipe::pump(server),
        Ready::Conn { id, read, write } => {
            if read {
                read_and_process(server, runtime, id);
            }
            if write {
                flush(server, id);
            }
        }
    }
}

/// Redis's answer to a connection from outside while protected mode holds.
const PROTECTED_MODE_DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

/// Protected mode (on by default): while the default user needs no password, only clients
/// on the loopback addresses Redis recognises (`127.0.0.1`, `::1`) are served.
fn protected_mode_refuses(server: &Server, peer: std::net::IpAddr) -> bool {
    let default_nopass = server.acl.default_user_nopass();
    let local = match peer {
        std::net::IpAddr::V4(ip) => ip == std::net::Ipv4Addr::LOCALHOST,
        std::net::IpAddr::V6(ip) => ip == std::net::Ipv6Addr::LOCALHOST,
    };
    server.config.settings.protected_mode && default_nopass && !local
}

fn accept_all(server: &mut Server, listener: usize) {
    loop {
        let Some(net) = server.net.as_mut() else {
            return;
        };
        let Some(listener) = net.listeners.get(listener) else {
            return;
        };
        let (mut stream, peer) = match listener.accept() {
            Ok(pair) => pair,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        let id = server.next_client_id;
        server.next_client_id += 1;
        let _ = stream.set_nodelay(true);
        if refused_over_maxclients(server, &mut stream) {
            continue;
        }
        if protected_mode_refuses(server, peer.ip()) {
            let _ = stream.write_all(PROTECTED_MODE_DENIED.as_bytes());
            server.stats.rejected_connections += 1;
            continue;
        }
        server.stats.connections_received += 1;
        let local = stream
            .local_addr()
            .map(|a| a.to_string())
            .unwrap_or_default();
        let authenticated = server.acl.default_user_open();
        let client = Client::new(id, peer.to_string(), local, authenticated);
        serve(server, Stream::Tcp(stream), Vec::new(), client);
    }
}

/// A new connection past `maxclients` gets Redis's error and is dropped: whether it was.
fn refused_over_maxclients(server: &mut Server, stream: &mut impl Write) -> bool {
    if server.clients.len() < server.config.settings.maxclients {
        return false;
    }
    let _ = stream.write_all(b"-ERR max number of clients reached\r\n");
    server.stats.rejected_connections += 1;
    true
}

/// Take the connections waiting on the Unix socket: local clients, never refused by
/// protected mode; their address is the socket's path with port 0, as Redis shows it.
fn accept_unix(server: &mut Server) {
    loop {
        let Some((listener, path)) = server.net.as_mut().and_then(|n| n.unix.as_ref()) else {
            return;
        };
        let mut stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(_) => return,
        };
        let addr = format!("{path}:0");
        if refused_over_maxclients(server, &mut stream) {
            continue;
        }
        let id = server.next_client_id;
        server.next_client_id += 1;
        server.stats.connections_received += 1;
        let authenticated = server.acl.default_user_open();
        let mut client = Client::new(id, addr.clone(), addr, authenticated);
        client.unix_socket = true;
        serve(server, Stream::Unix(stream), Vec::new(), client);
    }
}

/// Serve an outgoing connection (the link to a primary) as client `client`, with `query`
/// already received; false when the event loop cannot take it.
pub fn adopt(
    server: &mut Server,
    stream: std::net::TcpStream,
    query: Vec<u8>,
    client: Client,
) -> bool {
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    serve(
        server,
        Stream::Tcp(TcpStream::from_std(stream)),
        query,
        client,
    )
}

/// Register `stream` with the event loop as `client`'s connection, with `query` already
/// received; false when the loop cannot take it.
fn serve(server: &mut Server, mut stream: Stream, query: Vec<u8>, client: Client) -> bool {
    let id = client.id;
    let Some(net) = server.net.as_mut() else {
        return false;
    };
    let token = Token(id as usize);
    if net
        .poll
        .registry()
        .register(&mut stream, token, Interest::READABLE | Interest::WRITABLE)
        .is_err()
    {
        return false;
    }
    let conn = Conn {
        stream,
        query,
        need: 1,
        partial: (0, 0),
        written: 0,
        query_peak: 0,
    };
    net.conns.insert(id, conn);
    server.clients.insert(id, client);
    true
}

/// Read what the socket has, then run the complete requests; `runtime` is `None` while a
/// script is busy (requests then get `BUSY` unless allowed).
fn read_and_process(server: &mut Server, mut runtime: Option<&mut Runtime>, id: u64) {
    let limit = server.config.settings.client_query_buffer_limit;
    let Some(net) = server.net.as_mut() else {
        return;
    };
    let Some(conn) = net.conns.get_mut(&id) else {
        return;
    };
    let mut closed = false;
    let mut received = 0u64;
    let chunk = &mut net.read_chunk;
    loop {
        match conn.stream.read(chunk) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(n) => {
                // Room for a whole read, as Redis makes before each (`PROTO_IOBUF_LEN`): what
                // `CLIENT LIST` reports as qbuf-free, given back by the cron when idle. A big
                // argument's buffer grows as its data comes, up to exactly its size (see
                // `fit_big_argument`): an announced size alone costs nothing.
                let rest = conn.need.saturating_sub(conn.query.len());
                if conn.need >= BIG_ARG && rest > 0 {
                    if conn.query.capacity() - conn.query.len() < n {
                        let grow = conn.query.capacity().max(n).min(rest).max(n);
                        conn.query.reserve_exact(grow);
                    }
                } else {
                    conn.query.reserve(READ_CHUNK.max(n));
                }
                conn.query.extend_from_slice(&chunk[..n]);
                conn.query_peak = conn.query_peak.max(conn.query.len());
                received += n as u64;
                if conn.query.len() > limit {
                    closed = true;
                    break;
                }
                if n < READ_CHUNK {
                    // The socket is drained (edge-triggered readiness needs no further read).
                    break;
                }
            }
            Err(e) => match e.kind() {
                ErrorKind::WouldBlock => break,
                ErrorKind::Interrupted => continue,
                _ => {
                    closed = true;
                    break;
                }
            },
        }
    }
    server.stats.net_input_bytes += received;
    server.stats.reads_processed += 1;
    // Bytes from the primary this server follows: the link is alive (what its requests apply
    // counts toward the offset as each runs, `replica::stream_applied`).
    if crate::replica::is_primary(server, id) {
        crate::replica::heard_from(server);
    }
    if !server.clients.contains_key(&id) {
        // The client is running a script right now: its input waits in the buffer.
        return;
    }
    if let Some(c) = server.clients.get_mut(&id) {
        c.last_interaction = Instant::now();
    }
    let serve_blocked = runtime.is_some();
    process_input(server, runtime.as_deref_mut(), id);
    crate::client_eviction::track_id(server, id);
    if closed {
        close(server, id);
    } else {
        // Replies are written once every ready connection has been read (Redis's
        // `handleClientsWithPendingWrites` before sleeping): a burst of writes wakes a
        // pipelining peer once, not once per connection.
        server.pending_flush.push(id);
    }
    // Clients blocked on keys this batch wrote (not while a script is busy: as in Redis,
    // they are served once it ends).
    if serve_blocked {
        for served in crate::blocking::serve_ready(server) {
            // Requests it pipelined after the blocking command run now.
            process_input(server, runtime.as_deref_mut(), served);
            server.pending_flush.push(served);
        }
    }
}

/// Run every complete request in the client's query buffer.
fn process_input(server: &mut Server, mut runtime: Option<&mut Runtime>, id: u64) {
    let Some(mut client) = server.clients.remove(&id) else {
        return;
    };
    // One time stamp for the batch of requests (as Redis caches its clock per event-loop
    // iteration), scripts included; a script freezes it for its whole run.
    server.keyspace.refresh_time_unless_script();
    server.keyspace.expiry_paused = clients_paused(server);
    // Taken for this turn (a turn started inside it, a blocked client's, gets a fresh one).
    let mut lookahead = std::mem::take(&mut server.lookahead);
    loop {
        let Some(conn) = server.net.as_mut().and_then(|n| n.conns.get_mut(&id)) else {
            break;
        };
        if conn.query.len() < conn.need
            || client.close_after_reply
            || client.close_asap
            || client.blocked.is_some()
            || client.paused
        {
            break;
        }
        let query = std::mem::take(&mut conn.query);
        client.query_in_flight = Some((query.len(), query.capacity()));
        let limits = Limits {
            max_bulk: server.config.settings.proto_max_bulk_len,
            unauthenticated: server.acl.auth_required(client.authenticated),
        };
        let mut pos = 0;
        let mut need = 1;
        let mut partial = (0, 0);
        lookahead.clear();
        while pos < query.len()
            && !client.close_after_reply
            && !client.close_asap
            && client.blocked.is_none()
            && !client.paused
        {
            match lookahead.parse(server, client.db, &query, pos, limits) {
                Parsed::Incomplete {
                    need: n,
                    parsed,
                    args_len,
                } => {
                    need = n;
                    partial = (parsed, args_len);
                    break;
                }
                Parsed::Error(text) => {
                    client.reply.error(&text);
                    client.close_after_reply = true;
                    break;
                }
                Parsed::Request { consumed } => {
                    let argv = lookahead.args().slices(&query[pos..]);
                    if !argv.is_empty() {
                        if client.reply_mode == ReplyMode::SkipNext {
                            client.reply_mode = ReplyMode::Skipping;
                        }
                        let mode = client.reply_mode;
                        let before = client.reply.buf.len();
                        let was_replica = client.is_replica;
                        client.argv_mem = argv.iter().map(|a| a.len()).sum();
                        // Over `maxmemory-clients`: clients are closed, largest first, before
                        // the command runs; if this one is chosen, its command does not run.
                        if crate::client_eviction::enabled(server) {
                            crate::client_eviction::track_counted(server, &client);
                            if crate::client_eviction::evict(server, Some(&mut client)) {
                                break;
                            }
                        }
                        let mut ctx = Ctx {
                            server,
                            client: &mut client,
                            runtime: runtime.as_deref_mut(),
                        };
                        process_request(&mut ctx, &argv);
                        if client.paused {
                            // `CLIENT PAUSE`: the request stays at the front of the buffer
                            // (parsed, as Redis holds it) until the pause ends, and a skip
                            // still applies to it then.
                            client.paused_request = consumed;
                            if mode == ReplyMode::Skipping {
                                client.reply_mode = ReplyMode::SkipNext;
                            }
                            break;
                        }
                        let on_link = client.is_master || was_replica;
                        if on_link && client.reply.buf.get(before) == Some(&b'-') {
                            crate::replica::error_on_link(server, &client, before);
                        }
                        apply_reply_mode(&mut client, mode, before);
                        // Past its output limit the client is closed unanswered, and the rest
                        // of its pipeline is not run.
                        crate::output_limits::check(server, &mut client);
                        if client.block_request.is_none() {
                            client.argv_mem = 0;
                        }
                        if was_replica && client.reply.buf.len() > before {
                            disconnect_replying_replica(server, &mut client, before);
                        }
                        crate::blocking::register_if_requested(server, &mut client, &argv);
                        crate::client_eviction::track(server, &client);
                    }
                    if client.is_master {
                        let bytes = &query[pos..pos + consumed];
                        crate::replica::stream_applied(server, bytes, client.multi.is_some());
                    }
                    pos += consumed;
                }
            }
        }
        client.query_in_flight = None;
        let Some(conn) = server.net.as_mut().and_then(|n| n.conns.get_mut(&id)) else {
            break;
        };
        // Data that arrived while a script of this client ran was read into a fresh buffer.
        let fresh = std::mem::replace(&mut conn.query, query);
        conn.query.drain(..pos);
        conn.need = if fresh.is_empty() { need } else { 1 };
        conn.partial = if fresh.is_empty() { partial } else { (0, 0) };
        conn.query.extend_from_slice(&fresh);
        if fresh.is_empty() {
            fit_big_argument(conn);
            break;
        }
    }
    server.clients.insert(id, client);
    server.lookahead = lookahead;
}

/// The listening sockets' descriptors (a forked child closes them).
pub fn listener_fds(server: &Server) -> Vec<std::os::fd::RawFd> {
    use std::os::fd::AsRawFd;
    let Some(net) = server.net.as_ref() else {
        return Vec::new();
    };
    let tcp = net.listeners.iter().map(|l| l.as_raw_fd());
    tcp.chain(net.unix.as_ref().map(|(l, _)| l.as_raw_fd()))
        .collect()
}

/// Redis's `PROTO_MBULK_BIG_ARG`.
const BIG_ARG: usize = 32 * 1024;

/// A request with a big argument (32 KB or more, Redis's `PROTO_MBULK_BIG_ARG`) still
/// arriving: the query buffer holds no more room than the request needs, so a client's memory
/// follows what it sent rather than how the reads happened to grow the buffer. (Redis
/// allocates the announced size at once; here the room grows with the data, so a hostile
/// announcement costs nothing.)
fn fit_big_argument(conn: &mut Conn) {
    let need = conn.need;
    if need >= BIG_ARG && need > conn.query.len() && conn.query.capacity() > need {
        conn.query.shrink_to(need);
    }
}

/// The client's connection, if it has a socket.
fn conn_of<'a>(server: &'a Server, client: &Client) -> Option<&'a Conn> {
    server.net.as_ref().and_then(|n| n.conns.get(&client.id))
}

/// The client's socket descriptor (`fd` in `CLIENT LIST`; -1 for one without a socket).
pub fn client_fd(server: &Server, client: &Client) -> i32 {
    use std::os::fd::AsRawFd;
    conn_of(server, client).map_or(-1, |c| c.stream.as_raw_fd())
}

/// Reply bytes the client has not been sent yet.
pub fn pending_output(server: &Server, client: &Client) -> usize {
    let written = conn_of(server, client).map_or(0, |c| c.written);
    client.reply.buf.len().saturating_sub(written)
}

/// A client's query buffer as `CLIENT LIST` shows it: the bytes it holds (the commands being
/// run included, as Redis counts them) and its capacity.
pub fn query_buffer(server: &Server, client: &Client) -> (usize, usize) {
    if let Some(in_flight) = client.query_in_flight {
        return in_flight;
    }
    conn_of(server, client).map_or((0, 0), |c| {
        let parsed = if client.paused {
            client.paused_request
        } else {
            c.partial.0
        };
        (c.query.len().saturating_sub(parsed), c.query.capacity())
    })
}

/// The complete arguments of a request still arriving (part of `argv-mem`).
pub fn partial_arguments(server: &Server, client: &Client) -> usize {
    conn_of(server, client).map_or(0, |c| c.partial.1)
}

/// Whether clients are paused now (`CLIENT PAUSE` in force, or a failover holding writes):
/// keys are then not expired (Redis's `checkClientPauseTimeoutAndReturnIfPaused`).
fn clients_paused(server: &Server) -> bool {
    server.pause.is_some_and(|p| Instant::now() < p.until) || crate::failover::pauses_writes(server)
}

/// Bytes a connection has sent that are not run yet.
pub fn unprocessed_input(server: &Server, id: u64) -> usize {
    server
        .net
        .as_ref()
        .and_then(|n| n.conns.get(&id))
        .map_or(0, |c| c.query.len())
}

/// End a pause whose time has come (or that CLIENT UNPAUSE lifted): run what waited (the
/// primary's stream included: what a pause holds stays in its buffer, read but not applied).
fn resume_paused(server: &mut Server, mut runtime: Option<&mut Runtime>) {
    let over = server.pause.is_none_or(|p| Instant::now() >= p.until)
        && !crate::failover::pauses_writes(server);
    if !over || server.paused_clients.is_empty() {
        if over {
            server.pause = None;
        }
        return;
    }
    server.pause = None;
    for id in std::mem::take(&mut server.paused_clients) {
        if let Some(client) = server.clients.get_mut(&id) {
            client.paused = false;
        }
        process_input(server, runtime.as_deref_mut(), id);
        flush(server, id);
    }
}

/// A replica's command made a reply, which would corrupt what the replica reads as the
/// stream: Redis drops the reply and the replica, as here.
fn disconnect_replying_replica(server: &mut Server, client: &mut Client, reply_start: usize) {
    client.reply.buf.truncate(reply_start);
    let line = crate::commands::connection_line(server, client, Instant::now());
    server.log_warning(&format!(
        "Replica generated a reply to command '{}', disconnecting it: {line}",
        client.last_command
    ));
    client.close_asap = true;
}

/// `CLIENT REPLY OFF|SKIP`: drop the reply of the command just run, as Redis drops replies
/// while its `CLIENT_REPLY_OFF` or `CLIENT_REPLY_SKIP` flag is set: a `CLIENT REPLY ON` run
/// then clears the flag before its `OK`, which is sent. A skip lasts one command; a `CLIENT
/// REPLY SKIP` run while skipping sets it again for the next (`SkipNext`).
fn apply_reply_mode(client: &mut Client, mode_before: ReplyMode, reply_start: usize) {
    let pushes = std::mem::take(&mut client.pushes);
    let dropping = matches!(mode_before, ReplyMode::Skipping | ReplyMode::Off);
    if dropping && client.reply_mode != ReplyMode::On {
        client.reply.buf.truncate(reply_start);
        client.reply.buf.extend_from_slice(&pushes);
    }
    if client.reply_mode == ReplyMode::Skipping {
        client.reply_mode = ReplyMode::On;
    }
}

/// Write what the client's reply buffer holds; close the connection when asked to. A
/// replica receiving its snapshot file is sent the next chunks as the socket takes them.
fn flush(server: &mut Server, id: u64) {
    let mut sent = 0;
    while let Some(Written::AllOfReplica) = write_out(server, id, &mut sent) {
        match crate::full_sync::refill(server, id, sent) {
            crate::full_sync::Next::Write => continue,
            crate::full_sync::Next::Later => {
                server.pending_flush.push(id);
                return;
            }
            crate::full_sync::Next::Idle => return,
        }
    }
}

/// Write what client `id`'s reply buffer holds, as far as its socket takes it now.
pub fn flush_client(server: &mut Server, id: u64) {
    flush(server, id);
}

/// How far [`write_out`] got with a client still open.
enum Written {
    /// Some output is left for when the socket takes more, or none was due.
    Partly,
    /// A replica's output was all written (its snapshot may have more to send).
    AllOfReplica,
}

/// One round of [`flush`]; `None` when the client is gone or was closed.
fn write_out(server: &mut Server, id: u64, sent: &mut usize) -> Option<Written> {
    // What the replies report done is logged first (and synced under `appendfsync always`).
    crate::aof::flush(server);
    let client = server.clients.get_mut(&id)?;
    let conn = server.net.as_mut().and_then(|n| n.conns.get_mut(&id))?;
    if client.is_master {
        // The primary gets no replies, only the acknowledgements it is owed.
        client.reply.buf.truncate(conn.written);
        if let Some(link) = server.master_link.as_mut().filter(|l| l.ack_due) {
            link.ack_due = false;
            client.reply.buf.extend_from_slice(&link.ack_command());
        }
    }
    let mut failed = false;
    let pending = client.reply.buf.len().saturating_sub(conn.written);
    // Output added since the last write may have passed the client's limit: then nothing
    // more is sent (Redis checks as replies are added, before its writes).
    let mut warning = None;
    if !client.close_asap && pending > 0 {
        let limit = crate::output_limits::limit_of(&server.config.settings, client);
        let used = pending.saturating_sub(client.reply_buffer.size);
        if crate::output_limits::over(limit, used, &mut client.over_soft_limit_since) {
            client.close_asap = true;
            warning = Some(crate::output_limits::scheduled_close_message(client));
        }
    }
    if client.close_asap {
        if let Some(warning) = warning {
            server.log_warning(&warning);
        }
        close(server, id);
        return None;
    }
    if pending > 0 {
        client.reply_buffer.note_pending(pending);
        server.stats.writes_processed += 1;
    }
    while conn.written < client.reply.buf.len() {
        match conn.stream.write(&client.reply.buf[conn.written..]) {
            Ok(0) => {
                failed = true;
                break;
            }
            Ok(n) => {
                conn.written += n;
                *sent += n;
                server.stats.net_output_bytes += n as u64;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(_) => {
                failed = true;
                break;
            }
        }
    }
    let done = conn.written >= client.reply.buf.len();
    if done {
        client.reply.buf.clear();
        conn.written = 0;
        // Keep the buffer's memory for the next batch unless it grew large.
        if client.reply.buf.capacity() > 64 * 1024 {
            client.reply.buf = Vec::new();
        }
    }
    let close_now = failed || (done && client.close_after_reply);
    let replica = client.is_replica;
    if close_now {
        close(server, id);
        return None;
    }
    crate::client_eviction::track_id(server, id);
    Some(if done && replica {
        Written::AllOfReplica
    } else {
        Written::Partly
    })
}

/// Close client `id` now (CLIENT KILL): it is not the one running a command.
pub fn close_client(server: &mut Server, id: u64) {
    close(server, id);
}

fn close(server: &mut Server, id: u64) {
    server.client_memory.forget(id);
    if let Some(mut client) = server.clients.remove(&id) {
        crate::blocking::unregister(server, &mut client);
        server.keyspace.unwatch_all(id, &client.watched);
        server.keyspace.tracking.disable(id);
        for channel in &client.channels {
            server.pubsub.unsubscribe(id, channel);
        }
        for pattern in &client.patterns {
            server.pubsub.punsubscribe(id, pattern);
        }
        for channel in &client.shard_channels {
            server.pubsub.sunsubscribe(id, channel);
        }
        if client.is_master {
            crate::replica::link_lost(server, id, client.db);
        }
        if client.is_replica {
            crate::replication::detach(server, id);
            let name = crate::replication::replica_name(&client);
            server.log_warning(&format!("Connection with replica {name} lost."));
        }
    }
    if let Some(net) = server.net.as_mut() {
        if let Some(mut conn) = net.conns.remove(&id) {
            let _ = net.poll.registry().deregister(&mut conn.stream);
        }
    }
}

/// The periodic task (`serverCron`): expiry, rehashing, idle clients, killed clients.
fn cron(server: &mut Server) {
    crate::stopwatch::calibrate();
    crate::tracking::limit_keys(server);
    let budget = Duration::from_millis(1);
    // A replica leaves expiry to its primary, whose DELs arrive down the stream; paused
    // clients leave the dataset as it is.
    server.keyspace.expiry_paused = clients_paused(server);
    if server.active_expire_enabled
        && server.master_link.is_none()
        && !server.keyspace.expiry_paused
    {
        let mut state = server.random();
        let started = Instant::now();
        server.keyspace.active_expire(budget, move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        });
        let threshold = server.config.settings.latency_monitor_threshold;
        let spent = started.elapsed();
        server.stats.expire_cycle_us += spent.as_micros() as u64;
        server.latency.sample(threshold, "expire-cycle", spent);
    } else if server.active_expire_enabled
        && server.master_link.is_some()
        && !server.keyspace.expiry_paused
    {
        server.keyspace.expire_replica_keys();
    }
    // As Redis: tables are neither shrunk nor rehashed while a child shares the memory.
    if !server.has_active_child() {
        server.keyspace.rehash_step(budget);
    }
    // Over `maxmemory` (lowered by CONFIG SET, say): evict now, as Redis's eviction time
    // event does, rather than waiting for the next command.
    if server.config.settings.maxmemory > 0 && server.over_maxmemory() {
        let mut scratch = crate::resp::reply::ReplyWriter::new(2);
        server.evict_to_fit(&mut scratch);
        crate::pubsub::publish_events(server, None);
        crate::tracking::deliver(server, None);
    }
    crate::aof::propagate_pending(server, || false);
    crate::aof::flush(server);
    crate::aof::cron(server);
    crate::replication::cron(server);
    crate::failover::tick(server);
    crate::persist::cron(server);
    server.update_resize_policy();
    crate::commands::migrate::close_idle(&mut server.migrate_sockets);
    resize_query_buffers(server);
    resize_reply_buffers(server);
    crate::client_eviction::track_all(server);
    server.rates.sample(Instant::now(), &server.stats);
    server.memory_peak = server.memory_peak.max(server.used_memory());
    let timeout = server.config.settings.timeout;
    let now = Instant::now();
    let doomed: Vec<u64> = server
        .clients
        .values()
        .filter(|c| {
            c.close_asap
                || (timeout > 0
                    && c.multi.is_none()
                    && !c.is_replica
                    && now.duration_since(c.last_interaction).as_secs() > timeout)
        })
        .map(|c| c.id)
        .collect();
    for id in doomed {
        close(server, id);
    }
    for id in crate::output_limits::overdue(server) {
        close(server, id);
    }
}

/// Called from a running script's periodic check once it is past `busy-reply-threshold`:
/// serve other clients without running anything but what Redis allows while busy.
pub fn serve_while_busy(server: &mut Server) {
    let mut events = Events::with_capacity(256);
    let Some(net) = server.net.as_mut() else {
        return;
    };
    if net.poll.poll(&mut events, Some(Duration::ZERO)).is_err() {
        return;
    }
    net.backlog.extend(events.iter().map(ready));
    while let Some(next) = server.net.as_mut().and_then(|n| n.backlog.pop_front()) {
        handle(server, None, next);
    }
    // The busy replies go out now, not when the script ends (the script's own client is
    // not in the client table while it runs, so it is not flushed early).
    for id in std::mem::take(&mut server.pending_flush) {
        flush(server, id);
    }
}

/// Called while the data file loads at start, every `loading-process-events-interval-bytes`
/// (`at` bytes read): serve clients, who are answered `-LOADING` but for the commands Redis
/// allows while loading. `false` when a signal asked for a shutdown, which ends the load
/// (and the server) without saving, as Redis does.
pub fn serve_while_loading(server: &mut Server, at: usize) -> bool {
    if let Some(loading) = server.loading.as_mut() {
        loading.loaded_bytes = at as u64;
    }
    let signal = server
        .net
        .as_ref()
        .map_or(0, |n| n.stop.load(Ordering::SeqCst));
    if signal != 0 {
        server.log_warning(crate::signals::announcement(signal));
        return false;
    }
    serve_while_busy(server);
    true
}

/// Redis's resizing of each client's fixed reply buffer, for the figures it reports (see
/// [`crate::reply_buffer`]).
fn resize_reply_buffers(server: &mut Server) {
    let policy = server.reply_buffer_policy;
    let now_ms = crate::db::now_ms();
    let net = server.net.as_ref();
    for (id, client) in server.clients.iter_mut() {
        let pending = net
            .and_then(|n| n.conns.get(id))
            .map_or(0, |c| client.reply.buf.len().saturating_sub(c.written));
        match client.reply_buffer.cron(policy, now_ms, pending) {
            Some(crate::reply_buffer::Resize::Shrunk) => server.stats.reply_buffer_shrinks += 1,
            Some(crate::reply_buffer::Resize::Expanded) => server.stats.reply_buffer_expands += 1,
            None => {}
        }
    }
}

/// Give back query-buffer room a client no longer needs (`clientsCronResizeQueryBuffer`):
/// when more than 4 KB is spare, all of it after two idle seconds, or down to the recent
/// peak (and the bulk being read) when the buffer is over 32 KB and twice that peak.
fn resize_query_buffers(server: &mut Server) {
    const SPARE: usize = 4096;
    const RESIZE_THRESHOLD: usize = 32 * 1024;
    let now = Instant::now();
    let clients = &server.clients;
    let Some(net) = server.net.as_mut() else {
        return;
    };
    for (id, conn) in &mut net.conns {
        let capacity = conn.query.capacity();
        if capacity - conn.query.len() > SPARE {
            let idle = clients
                .get(id)
                .is_some_and(|c| now.duration_since(c.last_interaction).as_secs() > 2);
            if idle {
                conn.query.shrink_to_fit();
            } else if capacity > RESIZE_THRESHOLD && capacity / 2 > conn.query_peak {
                let keep = conn.query.len().max(conn.query_peak).max(conn.need);
                conn.query.shrink_to(keep);
            }
        }
        conn.query_peak = conn.query.len();
    }
}

//! The server: a drop-in for redis-server 7.0 on the wire (RESP2 and RESP3), hosting the Redis
//! scripting runtime. One thread runs an event loop over non-blocking sockets, as Redis does,
//! so commands and scripts are atomic.
//!
//! [`start`] runs a server on a thread of its own (tests and embedders); the `luredis` binary
//! runs one on the main thread with the configuration redis-server takes.

pub mod acl;
pub mod alloc;
pub mod aof;
mod aof_load;
pub mod aof_rewrite;
pub mod backlog;
pub mod blocking;
pub mod child_info;
pub mod client;
pub mod client_eviction;
pub mod commands;
pub mod config;
pub mod connect;
pub mod crash_report;
pub mod db;
pub mod failover;
pub mod fork;
pub mod full_sync;
mod info;
pub mod latency_histogram;
pub mod latency_monitor;
pub mod lazyfree;
pub mod listen;
pub mod log;
pub mod long_double;
pub mod lookahead;
pub mod metrics;
pub mod net;
pub mod oom_score;
pub mod output_limits;
pub mod persist;
pub mod proc_title;
pub mod pubsub;
pub mod rdb;
pub mod rdb_pipe;
pub mod replica;
pub mod replica_transfer;
pub mod replication;
pub mod reply_buffer;
pub mod resp;
pub mod server;
pub mod shutdown;
pub mod signals;
pub mod slowlog;
pub mod stopwatch;
pub mod stream;
pub mod tracking;
pub mod util;

use config::Config;
use std::sync::atomic::Ordering;

/// Build the server and its listener from a configuration (the bind address and port are
/// taken from it; port 0 picks a free one).
pub fn build(
    config: Config,
    stop: signals::ShutdownRequest,
) -> std::io::Result<(server::Server, redis_runtime::Runtime)> {
    let port = config.settings.port;
    let net = net::Net::bind(&config.settings.bind, port, stop).map_err(|e| {
        let (logfile, level) = (&config.settings.logfile, config.settings.loglevel);
        log::write(logfile, level, log::WARNING, &e.log_line(port));
        let text = format!("Failed listening on port {port} (TCP), aborting.");
        log::write(logfile, level, log::WARNING, &text);
        e.error
    })?;
    let runtime = redis_runtime::Runtime::new()
        .map_err(|e| std::io::Error::other(format!("the scripting runtime did not start: {e}")))?;
    let mut server = server::Server::new(config);
    // The users of the ACL file, if one is configured: the server does not start without them.
    let acl_file = server.config.get("aclfile").unwrap_or_default().to_string();
    if !acl_file.is_empty() && !server.config.users.is_empty() {
        let text = "Configuring Redis with users defined in redis.conf and at the same setting an ACL file path is invalid. This setup is very likely to lead to configuration errors and security holes, please define either an ACL file or declare users directly in your redis.conf, but not both.";
        server.log_warning(text);
        return Err(std::io::Error::other(text));
    }
    // `requirepass` is the default user's password; `user` lines, applied after, may change it.
    server.apply_requirepass();
    if let Err(e) = acl::load_configured_users(&mut server.acl, &server.config.users) {
        server.log_warning(&e);
        server.log_warning("Critical error while loading ACLs. Exiting.");
        return Err(std::io::Error::other(e));
    }
    if !acl_file.is_empty() {
        if let Err(errors) = acl::file::load(&mut server.acl, &acl_file) {
            let text = format!("Aborting Redis startup because of ACL errors: {errors}");
            server.log_warning(&text);
            return Err(std::io::Error::other(text));
        }
    }
    server.port = net.local_port();
    // `unixsocket`: a local socket beside TCP (a failure stops the start, as in Redis).
    let unix_path = server
        .config
        .get("unixsocket")
        .unwrap_or_default()
        .to_string();
    let mut net = net;
    if !unix_path.is_empty() {
        let perm = server
            .config
            .get("unixsocketperm")
            .and_then(|p| u32::from_str_radix(p, 8).ok())
            .unwrap_or(0);
        if let Err(e) = net.listen_unix(&unix_path, perm) {
            let text = format!("Failed opening Unix socket: {}", util::strerror(&e));
            server.log_warning(&text);
            return Err(e);
        }
    }
    server.net = Some(net);
    // `replicaof <host> <port>` in the configuration: follow that primary from the start.
    let primary = server.config.get("replicaof").and_then(|v| {
        let mut words = v.split_whitespace();
        let host = words.next()?.to_string();
        let port = words.next()?.parse::<u16>().ok()?;
        Some((host, port))
    });
    if let Some((host, port)) = primary {
        replica::set_master(&mut server, host, port);
    } else {
        // As Redis at start (a failure is logged, and the server starts anyway).
        oom_score::update(&mut server);
    }
    Ok((server, runtime))
}

/// A server running on its own thread.
pub struct Handle {
    pub port: u16,
    stop: signals::ShutdownRequest,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Handle {
    /// Stop the server and wait for its thread.
    pub fn stop(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        self.stop
            .store(signal_hook::consts::SIGTERM as usize, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// Start a server on a new thread (its Lua states need a large stack, as on the main
/// thread), logging nowhere unless the configuration names a log file.
pub fn start(config: Config) -> std::io::Result<Handle> {
    let stop = signals::new_request();
    let (tx, rx) = std::sync::mpsc::channel();
    let thread_stop = stop.clone();
    let thread = std::thread::Builder::new()
        .name("server".into())
        .stack_size(64 * 1024 * 1024)
        .spawn(move || match build(config, thread_stop) {
            Ok((mut server, mut runtime)) => {
                let _ = tx.send(Ok(server.port));
                net::run(&mut server, &mut runtime);
            }
            Err(e) => {
                let _ = tx.send(Err(e));
            }
        })?;
    let port = rx
        .recv()
        .map_err(|_| std::io::Error::other("the server thread stopped before listening"))??;
    Ok(Handle {
        port,
        stop,
        thread: Some(thread),
    })
}

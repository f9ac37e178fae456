//! A client's state beside its socket: its database, protocol, name, transaction and watches.

use crate::resp::reply::ReplyWriter;
use std::time::Instant;

/// A transaction being queued (`MULTI` ... `EXEC`).
#[derive(Debug, Default)]
pub struct Multi {
    pub queued: Vec<Vec<Vec<u8>>>,
    /// A command was refused while queueing: `EXEC` answers `EXECABORT`.
    pub aborted: bool,
    /// The flags any queued command has, and those some queued command lacks (Redis's
    /// `cmd_flags` and `cmd_inv_flags`): what EXEC is judged by (a write, deny-oom, stale).
    pub flags: crate::commands::Flags,
    pub lacking: crate::commands::Flags,
}

/// A client waiting in a blocking command (BLPOP, BLMOVE, BZPOPMIN, ...).
#[derive(Debug, Clone)]
pub struct Blocked {
    pub db: usize,
    pub keys: Vec<Vec<u8>>,
    /// When to give up (`None`: a timeout of 0, wait forever).
    pub deadline: Option<Instant>,
    /// The command, run again when one of the keys receives data.
    pub argv: Vec<Vec<u8>>,
    /// The type the keys must hold for the command to be served (`list`, `zset`).
    pub wants: &'static str,
    /// WAIT: the replicas it waits for (it has no keys).
    pub replicas: Option<WaitForReplicas>,
}

/// What a client blocked in WAIT waits for: `count` replicas acknowledging `offset`.
#[derive(Debug, Clone, Copy)]
pub struct WaitForReplicas {
    pub offset: u64,
    pub count: i64,
}

/// What a blocking command asks for when it finds no data.
#[derive(Debug, Clone)]
pub struct BlockRequest {
    pub keys: Vec<Vec<u8>>,
    pub deadline: Option<Instant>,
    /// The command line to run again when a key is ready, when it differs from the one that
    /// blocked (XREAD's `$` becomes the ID it meant when the client blocked).
    pub argv: Option<Vec<Vec<u8>>>,
    pub replicas: Option<WaitForReplicas>,
}

/// Client classes (what `CLIENT LIST TYPE`, `CLIENT KILL TYPE` and the output limits go by):
/// a MONITOR client is a normal one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Normal,
    Replica,
    Pubsub,
    Master,
}

impl Kind {
    /// A class by the name Redis takes (`getClientTypeByName`).
    pub fn named(name: &[u8]) -> Option<Kind> {
        match name.to_ascii_lowercase().as_slice() {
            b"normal" => Some(Kind::Normal),
            b"slave" | b"replica" => Some(Kind::Replica),
            b"pubsub" => Some(Kind::Pubsub),
            b"master" => Some(Kind::Master),
            _ => None,
        }
    }
}

/// `CLIENT REPLY` modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyMode {
    On,
    Off,
    /// `CLIENT REPLY SKIP` ran: the next command's reply is dropped.
    SkipNext,
    /// The reply of the command running now is dropped (unless it turns replies back on).
    Skipping,
}

#[derive(Debug)]
pub struct Client {
    pub id: u64,
    /// `ip:port` of the peer and of our side.
    pub addr: String,
    pub local_addr: String,
    pub name: Vec<u8>,
    pub db: usize,
    pub reply: ReplyWriter,
    pub authenticated: bool,
    pub user: String,
    pub multi: Option<Multi>,
    pub watched: Vec<(usize, Vec<u8>)>,
    pub reply_mode: ReplyMode,
    pub no_evict: bool,
    /// Close once the pending replies are written (`QUIT`, protocol errors).
    pub close_after_reply: bool,
    /// Close at once (`CLIENT KILL`).
    pub close_asap: bool,
    /// While its input is being run: the query buffer's length and capacity (the buffer is
    /// out of the connection then), for `CLIENT LIST`.
    pub query_in_flight: Option<(usize, usize)>,
    pub created: Instant,
    pub last_interaction: Instant,
    /// Redis's accounting of its fixed reply buffer (`rbs`, `rbp` in `CLIENT LIST`).
    pub reply_buffer: crate::reply_buffer::ReplyBuffer,
    /// The last command run, as `CLIENT LIST` shows it (`cmd=`).
    pub last_command: std::rc::Rc<str>,
    /// Inside a script: the calls the script makes are not user commands.
    pub is_script: bool,
    /// Pub/sub subscriptions, in the order made.
    pub channels: Vec<Vec<u8>>,
    pub patterns: Vec<Vec<u8>>,
    pub shard_channels: Vec<Vec<u8>>,
    /// Running the commands of EXEC.
    pub in_exec: bool,
    /// The replication offset just past this client's last propagated write (Redis's
    /// `woff`): what WAIT waits for replicas to acknowledge.
    pub write_offset: u64,
    /// The command being checked is EXEC (a refusal then aborts the transaction).
    pub rejecting_exec: bool,
    /// The error reply just written was counted already (a script's failing command).
    pub reply_error_counted: bool,
    /// Waiting in a blocking command.
    pub blocked: Option<Blocked>,
    /// Set by a blocking command that found nothing: the dispatcher then blocks the client.
    pub block_request: Option<BlockRequest>,
    /// Set by a command whose effect is logged as other commands (absolute expiry times, the
    /// members SPOP took, a script's or a transaction's own commands): what to log instead of
    /// its arguments. `Some(empty)` logs nothing for it.
    pub propagate_as: Option<Vec<Vec<Vec<u8>>>>,
    /// The append-only file's loader: blocking commands never block.
    pub deny_blocking: bool,
    /// Arguments of the command running now that the slow log and MONITOR show as
    /// `(redacted)` (passwords: Redis's `redactClientCommandArgument`), set by its handler.
    pub redacted: Vec<usize>,
    /// Its next command waits for `CLIENT PAUSE` to end.
    pub paused: bool,
    /// Bytes of the arguments of the command it runs, or waits (blocked, paused) to run
    /// (`argv-mem` in `CLIENT LIST`).
    pub argv_mem: usize,
    /// Its blocked command is being run again to serve it (not counted as another call).
    pub unblocking: bool,
    /// The length of that command's request, at the front of the query buffer (parsed, as
    /// Redis holds it: `CLIENT LIST` does not count it in `qbuf`).
    pub paused_request: usize,
    /// Since when its unsent output has been over the soft `client-output-buffer-limit`.
    /// When (unix seconds) the output was first seen over the soft limit.
    pub over_soft_limit_since: Option<i64>,
    /// A script's client: the keys its caller's command (EVAL, FCALL...) declared, which a
    /// tracking caller may cache once the script reads anything (Redis tracks the caller's
    /// command, not the script's).
    pub script_caller_keys: Vec<Vec<u8>>,
    /// A replica (after SYNC or PSYNC): it gets the replication stream, never replies.
    pub is_replica: bool,
    /// The primary this server follows, sending its replication stream: its commands skip
    /// every check and get no replies.
    pub is_master: bool,
    /// The running command must reach the replicas though it changed nothing (PUBLISH,
    /// Redis's `forceCommandPropagation`).
    pub force_replication: bool,
    /// Push messages (subscription notices) written by the command running now: they reach
    /// the client even under `CLIENT REPLY OFF|SKIP`, as Redis sends pushes regardless.
    pub pushes: Vec<u8>,
    /// The port a replica said it listens on (`REPLCONF listening-port`), as ROLE shows it.
    pub replica_port: i64,
    /// A replica that announced `REPLCONF capa psync2` (told the replication id on
    /// `+CONTINUE`).
    pub replica_psync2: bool,
    /// What a replica's snapshot leaves out (`REPLCONF rdb-filter-only <filters>`: the keys,
    /// and the functions unless `functions` is among the filters; `redis-cli --functions-rdb`).
    pub replica_snapshot_filter: Option<crate::persist::SnapshotFilter>,
    /// A replica that wants the snapshot only (`REPLCONF rdb-only 1`: `redis-cli --rdb`).
    pub replica_rdb_only: bool,
    /// A replica that takes a snapshot closed by a mark (`REPLCONF capa eof`).
    pub replica_capa_eof: bool,
    /// Connected through the Unix socket (flag `U`; counts as local).
    pub unix_socket: bool,
}

impl Client {
    pub fn new(id: u64, addr: String, local_addr: String, authenticated: bool) -> Self {
        let now = Instant::now();
        Client {
            id,
            addr,
            local_addr,
            name: Vec::new(),
            db: 0,
            reply: ReplyWriter::new(2),
            authenticated,
            user: "default".into(),
            multi: None,
            watched: Vec::new(),
            reply_mode: ReplyMode::On,
            no_evict: false,
            close_after_reply: false,
            close_asap: false,
            query_in_flight: None,
            created: now,
            last_interaction: now,
            reply_buffer: Default::default(),
            last_command: std::rc::Rc::from("NULL"),
            is_script: false,
            is_replica: false,
            is_master: false,
            force_replication: false,
            pushes: Vec::new(),
            replica_port: 0,
            replica_psync2: false,
            unix_socket: false,
            replica_snapshot_filter: None,
            replica_rdb_only: false,
            replica_capa_eof: false,
            channels: Vec::new(),
            patterns: Vec::new(),
            shard_channels: Vec::new(),
            in_exec: false,
            write_offset: 0,
            rejecting_exec: false,
            reply_error_counted: false,
            blocked: None,
            block_request: None,
            propagate_as: None,
            deny_blocking: false,
            redacted: Vec::new(),
            paused: false,
            unblocking: false,
            argv_mem: 0,
            paused_request: 0,
            over_soft_limit_since: None,
            script_caller_keys: Vec::new(),
        }
    }

    /// Blocking commands answer at once instead of blocking (inside scripts and MULTI).
    pub fn may_block(&self) -> bool {
        !self.is_script && self.multi.is_none() && !self.in_exec && !self.deny_blocking
    }

    /// Connected over loopback (what `enable-debug-command local` allows).
    pub fn is_local(&self) -> bool {
        self.unix_socket
            || self.addr.starts_with("127.")
            || self.addr.starts_with("[::1]")
            || self.addr.is_empty()
    }

    /// In RESP2 a subscribed client may only run the pub/sub commands, PING, QUIT and RESET.
    pub fn in_pubsub_mode(&self) -> bool {
        !self.channels.is_empty() || !self.patterns.is_empty() || !self.shard_channels.is_empty()
    }

    /// The client's class, as Redis's `getClientType` tells them apart.
    pub fn kind(&self) -> Kind {
        if self.is_master {
            Kind::Master
        } else if self.is_replica {
            Kind::Replica
        } else if self.in_pubsub_mode() {
            Kind::Pubsub
        } else {
            Kind::Normal
        }
    }

    /// Log `commands` for the command running now instead of its own arguments.
    pub fn propagate_instead(&mut self, commands: Vec<Vec<Vec<u8>>>) {
        self.propagate_as = Some(commands);
    }

    pub fn resp(&self) -> u8 {
        self.reply.resp
    }
}

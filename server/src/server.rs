//! The server's state: configuration, keyspace, command table, clients, statistics and log.
//! The event loop (`net`) owns one and hands it to each command.

use crate::client::Client;
use crate::commands::table::CommandTable;
use crate::config::{Config, EvictionPolicy};
use crate::db::Keyspace;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Per-command counters (`INFO commandstats`).
#[derive(Debug, Default, Clone)]
pub struct CommandStats {
    pub calls: u64,
    pub usec: u64,
    pub failed_calls: u64,
    /// Refused before running (arity, authentication, memory, a script's checks...).
    pub rejected_calls: u64,
    /// Durations, under `latency-tracking yes` (`LATENCY HISTOGRAM`, `INFO latencystats`).
    pub latency: Option<crate::latency_histogram::Histogram>,
}

impl CommandStats {
    /// A run's time, and whether it failed; its duration in the histogram with `track_latency`.
    fn record(&mut self, elapsed: Duration, failed: bool, track_latency: bool) {
        if track_latency {
            self.latency
                .get_or_insert_with(Default::default)
                .record(elapsed);
        }
        self.usec += elapsed.as_micros() as u64;
        if failed {
            self.failed_calls += 1;
        }
    }
}

#[derive(Debug, Default)]
pub struct Stats {
    pub commands_processed: u64,
    pub connections_received: u64,
    pub rejected_connections: u64,
    pub rejected_calls: u64,
    pub error_replies: u64,
    pub evicted_keys: u64,
    /// Clients closed for `maxmemory-clients`.
    pub evicted_clients: u64,
    /// Errors from applying the primary's stream (`unexpected_error_replies`).
    pub unexpected_error_replies: u64,
    /// Synchronizations of replicas: full ones, and partial ones accepted or refused.
    pub sync_full: u64,
    pub sync_partial_ok: u64,
    pub sync_partial_err: u64,
    pub net_input_bytes: u64,
    pub net_output_bytes: u64,
    /// Reads from and writes to client sockets (`total_reads_processed`, ...).
    pub reads_processed: u64,
    pub writes_processed: u64,
    /// Reply buffer resizes (see [`crate::reply_buffer`]).
    pub reply_buffer_shrinks: u64,
    pub reply_buffer_expands: u64,
    /// Time spent in active expiry, in microseconds (`expire_cycle_cpu_milliseconds`).
    pub expire_cycle_us: u64,
    /// Per command, keyed by the address of its name in the command table (each command has
    /// one, for the server's life): no string hashed on every call.
    pub per_command: HashMap<usize, (std::rc::Rc<str>, CommandStats), ahash::RandomState>,
    /// Error replies by code (`INFO errorstats`).
    pub errors: HashMap<String, u64>,
}

impl Stats {
    /// A command ran; `track_latency` adds its duration to its histogram.
    pub fn count_call(
        &mut self,
        name: &std::rc::Rc<str>,
        elapsed: Duration,
        failed: bool,
        track_latency: bool,
    ) {
        self.commands_processed += 1;
        let entry = self.command_entry(name);
        entry.calls += 1;
        entry.record(elapsed, failed, track_latency);
    }

    /// A blocked command was served (or failed) when it was unblocked: its time, failure and
    /// latency count, not another call.
    pub fn count_unblocked(
        &mut self,
        name: &std::rc::Rc<str>,
        elapsed: Duration,
        failed: bool,
        track_latency: bool,
    ) {
        self.command_entry(name)
            .record(elapsed, failed, track_latency);
    }

    /// A known command refused before it ran.
    pub fn count_rejected(&mut self, name: &std::rc::Rc<str>) {
        self.command_entry(name).rejected_calls += 1;
    }

    /// The figures of a command (by its name in the table), if it was ever counted.
    pub fn command(&self, name: &std::rc::Rc<str>) -> Option<&CommandStats> {
        let key = std::rc::Rc::as_ptr(name).cast::<u8>() as usize;
        self.per_command.get(&key).map(|(_, stats)| stats)
    }

    /// The figures of the command the table names `name`.
    fn command_entry(&mut self, name: &std::rc::Rc<str>) -> &mut CommandStats {
        let key = std::rc::Rc::as_ptr(name).cast::<u8>() as usize;
        &mut self
            .per_command
            .entry(key)
            .or_insert_with(|| (name.clone(), CommandStats::default()))
            .1
    }

    pub fn count_error(&mut self, code: &str) {
        self.error_replies += 1;
        // Redis stops adding new codes after 128 distinct ones.
        if self.errors.len() < 128 || self.errors.contains_key(code) {
            *self.errors.entry(code.to_string()).or_default() += 1;
        }
    }

    /// `CONFIG RESETSTAT`.
    pub fn reset(&mut self) {
        *self = Stats::default();
    }
}

/// How the server was asked to stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shutdown {
    /// `SHUTDOWN` or a signal: save if save points are configured.
    Default,
    NoSave,
    Save,
}

/// `CLIENT PAUSE`: until when, and whether every command waits (ALL) or only those that
/// write (WRITE).
#[derive(Debug, Clone, Copy)]
pub struct Pause {
    pub until: std::time::Instant,
    pub all: bool,
}

/// A script running now, as other clients see it while it is busy.
#[derive(Debug)]
pub struct RunningScript {
    /// An `EVAL` (true) or an `FCALL` (false): which of SCRIPT KILL / FUNCTION KILL applies.
    pub is_eval: bool,
    /// Past `busy-reply-threshold`: other clients get `BUSY`.
    pub busy: bool,
    pub kill_requested: bool,
    /// The script ran a write command: it can no longer be killed (`UNKILLABLE`).
    pub wrote: bool,
    pub client_id: u64,
    /// What the busy reports show, filled when the script becomes busy (only then can
    /// anyone ask): when it started, its SHA1 or function name, and, for a function, the
    /// command line that called it (`FUNCTION STATS`).
    pub started: Option<Instant>,
    pub name: String,
    pub command: Vec<Vec<u8>>,
}

/// The scripting runtime's figures as `INFO memory` and `FUNCTION STATS` show them, taken
/// after each script and SCRIPT / FUNCTION command (the runtime is lent out while a script
/// runs, so a busy server answers from these).
#[derive(Debug, Default, Clone, Copy)]
pub struct ScriptingFigures {
    pub eval_memory: usize,
    pub cached_scripts: usize,
    pub functions_memory: usize,
    pub functions: usize,
    pub libraries: usize,
}

impl ScriptingFigures {
    pub fn of(runtime: &redis_runtime::Runtime) -> ScriptingFigures {
        let functions = runtime.functions();
        ScriptingFigures {
            eval_memory: runtime.used_memory(),
            cached_scripts: runtime.cached_scripts(),
            functions_memory: functions.used_memory(),
            functions: functions.function_count(),
            libraries: functions.library_count(),
        }
    }
}

/// A load in progress (`loading:1` in INFO, and its figures).
#[derive(Debug, Clone, Copy)]
pub struct Loading {
    pub start_unix: i64,
    pub total_bytes: u64,
    pub loaded_bytes: u64,
    /// The memory the file's writer used (its `used-mem` field).
    pub rdb_used_mem: u64,
    /// A replica's asynchronous load (`async_loading`): clients keep being served the old
    /// data, only commands flagged `no_async_loading` are refused.
    pub asynchronous: bool,
}

pub struct Server {
    pub config: Config,
    pub keyspace: Keyspace,
    pub commands: CommandTable,
    /// Users and their permissions.
    pub acl: crate::acl::Acl,
    pub stats: Stats,
    /// Clients not running a command right now (the running one is lent out of this map).
    pub clients: crate::util::IdMap<Client>,
    pub next_client_id: u64,
    pub started: Instant,
    /// Bytes in use once the server had started, and the most in use since
    /// (`used_memory_startup`, `used_memory_peak`).
    pub memory_startup: usize,
    pub memory_peak: usize,
    /// Rates sampled by the periodic task (`instantaneous_ops_per_sec`, ...).
    pub rates: crate::metrics::Rates,
    /// `DEBUG REPLYBUFFER`: how clients' reply buffers are resized.
    pub reply_buffer_policy: crate::reply_buffer::Policy,
    pub run_id: String,
    /// The replication id this server's stream carries, and the one before it (a replica
    /// that stopped following its primary keeps the primary's as its second).
    pub replid: String,
    pub replid2: String,
    /// Where `replid2` stopped being this server's (`second_repl_offset`; -1: never).
    pub second_repl_offset: i64,
    /// The primary this server follows (`REPLICAOF host port`), if any.
    pub master_link: Option<crate::replica::MasterLink>,
    pub shutdown: Option<Shutdown>,
    /// The data file being loaded at start, while clients are answered `-LOADING`.
    pub loading: Option<Loading>,
    /// A shutdown waiting for lagging replicas.
    pub shutdown_wait: Option<crate::shutdown::Waiting>,
    pub script: Option<RunningScript>,
    /// The client scripts run their commands on, kept between scripts.
    pub script_client: Option<Box<Client>>,
    pub last_save_unix: i64,
    /// Snapshot state: the background child, the last save's outcome.
    pub rdb: crate::persist::RdbState,
    /// The append-only file.
    pub aof: crate::aof::Aof,
    /// Replicas fed the stream of changes.
    pub replication: crate::replication::Replication,
    /// `CLIENT PAUSE` in force.
    pub pause: Option<Pause>,
    /// A FAILOVER under way (it also pauses writes).
    pub failover: Option<crate::failover::Failover>,
    /// The thread large values are freed on (UNLINK, FLUSHALL ASYNC...).
    pub lazyfree: crate::lazyfree::LazyFree,
    /// Latency spikes by event (`LATENCY LATEST`...).
    pub latency: crate::latency_monitor::LatencyMonitor,
    /// Clients whose next command waits for the pause to end.
    pub paused_clients: Vec<u64>,
    /// Clients answered out of turn (CLIENT UNBLOCK): their pending input is run next.
    pub resumed: Vec<u64>,
    /// What the command running now changed, as commands to log and send to replicas
    /// (Redis's `also_propagate`).
    pub propagate: Vec<crate::aof::Propagated>,
    /// The function libraries' code, kept beside the runtime (which a running script holds)
    /// so a snapshot can be taken at any time.
    pub function_codes: Vec<Vec<u8>>,
    /// `DEBUG SET-ACTIVE-EXPIRE`: the periodic task deletes expired keys.
    pub active_expire_enabled: bool,
    /// `DEBUG PAUSE-CRON 1`: the periodic task does not run.
    pub cron_paused: bool,
    /// The out-of-memory killer's score, while `oom-score-adj` changes it.
    pub oom_score: crate::oom_score::OomScore,
    /// MIGRATE's kept connections.
    pub migrate_sockets: crate::commands::migrate::SocketCache,
    /// The executable as the server was started (`{title}` of its process title).
    pub executable: String,
    /// Clients' measured memory, for `maxmemory-clients`.
    pub client_memory: crate::client_eviction::ClientMemory,
    /// `DEBUG SET-DISABLE-DENY-SCRIPTS`: scripts may call commands flagged no-script.
    /// `DEBUG SET-SKIP-CHECKSUM-VALIDATION`: RESTORE takes payloads whatever their checksum.
    pub skip_checksum_validation: bool,
    pub deny_scripts_disabled: bool,
    /// The TCP port actually listened on.
    pub port: u16,
    pub pubsub: crate::pubsub::PubSub,
    pub slowlog: crate::slowlog::SlowLog,
    /// Clients in MONITOR mode.
    pub monitors: Vec<u64>,
    /// Blocked clients by deadline, for timeouts.
    pub block_deadlines: std::collections::BTreeSet<(std::time::Instant, u64)>,
    /// Clients whose reply buffers other clients wrote into (pub/sub messages): written out
    /// after the current batch.
    pub pending_flush: Vec<u64>,
    /// Parsing's buffers (the requests read ahead, their arguments), lent to each client's
    /// turn and kept between turns so they are not allocated again each time.
    pub lookahead: crate::lookahead::Lookahead,
    /// Sockets (`None` for a server without a listener, as in unit tests).
    pub net: Option<crate::net::Net>,
    pub scripting: ScriptingFigures,
    random_state: u64,
}

impl Server {
    pub fn new(config: Config) -> Server {
        let databases = config.settings.databases;
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(1)
            ^ u64::from(std::process::id()) << 32;
        let mut server = Server {
            config,
            keyspace: Keyspace::new(databases),
            acl: crate::acl::Acl::default(),
            commands: CommandTable::new(&crate::commands::handlers()),
            stats: Stats::default(),
            clients: Default::default(),
            next_client_id: 1,
            started: Instant::now(),
            memory_startup: crate::alloc::allocated(),
            memory_peak: crate::alloc::allocated(),
            rates: Default::default(),
            reply_buffer_policy: Default::default(),
            run_id: String::new(),
            replid: String::new(),
            replid2: "0".repeat(40),
            second_repl_offset: -1,
            master_link: None,
            shutdown: None,
            loading: None,
            shutdown_wait: None,
            script: None,
            last_save_unix: crate::db::now_ms() / 1000,
            active_expire_enabled: true,
            cron_paused: false,
            oom_score: Default::default(),
            migrate_sockets: Default::default(),
            executable: String::new(),
            client_memory: Default::default(),
            deny_scripts_disabled: false,
            skip_checksum_validation: false,
            port: 0,
            net: None,
            pubsub: Default::default(),
            slowlog: Default::default(),
            monitors: Vec::new(),
            block_deadlines: Default::default(),
            pending_flush: Vec::new(),
            lookahead: Default::default(),
            scripting: ScriptingFigures::default(),
            rdb: crate::persist::RdbState::default(),
            aof: crate::aof::Aof::default(),
            replication: crate::replication::Replication::default(),
            pause: None,
            failover: None,
            latency: Default::default(),
            lazyfree: Default::default(),
            paused_clients: Vec::new(),
            resumed: Vec::new(),
            propagate: Vec::new(),
            function_codes: Vec::new(),
            script_client: None,
            random_state: seed | 1,
        };
        server.acl = crate::acl::Acl::new(server.commands.universe());
        server.apply_config();
        server.run_id = server.random_id();
        server.replid = server.random_id();
        server
    }

    /// 40 random hexadecimal digits (a run id, a replication id).
    pub fn random_id(&mut self) -> String {
        (0..40)
            .map(|_| char::from(b"0123456789abcdef"[(self.random() % 16) as usize]))
            .collect()
    }

    /// Bring the parts that cache configuration up to date after a change.
    pub fn apply_config(&mut self) {
        self.acl.universe.all_channels_by_default =
            self.config.get("acl-pubsub-default") == Some("allchannels");
        let settings = &self.config.settings;
        self.keyspace.notify_flags =
            crate::db::notify::parse_flags(&settings.notify_keyspace_events);
        crate::db::dict::set_max_memory(settings.maxmemory as usize);
        use EvictionPolicy::{AllKeysLfu, VolatileLfu};
        crate::db::access::configure(
            matches!(settings.maxmemory_policy, AllKeysLfu | VolatileLfu),
            settings.lfu_log_factor,
            settings.lfu_decay_time,
        );
    }

    /// Give the default user `requirepass` as its password (none: `nopass`), as Redis does
    /// at start and on each `CONFIG SET requirepass`.
    pub fn apply_requirepass(&mut self) {
        let password = self.config.settings.requirepass.clone();
        self.acl.set_default_password(password.as_deref());
    }

    /// A fast pseudo-random number (xorshift64*), for sampling and `RANDOMKEY`.
    pub fn random(&mut self) -> u64 {
        xorshift(&mut self.random_state)
    }

    /// Bytes in use, as `used_memory` reports them.
    /// A forked child (BGSAVE, an AOF rewrite) is running.
    pub fn has_active_child(&self) -> bool {
        self.rdb.child.is_some() || self.aof.rewriting()
    }

    /// Hold back table growth while a child runs, allow it otherwise (Redis's
    /// `updateDictResizePolicy`), when a child starts or is collected.
    pub fn update_resize_policy(&self) {
        crate::db::dict::set_resize_allowed(!self.has_active_child());
    }

    pub fn used_memory(&self) -> usize {
        crate::alloc::allocated()
    }

    /// Whether the memory counted toward `maxmemory` is over it.
    pub fn over_maxmemory(&self) -> bool {
        let max = self.config.settings.maxmemory;
        if max == 0 {
            return false;
        }
        // What is left out is looked at only when the total is over (as Redis's
        // `overMaxmemoryAfterAlloc`): most commands under the limit pay one read.
        let used = self.used_memory();
        used as u64 > max && used.saturating_sub(self.memory_not_counted_for_evict()) as u64 > max
    }

    /// Memory `maxmemory` leaves out, so that writes do not evict keys to make room for their
    /// own propagation (`freeMemoryGetNotCountedMemory`): replicas' output buffers and the
    /// append-only file's buffer.
    pub fn memory_not_counted_for_evict(&self) -> usize {
        self.replica_buffers() + self.backlog_beyond_limit() + self.aof.buffer_memory()
    }

    /// What the backlog holds past `repl-backlog-size` for replicas waiting for their
    /// snapshot: replicas' output, as Redis counts it.
    fn backlog_beyond_limit(&self) -> usize {
        self.replication
            .backlog
            .as_ref()
            .map_or(0, |b| b.memory().saturating_sub(b.limit()))
    }

    /// `mem_total_replication_buffers`: Redis shares one buffer between the backlog and the
    /// replicas' pending output, so the larger of the two is what it holds (a replica's
    /// buffer memory kept for later output is not part of it).
    pub fn replication_buffers(&self) -> usize {
        let backlog = self.replication.backlog.as_ref().map_or(0, |b| b.memory());
        let largest_pending = self
            .replication
            .replicas
            .iter()
            .filter_map(|r| self.clients.get(&r.client_id))
            .map(|c| crate::net::pending_output(self, c))
            .max()
            .unwrap_or(0);
        backlog.max(largest_pending)
    }

    /// Each replica's output buffer size.
    fn replica_buffer_sizes(&self) -> impl Iterator<Item = usize> + '_ {
        self.replication
            .replicas
            .iter()
            .filter_map(|r| self.clients.get(&r.client_id))
            .map(|c| c.reply.buf.capacity())
    }

    /// The replicas' output buffers (`mem_clients_slaves`).
    pub fn replica_buffers(&self) -> usize {
        self.replica_buffer_sizes().sum()
    }

    /// Evict keys by the configured policy until under `maxmemory`; false when that cannot be
    /// done (`noeviction`, or nothing left to evict).
    pub fn evict_to_fit(&mut self, _reply: &mut crate::resp::reply::ReplyWriter) -> bool {
        let policy = self.config.settings.maxmemory_policy;
        if policy == EvictionPolicy::NoEviction {
            return false;
        }
        let volatile = matches!(
            policy,
            EvictionPolicy::VolatileLru
                | EvictionPolicy::VolatileLfu
                | EvictionPolicy::VolatileRandom
                | EvictionPolicy::VolatileTtl
        );
        let samples = self.config.settings.maxmemory_samples;
        let mut state = self.random_state;
        let mut rng = move || xorshift(&mut state);
        let mut rounds = 0;
        // As Redis's `performEvictions`: what must be freed is decided once, and each
        // eviction counts only the memory its removal gave back, not what telling others
        // costs (tracking invalidations, notifications), which would otherwise feed the loop.
        let max = self.config.settings.maxmemory as usize;
        let counted = self
            .used_memory()
            .saturating_sub(self.memory_not_counted_for_evict());
        let to_free = counted.saturating_sub(max);
        let mut freed = 0usize;
        while freed < to_free && rounds < 10_000 {
            rounds += 1;
            let mut best: Option<(usize, Vec<u8>, i64)> = None;
            for db in 0..self.keyspace.dbs.len() {
                for _ in 0..samples {
                    let d = &self.keyspace.dbs[db];
                    let candidate = if volatile {
                        d.expires
                            .random_entry(&mut rng)
                            .map(|(k, &t)| (k.to_vec(), t))
                    } else {
                        d.keys.random_entry(&mut rng).map(|(k, _)| (k.to_vec(), 0))
                    };
                    let Some((key, when)) = candidate else {
                        break;
                    };
                    // Lowest score goes first: volatile-ttl the soonest expiry, the LRU
                    // policies the longest unused, the LFU ones the least used; the random
                    // ones the first sampled key.
                    let score = match policy {
                        EvictionPolicy::VolatileTtl => when,
                        EvictionPolicy::AllKeysLru
                        | EvictionPolicy::VolatileLru
                        | EvictionPolicy::AllKeysLfu
                        | EvictionPolicy::VolatileLfu => d
                            .keys
                            .access(&key)
                            .map_or(i64::MAX, crate::db::access::eviction_rank),
                        _ => 0,
                    };
                    if best.as_ref().is_none_or(|(_, _, s)| score < *s) {
                        best = Some((db, key, score));
                    }
                }
            }
            let Some((db, key, _)) = best else {
                return false;
            };
            let before = crate::alloc::allocated();
            drop(self.keyspace.remove_quietly(db, &key));
            freed += before.saturating_sub(crate::alloc::allocated());
            self.keyspace.modified(db, &key);
            if self.keyspace.record_deletions {
                self.keyspace.deletions.push((db, key.clone()));
            }
            self.keyspace
                .notify(crate::db::notify::class::EVICTED, "evicted", db, &key);
            self.stats.evicted_keys += 1;
        }
        freed >= to_free
    }

    /// Write a line to the log at `level` (0 debug ... 3 warning), in Redis's format.
    pub fn log(&self, level: u8, message: &str) {
        let settings = &self.config.settings;
        let role = if self.master_link.is_some() { 'S' } else { 'M' };
        crate::log::write_as(role, &settings.logfile, settings.loglevel, level, message);
    }

    /// Whether changes are being logged or replicated: commands then note what they changed.
    pub fn propagating(&self) -> bool {
        self.aof.on || !self.replication.replicas.is_empty() || self.replication.backlog.is_some()
    }

    /// After the append-only file is turned on or off or a replica comes or goes: keys that
    /// expiry or eviction deletes are recorded (to be propagated as DELs) while changes are.
    pub fn propagation_changed(&mut self) {
        self.keyspace.record_deletions = self.propagating();
    }

    pub fn log_warning(&self, message: &str) {
        self.log(3, message);
    }

    pub fn log_notice(&self, message: &str) {
        self.log(2, message);
    }
}

fn xorshift(state: &mut u64) -> u64 {
    let mut x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    x.wrapping_mul(0x2545_f491_4f6c_dd1d)
}

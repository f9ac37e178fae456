//! The options the server acts on, typed, read from the option table after every change.

use super::Config;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum EvictionPolicy {
    #[default]
    NoEviction,
    AllKeysLru,
    VolatileLru,
    AllKeysLfu,
    VolatileLfu,
    AllKeysRandom,
    VolatileRandom,
    VolatileTtl,
}

/// `enable-debug-command` and its kin: `no`, `yes`, or `local` (loopback clients only).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Protected {
    #[default]
    No,
    Yes,
    Local,
}

impl Protected {
    /// Whether a client (from the loopback address when `local`) may take the action.
    pub fn allows(self, local: bool) -> bool {
        match self {
            Protected::Yes => true,
            Protected::No => false,
            Protected::Local => local,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub port: u16,
    pub bind: Vec<String>,
    pub requirepass: Option<Vec<u8>>,
    pub maxmemory: u64,
    pub maxmemory_policy: EvictionPolicy,
    /// `maxmemory-clients`: bytes, or a negative percentage of `maxmemory`; 0 is off.
    pub maxmemory_clients: i64,
    pub maxmemory_samples: usize,
    /// The LFU counter's logarithm factor and decay period in minutes.
    pub lfu_log_factor: i64,
    pub lfu_decay_time: i64,
    pub maxclients: usize,
    /// Idle seconds before a client is closed (0: never).
    pub timeout: u64,
    pub databases: usize,
    pub busy_reply_threshold_ms: u64,
    pub proto_max_bulk_len: i64,
    pub client_query_buffer_limit: usize,
    pub output_limits: crate::output_limits::Limits,
    pub hz: u32,
    pub logfile: String,
    /// 0 debug, 1 verbose, 2 notice, 3 warning.
    pub loglevel: u8,
    pub daemonize: bool,
    pub pidfile: String,
    pub protected_mode: bool,
    pub enable_debug_command: Protected,
    /// `enable-protected-configs`: who may CONFIG SET `dir` and `dbfilename`.
    pub enable_protected_configs: Protected,
    pub enable_module_command: Protected,
    /// `latency-tracking`: per-command latency histograms.
    pub latency_tracking: bool,
    /// `lazyfree-lazy-user-del`: DEL frees as UNLINK does.
    pub lazyfree_lazy_user_del: bool,
    /// `lazyfree-lazy-user-flush`: FLUSHALL/FLUSHDB without SYNC free as ASYNC does.
    pub lazyfree_lazy_user_flush: bool,
    /// `latency-monitor-threshold` in milliseconds (0: the monitor is off).
    pub latency_monitor_threshold: u64,
    /// Keyspace notification classes, as `notify-keyspace-events` letters.
    pub notify_keyspace_events: String,
    pub slowlog_log_slower_than: i64,
    pub slowlog_max_len: usize,
    /// Writes are refused unless this many replicas are connected (this server has none).
    pub min_replicas_to_write: i64,
    pub min_replicas_max_lag: i64,
    /// Seconds between the PINGs sent down the replication stream.
    pub repl_ping_replica_period: u64,
    /// Seconds of silence after which a replication link is given up.
    pub repl_timeout: u64,
    /// The replication backlog's size, and how long it outlives the last replica (0: always).
    pub repl_backlog_size: usize,
    pub repl_backlog_ttl: u64,
    /// As a replica: refuse writes from clients other than the primary.
    pub replica_read_only: bool,
    /// As a replica whose link is down: still answer reads with the data held.
    pub replica_serve_stale_data: bool,
    /// As a replica: the credentials to authenticate to the primary with.
    pub masteruser: String,
    pub masterauth: String,
    /// Where stream nodes close (`stream-node-max-bytes`, `stream-node-max-entries`).
    pub stream_node_max_bytes: usize,
    pub stream_node_max_entries: u64,
    /// A sparse HyperLogLog larger than this becomes dense.
    pub hll_sparse_max_bytes: usize,
    /// When collections leave their compact encodings.
    pub encoding: crate::db::encoding::Limits,
    /// `save`: snapshot after this many seconds if at least this many changes were made.
    pub save_rules: Vec<(u64, u64)>,
    pub stop_writes_on_bgsave_error: bool,
    /// `aof-timestamp-enabled`: `#TS:` annotations in the append-only file.
    pub aof_timestamps: bool,
    pub dbfilename: String,
    /// `rdbcompression`: LZF for strings over 20 bytes in snapshots and DUMP.
    pub rdb_compression: bool,
    /// `rdbchecksum`: a CRC-64 closes snapshots (zero when off).
    pub rdb_checksum: bool,
    pub rdb_key_save_delay: i64,
    /// `list-max-listpack-size`: a list node's size class (negative) or entry count.
    pub list_max_listpack_size: i64,
    /// `appendonly`
    pub aof_enabled: bool,
    pub aof_dirname: String,
    pub aof_filename: String,
    /// `appendfsync`: "always", "everysec" or "no".
    pub aof_fsync: String,
    pub aof_load_truncated: bool,
    pub aof_use_rdb_preamble: bool,
    pub auto_aof_rewrite_percentage: u64,
    pub auto_aof_rewrite_min_size: u64,
}

impl Settings {
    pub fn read(config: &Config) -> Settings {
        let text = |name: &str| config.get(name).unwrap_or("").to_string();
        let int = |name: &str| {
            config
                .get(name)
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
        };
        let yes = |name: &str| config.get(name) == Some("yes");
        let protected = |name: &str| match config.get(name) {
            Some("yes") => Protected::Yes,
            Some("local") => Protected::Local,
            _ => Protected::No,
        };
        let requirepass = text("requirepass");
        Settings {
            port: int("port") as u16,
            bind: text("bind")
                .split(' ')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            requirepass: (!requirepass.is_empty()).then(|| requirepass.into_bytes()),
            lfu_log_factor: int("lfu-log-factor"),
            lfu_decay_time: int("lfu-decay-time"),
            maxmemory: config
                .get("maxmemory")
                .and_then(|v| v.parse().ok())
                .unwrap_or(0),
            maxmemory_clients: match config.get("maxmemory-clients").unwrap_or("0") {
                v if v.ends_with('%') => -v.trim_end_matches('%').parse::<i64>().unwrap_or(0),
                v => v.parse().unwrap_or(0),
            },
            maxmemory_policy: match config.get("maxmemory-policy").unwrap_or("") {
                "allkeys-lru" => EvictionPolicy::AllKeysLru,
                "volatile-lru" => EvictionPolicy::VolatileLru,
                "allkeys-lfu" => EvictionPolicy::AllKeysLfu,
                "volatile-lfu" => EvictionPolicy::VolatileLfu,
                "allkeys-random" => EvictionPolicy::AllKeysRandom,
                "volatile-random" => EvictionPolicy::VolatileRandom,
                "volatile-ttl" => EvictionPolicy::VolatileTtl,
                _ => EvictionPolicy::NoEviction,
            },
            maxmemory_samples: int("maxmemory-samples").max(1) as usize,
            maxclients: int("maxclients").max(1) as usize,
            timeout: int("timeout").max(0) as u64,
            databases: int("databases").max(1) as usize,
            busy_reply_threshold_ms: int("busy-reply-threshold").max(0) as u64,
            proto_max_bulk_len: int("proto-max-bulk-len"),
            client_query_buffer_limit: int("client-query-buffer-limit").max(0) as usize,
            output_limits: crate::output_limits::Limits::parse(&text("client-output-buffer-limit")),
            hz: int("hz").clamp(1, 500) as u32,
            logfile: text("logfile"),
            loglevel: match config.get("loglevel") {
                Some("debug") => 0,
                Some("verbose") => 1,
                Some("warning") => 3,
                _ => 2,
            },
            daemonize: yes("daemonize"),
            pidfile: text("pidfile"),
            protected_mode: yes("protected-mode"),
            enable_debug_command: protected("enable-debug-command"),
            enable_protected_configs: protected("enable-protected-configs"),
            enable_module_command: protected("enable-module-command"),
            latency_tracking: yes("latency-tracking"),
            lazyfree_lazy_user_del: yes("lazyfree-lazy-user-del"),
            lazyfree_lazy_user_flush: yes("lazyfree-lazy-user-flush"),
            latency_monitor_threshold: int("latency-monitor-threshold").max(0) as u64,
            notify_keyspace_events: text("notify-keyspace-events"),
            slowlog_log_slower_than: int("slowlog-log-slower-than"),
            slowlog_max_len: int("slowlog-max-len").max(0) as usize,
            min_replicas_to_write: int("min-replicas-to-write"),
            min_replicas_max_lag: int("min-replicas-max-lag"),
            repl_ping_replica_period: int("repl-ping-replica-period").max(1) as u64,
            repl_timeout: int("repl-timeout").max(1) as u64,
            repl_backlog_size: config
                .get("repl-backlog-size")
                .and_then(|v| v.parse().ok())
                .unwrap_or(1024 * 1024),
            repl_backlog_ttl: int("repl-backlog-ttl").max(0) as u64,
            replica_read_only: yes("replica-read-only"),
            replica_serve_stale_data: yes("replica-serve-stale-data"),
            masteruser: text("masteruser"),
            masterauth: text("masterauth"),
            stream_node_max_bytes: int("stream-node-max-bytes").max(0) as usize,
            stream_node_max_entries: int("stream-node-max-entries").max(0) as u64,
            hll_sparse_max_bytes: int("hll-sparse-max-bytes").max(0) as usize,
            encoding: crate::db::encoding::Limits {
                hash_entries: int("hash-max-listpack-entries").max(0) as usize,
                hash_value: int("hash-max-listpack-value").max(0) as usize,
                set_intset_entries: int("set-max-intset-entries").max(0) as usize,
                zset_entries: int("zset-max-listpack-entries").max(0) as usize,
                zset_value: int("zset-max-listpack-value").max(0) as usize,
            },
            save_rules: save_rules(&text("save")),
            stop_writes_on_bgsave_error: text("stop-writes-on-bgsave-error") != "no",
            aof_timestamps: text("aof-timestamp-enabled") == "yes",
            dbfilename: text("dbfilename"),
            rdb_compression: yes("rdbcompression"),
            rdb_checksum: yes("rdbchecksum"),
            rdb_key_save_delay: int("rdb-key-save-delay"),
            list_max_listpack_size: int("list-max-listpack-size"),
            aof_enabled: yes("appendonly"),
            aof_dirname: text("appenddirname"),
            aof_filename: text("appendfilename"),
            aof_fsync: text("appendfsync"),
            aof_load_truncated: yes("aof-load-truncated"),
            aof_use_rdb_preamble: yes("aof-use-rdb-preamble"),
            auto_aof_rewrite_percentage: int("auto-aof-rewrite-percentage").max(0) as u64,
            auto_aof_rewrite_min_size: int("auto-aof-rewrite-min-size").max(0) as u64,
        }
    }
}

/// `save` as pairs of seconds and changes (its text is already checked: numbers in pairs).
fn save_rules(text: &str) -> Vec<(u64, u64)> {
    let numbers: Vec<u64> = text.split(' ').filter_map(|n| n.parse().ok()).collect();
    numbers.chunks_exact(2).map(|p| (p[0], p[1])).collect()
}

/// Notification classes as the server keeps them: the canonical spelling, plus `n` when `A`
/// hides it (Redis keeps the flag while `CONFIG GET` shows `AKE` for `KEAn`).
pub fn stored_notify_flags(classes: &str) -> String {
    let mut out = canonical_notify_flags(classes);
    if out.starts_with('A') && classes.contains('n') {
        out.push('n');
    }
    out
}

/// The canonical spelling of notification classes, as `CONFIG GET` shows them: `A` for all
/// the type classes, then `K`, `E`, `m` (Redis's `keyspaceEventsFlagsToString`).
pub fn canonical_notify_flags(classes: &str) -> String {
    const TYPE_CLASSES: &str = "g$lshzxetdn";
    const ALL: &str = "g$lshzxetd";
    let has = |c: char| classes.contains(c) || (classes.contains('A') && ALL.contains(c));
    let mut out = String::new();
    if ALL.chars().all(has) {
        // `A` does not cover `n`, and Redis then does not show `n` either.
        out.push('A');
    } else {
        out.extend(TYPE_CLASSES.chars().filter(|&c| has(c)));
    }
    out.extend("KEm".chars().filter(|&c| has(c)));
    out
}

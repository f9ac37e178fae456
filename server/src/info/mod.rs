//! `INFO`: the sections clients and tools read, in Redis's `name:value` format.

mod process;

use crate::client::Client;
use crate::commands::admin_section as section;
use crate::server::Server;

/// Sections in the order Redis prints them, and which are in the default set.
const SECTIONS: &[(&str, bool)] = &[
    ("server", true),
    ("clients", true),
    ("memory", true),
    ("persistence", true),
    ("stats", true),
    ("replication", true),
    ("cpu", true),
    ("modules", true),
    ("commandstats", false),
    ("errorstats", true),
    ("latencystats", false),
    ("cluster", true),
    ("keyspace", true),
];

pub fn render(server: &Server, client: &Client, args: &[&[u8]]) -> String {
    let requested: Vec<String> = args
        .iter()
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    let everything = requested.iter().any(|r| r == "all" || r == "everything");
    let wants = |name: &str, default: bool| {
        if requested.is_empty() || requested.iter().any(|r| r == "default") {
            default || requested.iter().any(|r| r == name)
        } else {
            everything || requested.iter().any(|r| r == name)
        }
    };
    let mut out = String::new();
    for &(name, default) in SECTIONS {
        if !wants(name, default) {
            continue;
        }
        if !out.is_empty() {
            out.push_str("\r\n");
        }
        match name {
            "server" => server_section(server, &mut out),
            "clients" => section(
                &mut out,
                "Clients",
                &[
                    // Replicas are not counted (the caller, out of the table while its
                    // command runs, is).
                    (
                        "connected_clients",
                        (server.clients.len() + 1)
                            .saturating_sub(server.replication.replicas.len())
                            .to_string(),
                    ),
                    ("cluster_connections", "0".into()),
                    ("maxclients", server.config.settings.maxclients.to_string()),
                    ("client_recent_max_input_buffer", "0".into()),
                    ("client_recent_max_output_buffer", "0".into()),
                    (
                        "blocked_clients",
                        server
                            .clients
                            .values()
                            .filter(|c| c.blocked.is_some() || c.paused)
                            .count()
                            .to_string(),
                    ),
                    (
                        "tracking_clients",
                        server.keyspace.tracking.client_count().to_string(),
                    ),
                    ("clients_in_timeout_table", "0".into()),
                ],
            ),
            "memory" => memory_section(server, &mut out),
            "persistence" => section(&mut out, "Persistence", &persistence_fields(server)),
            "stats" => stats_section(server, &mut out),
            "replication" => section(&mut out, "Replication", &replication_fields(server)),
            "cpu" => section(&mut out, "CPU", &cpu_fields()),
            "modules" => section::<&str>(&mut out, "Modules", &[]),
            "cluster" => section(&mut out, "Cluster", &[("cluster_enabled", "0".into())]),
            "errorstats" => {
                let mut codes: Vec<_> = server.stats.errors.iter().collect();
                codes.sort();
                let fields: Vec<(String, String)> = codes
                    .iter()
                    .map(|(code, count)| (format!("errorstat_{code}"), format!("count={count}")))
                    .collect();
                section(&mut out, "Errorstats", &fields);
            }
            "latencystats" => section(&mut out, "Latencystats", &latency_fields(server)),
            "commandstats" => {
                let mut names: Vec<_> = server.stats.per_command.values().collect();
                names.sort_by(|a, b| a.0.cmp(&b.0));
                let fields: Vec<(String, String)> = names
                    .iter()
                    .map(|(name, s)| {
                        let per_call = if s.calls == 0 { 0.0 } else { s.usec as f64 / s.calls as f64 };
                        (
                            format!("cmdstat_{name}"),
                            format!(
                                "calls={},usec={},usec_per_call={:.2},rejected_calls={},failed_calls={}",
                                s.calls, s.usec, per_call, s.rejected_calls, s.failed_calls
                            ),
                        )
                    })
                    .collect();
                section(&mut out, "Commandstats", &fields);
            }
            "keyspace" => {
                let fields: Vec<(String, String)> = server
                    .keyspace
                    .dbs
                    .iter()
                    .enumerate()
                    .filter(|(_, d)| !d.is_empty())
                    .map(|(i, d)| {
                        (
                            format!("db{i}"),
                            format!(
                                "keys={},expires={},avg_ttl={}",
                                d.len(),
                                d.expires.len(),
                                d.avg_ttl
                            ),
                        )
                    })
                    .collect();
                section(&mut out, "Keyspace", &fields);
            }
            _ => {}
        }
    }
    let _ = client;
    out
}

/// Our build's id (`redis_build_id`): a hash of the version, as Redis hashes its build.
fn build_id() -> String {
    let hash = redis_runtime::sha1_hex(concat!("luredis ", env!("CARGO_PKG_VERSION")).as_bytes());
    hash[..16].trim_start_matches('0').to_string()
}

fn server_section(server: &Server, out: &mut String) {
    let uptime = server.started.elapsed().as_secs();
    section(
        out,
        "Server",
        &[
            ("redis_version", redis_runtime::REDIS_VERSION.into()),
            ("redis_git_sha1", "00000000".into()),
            ("redis_git_dirty", "0".into()),
            ("redis_build_id", build_id()),
            ("redis_mode", "standalone".into()),
            ("os", process::os_description()),
            ("arch_bits", (usize::BITS).to_string()),
            ("monotonic_clock", "POSIX clock_gettime".into()),
            ("multiplexing_api", "epoll".into()),
            ("atomicvar_api", "c11-builtin".into()),
            // Built with no C compiler: Redis prints this when it was not built by GCC.
            ("gcc_version", "0.0.0".into()),
            ("process_id", std::process::id().to_string()),
            ("process_supervised", "no".into()),
            ("run_id", server.run_id.clone()),
            ("tcp_port", server.port.to_string()),
            ("server_time_usec", (crate::db::now_ms() * 1000).to_string()),
            ("uptime_in_seconds", uptime.to_string()),
            ("uptime_in_days", (uptime / 86_400).to_string()),
            ("hz", server.config.settings.hz.to_string()),
            ("configured_hz", server.config.settings.hz.to_string()),
            ("lru_clock", process::lru_clock().to_string()),
            (
                "executable",
                std::env::current_exe()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
            (
                "config_file",
                server
                    .config
                    .file
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
            ("io_threads_active", "0".into()),
        ],
    );
    // While a shutdown waits for lagging replicas.
    if server.shutdown_wait.is_some() {
        let ms = crate::shutdown::remaining_ms(server);
        out.push_str(&format!("shutdown_in_milliseconds:{ms}\r\n"));
    }
}

fn memory_section(server: &Server, out: &mut String) {
    let used = server.used_memory();
    let peak = server.memory_peak.max(used);
    let rss = process::rss_bytes();
    let startup = server.memory_startup.min(used);
    let clients = clients_memory(server);
    let backlog = if server.replication.backlog.is_some() {
        server.config.settings.repl_backlog_size
    } else {
        0
    };
    let overhead = (startup + clients + backlog).min(used);
    let dataset = used - overhead;
    let net_used = used.saturating_sub(startup);
    let percent = |part: usize, whole: usize| {
        let p = if whole == 0 {
            0.0
        } else {
            part as f64 * 100.0 / whole as f64
        };
        format!("{p:.2}%")
    };
    let ratio =
        |a: usize, b: usize| format!("{:.2}", if b == 0 { 0.0 } else { a as f64 / b as f64 });
    let signed = |a: usize, b: usize| (a as i64 - b as i64).to_string();
    let system = process::total_system_memory();
    let vm = &server.scripting;
    let vm_total = vm.eval_memory + vm.functions_memory;
    let maxmemory = server.config.settings.maxmemory;
    // Our allocator is the system's, counted by us: what it hands out is what is in use,
    // and what it holds is what is resident.
    section(
        out,
        "Memory",
        &[
            ("used_memory", used.to_string()),
            ("used_memory_human", human_bytes(used)),
            ("used_memory_rss", rss.to_string()),
            ("used_memory_rss_human", human_bytes(rss)),
            ("used_memory_peak", peak.to_string()),
            ("used_memory_peak_human", human_bytes(peak)),
            ("used_memory_peak_perc", percent(used, peak)),
            ("used_memory_overhead", overhead.to_string()),
            ("used_memory_startup", startup.to_string()),
            ("used_memory_dataset", dataset.to_string()),
            ("used_memory_dataset_perc", percent(dataset, net_used)),
            ("allocator_allocated", used.to_string()),
            ("allocator_active", used.to_string()),
            ("allocator_resident", rss.to_string()),
            ("total_system_memory", system.to_string()),
            ("total_system_memory_human", human_bytes(system)),
            ("used_memory_lua", vm.eval_memory.to_string()),
            ("used_memory_vm_eval", vm.eval_memory.to_string()),
            ("used_memory_lua_human", human_bytes(vm.eval_memory)),
            ("used_memory_scripts_eval", "0".into()),
            ("number_of_cached_scripts", vm.cached_scripts.to_string()),
            ("number_of_functions", vm.functions.to_string()),
            ("number_of_libraries", vm.libraries.to_string()),
            ("used_memory_vm_functions", vm.functions_memory.to_string()),
            ("used_memory_vm_total", vm_total.to_string()),
            ("used_memory_vm_total_human", human_bytes(vm_total)),
            ("used_memory_functions", "0".into()),
            ("used_memory_scripts", "0".into()),
            ("used_memory_scripts_human", human_bytes(0)),
            ("maxmemory", maxmemory.to_string()),
            ("maxmemory_human", human_bytes(maxmemory as usize)),
            (
                "maxmemory_policy",
                server.config.get("maxmemory-policy").unwrap_or("").into(),
            ),
            ("allocator_frag_ratio", ratio(used, used)),
            ("allocator_frag_bytes", "0".into()),
            ("allocator_rss_ratio", ratio(rss, used)),
            ("allocator_rss_bytes", signed(rss, used)),
            ("rss_overhead_ratio", ratio(rss, rss)),
            ("rss_overhead_bytes", "0".into()),
            ("mem_fragmentation_ratio", ratio(rss, used)),
            ("mem_fragmentation_bytes", signed(rss, used)),
            // Replicas' output buffers and the AOF buffer: left out of maxmemory's count.
            (
                "mem_not_counted_for_evict",
                server.memory_not_counted_for_evict().to_string(),
            ),
            ("mem_replication_backlog", backlog.to_string()),
            (
                "mem_total_replication_buffers",
                server.replication_buffers().to_string(),
            ),
            ("mem_clients_slaves", server.replica_buffers().to_string()),
            ("mem_clients_normal", clients.to_string()),
            ("mem_cluster_links", "0".into()),
            ("mem_aof_buffer", server.aof.buffer_memory().to_string()),
            ("mem_allocator", "libc".into()),
            ("active_defrag_running", "0".into()),
            (
                "lazyfree_pending_objects",
                server.lazyfree.pending().to_string(),
            ),
            ("lazyfreed_objects", server.lazyfree.freed().to_string()),
        ],
    );
}

/// Bytes the clients' buffers hold (`mem_clients_normal`): query buffers and pending replies
/// (replicas' are `mem_clients_slaves`).
fn clients_memory(server: &Server) -> usize {
    server
        .clients
        .values()
        .filter(|c| !c.is_replica)
        .map(|c| {
            let (_, query) = crate::net::query_buffer(server, c);
            query + c.reply.buf.capacity()
        })
        .sum()
}

fn persistence_fields(server: &Server) -> Vec<(&'static str, String)> {
    let status = |ok: bool| if ok { "ok" } else { "err" }.to_string();
    let rdb = &server.rdb;
    let aof = &server.aof;
    let child = rdb
        .child_info
        .as_ref()
        .or_else(|| crate::aof::child_info(server));
    let current = child.and_then(|c| c.current);
    let mut fields = vec![
        (
            "loading",
            u8::from(server.loading.as_ref().is_some_and(|l| !l.asynchronous)).to_string(),
        ),
        (
            "async_loading",
            u8::from(server.loading.as_ref().is_some_and(|l| l.asynchronous)).to_string(),
        ),
        // What the running background save's child reported (all 0 without one).
        ("current_cow_peak", child.map_or(0, |c| c.peak).to_string()),
        ("current_cow_size", current.map_or(0, |r| r.cow).to_string()),
        (
            "current_cow_size_age",
            current.map_or(0, |r| r.at.elapsed().as_secs()).to_string(),
        ),
        (
            "current_fork_perc",
            format!("{:.2}", child.map_or(0.0, |c| c.progress_percent())),
        ),
        (
            "current_save_keys_processed",
            current.map_or(0, |r| r.keys).to_string(),
        ),
        (
            "current_save_keys_total",
            child.map_or(0, |c| c.keys_total).to_string(),
        ),
        (
            "rdb_changes_since_last_save",
            server.keyspace.dirty.to_string(),
        ),
        (
            "rdb_bgsave_in_progress",
            u8::from(rdb.child.is_some()).to_string(),
        ),
        ("rdb_last_save_time", server.last_save_unix.to_string()),
        ("rdb_last_bgsave_status", status(rdb.last_bgsave_ok)),
        ("rdb_last_bgsave_time_sec", rdb.last_bgsave_secs.to_string()),
        (
            "rdb_current_bgsave_time_sec",
            rdb.child_started
                .map_or(-1, |(t, _)| t.elapsed().as_secs() as i64)
                .to_string(),
        ),
        ("rdb_saves", rdb.saves.to_string()),
        ("rdb_last_cow_size", rdb.last_cow_size.to_string()),
        (
            "rdb_last_load_keys_expired",
            rdb.last_load_keys_expired.to_string(),
        ),
        (
            "rdb_last_load_keys_loaded",
            rdb.last_load_keys_loaded.to_string(),
        ),
        ("aof_enabled", u8::from(aof.on).to_string()),
        (
            "aof_rewrite_in_progress",
            u8::from(aof.rewriting()).to_string(),
        ),
        (
            "aof_rewrite_scheduled",
            u8::from(aof.rewrite_scheduled).to_string(),
        ),
        (
            "aof_last_rewrite_time_sec",
            aof.last_rewrite_secs.to_string(),
        ),
        (
            "aof_current_rewrite_time_sec",
            aof.rewrite_running_secs().to_string(),
        ),
        ("aof_last_bgrewrite_status", status(aof.last_rewrite_ok)),
        ("aof_rewrites", aof.rewrites.to_string()),
        (
            "aof_rewrites_consecutive_failures",
            aof.rewrite_failures_in_a_row.to_string(),
        ),
        ("aof_last_write_status", status(aof.last_write_ok)),
        ("aof_last_cow_size", aof.last_cow_size.to_string()),
        ("module_fork_in_progress", "0".into()),
        ("module_fork_last_cow_size", "0".into()),
    ];
    if aof.on {
        let (current, base) = aof.sizes();
        fields.extend([
            ("aof_current_size", current.to_string()),
            ("aof_base_size", base.to_string()),
            (
                "aof_pending_rewrite",
                u8::from(aof.rewrite_scheduled).to_string(),
            ),
            ("aof_buffer_length", aof.buffered().to_string()),
            ("aof_pending_bio_fsync", "0".into()),
            ("aof_delayed_fsync", "0".into()),
        ]);
    }
    if let Some(loading) = &server.loading {
        fields.extend(loading_fields(loading));
    }
    fields
}

/// A load's progress, and Redis's estimate of the time it still needs.
fn loading_fields(loading: &crate::server::Loading) -> Vec<(&'static str, String)> {
    let (total, loaded) = (loading.total_bytes, loading.loaded_bytes);
    let (perc, remaining) = if total > 0 {
        (
            loaded as f64 / total as f64 * 100.0,
            total.saturating_sub(loaded),
        )
    } else {
        (0.0, 1)
    };
    let elapsed = (crate::db::now_ms() / 1000 - loading.start_unix).max(0) as u64;
    let eta = if elapsed == 0 {
        1
    } else {
        elapsed.saturating_mul(remaining) / (loaded + 1)
    };
    vec![
        ("loading_start_time", loading.start_unix.to_string()),
        ("loading_total_bytes", total.to_string()),
        ("loading_rdb_used_mem", loading.rdb_used_mem.to_string()),
        ("loading_loaded_bytes", loaded.to_string()),
        ("loading_loaded_perc", format!("{perc:.2}")),
        ("loading_eta_seconds", eta.to_string()),
    ]
}

fn stats_section(server: &Server, out: &mut String) {
    let s = &server.stats;
    let k = &server.keyspace.stats;
    let tracking = server.keyspace.tracking.totals();
    let rates = &server.rates;
    let kbps = |r: &crate::metrics::Rate| format!("{:.2}", r.per_second() / 1024.0);
    let (forks, latest_fork_usec) = crate::fork::stats();
    let pubsub = &server.pubsub;
    section(
        out,
        "Stats",
        &[
            (
                "total_connections_received",
                s.connections_received.to_string(),
            ),
            ("total_commands_processed", s.commands_processed.to_string()),
            (
                "instantaneous_ops_per_sec",
                (rates.commands.per_second() as u64).to_string(),
            ),
            ("total_net_input_bytes", s.net_input_bytes.to_string()),
            ("total_net_output_bytes", s.net_output_bytes.to_string()),
            ("total_net_repl_input_bytes", "0".into()),
            ("total_net_repl_output_bytes", "0".into()),
            ("instantaneous_input_kbps", kbps(&rates.input_bytes)),
            ("instantaneous_output_kbps", kbps(&rates.output_bytes)),
            ("instantaneous_input_repl_kbps", "0.00".into()),
            ("instantaneous_output_repl_kbps", "0.00".into()),
            ("rejected_connections", s.rejected_connections.to_string()),
            ("sync_full", server.stats.sync_full.to_string()),
            ("sync_partial_ok", server.stats.sync_partial_ok.to_string()),
            (
                "sync_partial_err",
                server.stats.sync_partial_err.to_string(),
            ),
            ("expired_keys", k.expired_keys.to_string()),
            ("expired_stale_perc", "0.00".into()),
            ("expired_time_cap_reached_count", "0".into()),
            (
                "expire_cycle_cpu_milliseconds",
                (s.expire_cycle_us / 1000).to_string(),
            ),
            ("evicted_keys", s.evicted_keys.to_string()),
            ("evicted_clients", server.stats.evicted_clients.to_string()),
            ("total_eviction_exceeded_time", "0".into()),
            ("current_eviction_exceeded_time", "0".into()),
            ("keyspace_hits", k.hits.to_string()),
            ("keyspace_misses", k.misses.to_string()),
            ("pubsub_channels", pubsub.channels(None).len().to_string()),
            ("pubsub_patterns", pubsub.pattern_count().to_string()),
            (
                "pubsubshard_channels",
                pubsub.shard_channels(None).len().to_string(),
            ),
            ("latest_fork_usec", latest_fork_usec.to_string()),
            ("total_forks", forks.to_string()),
            (
                "migrate_cached_sockets",
                server.migrate_sockets.len().to_string(),
            ),
            // A replica keeps no writable keys' expiry here.
            ("slave_expires_tracked_keys", "0".to_string()),
            // No active defragmentation: the system allocator is used.
            ("active_defrag_hits", "0".into()),
            ("active_defrag_misses", "0".into()),
            ("active_defrag_key_hits", "0".into()),
            ("active_defrag_key_misses", "0".into()),
            ("total_active_defrag_time", "0".into()),
            ("current_active_defrag_time", "0".into()),
            ("tracking_total_keys", tracking.0.to_string()),
            ("tracking_total_items", tracking.1.to_string()),
            ("tracking_total_prefixes", tracking.2.to_string()),
            (
                "unexpected_error_replies",
                server.stats.unexpected_error_replies.to_string(),
            ),
            ("total_error_replies", s.error_replies.to_string()),
            ("dump_payload_sanitizations", "0".into()),
            ("total_reads_processed", s.reads_processed.to_string()),
            ("total_writes_processed", s.writes_processed.to_string()),
            ("io_threaded_reads_processed", "0".into()),
            ("io_threaded_writes_processed", "0".into()),
            ("reply_buffer_shrinks", s.reply_buffer_shrinks.to_string()),
            ("reply_buffer_expands", s.reply_buffer_expands.to_string()),
        ],
    );
}

/// `1.50M` style sizes as `used_memory_human` shows them.
fn human_bytes(n: usize) -> String {
    let n = n as f64;
    if n < 1024.0 {
        format!("{n}B")
    } else if n < 1024.0 * 1024.0 {
        format!("{:.2}K", n / 1024.0)
    } else if n < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}M", n / (1024.0 * 1024.0))
    } else {
        format!("{:.2}G", n / (1024.0 * 1024.0 * 1024.0))
    }
}

/// The replication section: this server is a primary; its replicas and the stream's offset
/// (the backlog's figures once a replica has attached, as Redis keeps one from then on).
fn replication_fields(server: &Server) -> Vec<(&'static str, String)> {
    let replication = &server.replication;
    let now = std::time::Instant::now();
    let replicas: Vec<String> = crate::replication::attached(server)
        .filter_map(|r| {
            let client = server.clients.get(&r.client_id)?;
            // The lag of a replica still synchronizing reads 0, as in Redis.
            let lag = match r.state.is_online() {
                true => now.duration_since(r.ack_time).as_secs(),
                false => 0,
            };
            Some(format!(
                "ip={},port={},state={},offset={},lag={lag}",
                crate::replication::replica_ip(&client.addr),
                client.replica_port,
                r.state.name(),
                r.ack_offset,
            ))
        })
        .collect();
    let mut fields: Vec<(&'static str, String)> = match server.master_link.as_ref() {
        None => vec![("role", "master".into())],
        Some(link) => replica_fields(server, link),
    };
    fields.push(("connected_slaves", replicas.len().to_string()));
    if crate::replication::min_replicas_enabled(server) {
        let good = crate::replication::good_replicas(server);
        fields.push(("min_slaves_good_slaves", good.to_string()));
    }
    const NAMES: [&str; 8] = [
        "slave0", "slave1", "slave2", "slave3", "slave4", "slave5", "slave6", "slave7",
    ];
    for (name, line) in NAMES.iter().zip(replicas) {
        fields.push((name, line));
    }
    let offset = match server.master_link.as_ref() {
        Some(link) => link.offset,
        None => replication.offset,
    };
    let backlog = if replication.backlog.is_some() {
        "1"
    } else {
        "0"
    };
    fields.extend([
        (
            "master_failover_state",
            crate::failover::state_name(server).into(),
        ),
        ("master_replid", server.replid.clone()),
        ("master_replid2", server.replid2.clone()),
        ("master_repl_offset", offset.to_string()),
        ("second_repl_offset", server.second_repl_offset.to_string()),
        ("repl_backlog_active", backlog.into()),
        (
            "repl_backlog_size",
            server.config.settings.repl_backlog_size.to_string(),
        ),
    ]);
    let (first_byte, held) = replication
        .backlog
        .as_ref()
        .map_or((0, 0), |b| (b.first_byte(), b.histlen()));
    fields.push(("repl_backlog_first_byte_offset", first_byte.to_string()));
    fields.push(("repl_backlog_histlen", held.to_string()));
    fields
}

/// The lines a replica adds about its primary and its link.
fn replica_fields(
    server: &Server,
    link: &crate::replica::MasterLink,
) -> Vec<(&'static str, String)> {
    let up = link.is_connected();
    // Redis reports 1 until a primary's client has existed.
    let offset = if up || link.down_since.is_some() {
        link.offset
    } else {
        1
    };
    // What the primary sent that a pause keeps from running.
    let read_not_applied =
        link.client_id()
            .map_or(0, |id| crate::net::unprocessed_input(server, id)) as u64;
    let config = |name: &str, default: &str| server.config.get(name).unwrap_or(default).to_string();
    let mut fields: Vec<(&'static str, String)> = vec![
        ("role", "slave".into()),
        ("master_host", link.host.clone()),
        ("master_port", link.port.to_string()),
        ("master_link_status", if up { "up" } else { "down" }.into()),
        (
            "master_last_io_seconds_ago",
            if up {
                link.last_io.elapsed().as_secs().to_string()
            } else {
                "-1".into()
            },
        ),
        (
            "master_sync_in_progress",
            u8::from(link.transfer_figures().is_some()).to_string(),
        ),
        (
            "slave_read_repl_offset",
            (offset + read_not_applied).to_string(),
        ),
        ("slave_repl_offset", offset.to_string()),
    ];
    if let Some(transfer) = link.transfer_figures() {
        let total = transfer.total;
        let perc = if total > 0 {
            transfer.received as f64 / total as f64 * 100.0
        } else {
            0.0
        };
        fields.extend([
            ("master_sync_total_bytes", total.to_string()),
            ("master_sync_read_bytes", transfer.received.to_string()),
            (
                "master_sync_left_bytes",
                (total - transfer.received as i64).to_string(),
            ),
            ("master_sync_perc", format!("{perc:.2}")),
            ("master_sync_last_io_seconds_ago", "0".into()),
        ]);
    }
    if !up {
        let since = link
            .down_since
            .map_or("-1".to_string(), |d| d.elapsed().as_secs().to_string());
        fields.push(("master_link_down_since_seconds", since));
    }
    let read_only = server.config.settings.replica_read_only;
    fields.extend([
        ("slave_priority", config("replica-priority", "100")),
        ("slave_read_only", u8::from(read_only).to_string()),
        (
            "replica_announced",
            u8::from(config("replica-announced", "yes") == "yes").to_string(),
        ),
    ]);
    fields
}

/// CPU seconds used, as `getrusage` gives Redis: the process, its reaped children, and the
/// main thread, read from `/proc` (`utime`/`stime` and `cutime`/`cstime` of `stat`, in clock
/// ticks of 1/100 s on Linux).
fn cpu_fields() -> Vec<(&'static str, String)> {
    let times = |path: &str| -> Option<[u64; 4]> {
        let text = std::fs::read_to_string(path).ok()?;
        // Fields after the command name (which may hold spaces) start after its ')'.
        let rest = &text[text.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // utime, stime, cutime, cstime are fields 14 to 17 of the line, 12 to 15 here.
        let get = |i: usize| fields.get(i).and_then(|f| f.parse::<u64>().ok());
        Some([get(11)?, get(12)?, get(13)?, get(14)?])
    };
    let seconds = |ticks: u64| format!("{}.{:06}", ticks / 100, (ticks % 100) * 10_000);
    let process = times("/proc/self/stat").unwrap_or_default();
    let thread = times("/proc/thread-self/stat").unwrap_or_default();
    vec![
        ("used_cpu_sys", seconds(process[1])),
        ("used_cpu_user", seconds(process[0])),
        ("used_cpu_sys_children", seconds(process[3])),
        ("used_cpu_user_children", seconds(process[2])),
        ("used_cpu_sys_main_thread", seconds(thread[1])),
        ("used_cpu_user_main_thread", seconds(thread[0])),
    ]
}

/// `INFO latencystats`: the configured percentiles of each command's latency histogram, in
/// microseconds (none while `latency-tracking` is off).
fn latency_fields(server: &Server) -> Vec<(String, String)> {
    if !server.config.settings.latency_tracking {
        return Vec::new();
    }
    let percentiles: Vec<f64> = server
        .config
        .get("latency-tracking-info-percentiles")
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    let mut commands: Vec<_> = server
        .stats
        .per_command
        .values()
        .filter_map(|(name, s)| Some((name, s.latency.as_ref()?)))
        .collect();
    commands.sort_by(|a, b| a.0.cmp(b.0));
    commands
        .into_iter()
        .map(|(name, histogram)| {
            let values: Vec<String> = percentiles
                .iter()
                .map(|&p| {
                    let usec = histogram.value_at_percentile(p) as f64 / 1000.0;
                    format!(
                        "p{}={usec:.3}",
                        crate::latency_histogram::percentile_name(p)
                    )
                })
                .collect();
            (format!("latency_percentiles_usec_{name}"), values.join(","))
        })
        .collect()
}

//! Server commands answered from what this server is: ROLE, REPLICAOF, MODULE LIST (no
//! modules), LOLWUT, MEMORY STATS and MEMORY MALLOC-STATS.

use super::{is, Ctx, Handler};
use redis_runtime::Reply;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("role", role),
    ("replicaof", replicaof),
    ("slaveof", replicaof),
    ("module|list", module_list),
    ("lolwut", lolwut),
    ("memory|stats", memory_stats),
    ("memory|malloc-stats", memory_malloc_stats),
];

/// `["master", replication offset, replicas]`, each replica as `[ip, port, acknowledged
/// offset]`.
fn role(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if let Some(link) = ctx.server.master_link.as_ref() {
        let offset = if link.is_connected() {
            link.offset as i64
        } else {
            -1
        };
        let out = &mut ctx.client.reply;
        out.array(5);
        out.bulk(b"slave");
        out.bulk(link.host.as_bytes());
        out.int(i64::from(link.port));
        out.bulk(link.state_name().as_bytes());
        out.int(offset);
        return;
    }
    let replicas: Vec<[String; 3]> = crate::replication::connected(ctx.server)
        .filter_map(|r| {
            let client = ctx.server.clients.get(&r.client_id)?;
            Some([
                crate::replication::replica_ip(&client.addr).to_string(),
                client.replica_port.to_string(),
                r.ack_offset.to_string(),
            ])
        })
        .collect();
    let out = &mut ctx.client.reply;
    out.array(3);
    out.bulk(b"master");
    out.int(ctx.server.replication.offset as i64);
    out.array(replicas.len());
    for replica in &replicas {
        out.array(3);
        for field in replica {
            out.bulk(field.as_bytes());
        }
    }
}

/// REPLICAOF host port: follow that primary ([`crate::replica`]); REPLICAOF NO ONE: stop
/// following and become a primary again, keeping the data.
fn replicaof(ctx: &mut Ctx, argv: &[&[u8]]) {
    let client_info =
        |ctx: &Ctx| super::connection::describe(ctx.server, ctx.client, std::time::Instant::now());
    if ctx.server.failover.is_some() {
        ctx.client
            .reply
            .error("ERR REPLICAOF not allowed while failing over.");
        return;
    }
    if is(argv[1], "no") && is(argv[2], "one") {
        if ctx.server.master_link.is_some() {
            crate::replica::unset_master(ctx.server);
            let info = client_info(ctx);
            ctx.server
                .log_notice(&format!("MASTER MODE enabled (user request from '{info}')"));
        }
        ctx.client.reply.ok();
        return;
    }
    if ctx.client.is_replica {
        ctx.client
            .reply
            .error("ERR Command is not valid when client is a replica.");
        return;
    }
    let port = crate::util::parse_i64(argv[2]).filter(|p| (0..=65535).contains(p));
    let Some(port) = port else {
        ctx.client.reply.error("ERR Invalid master port");
        return;
    };
    let host = String::from_utf8_lossy(argv[1]).into_owned();
    let same = ctx
        .server
        .master_link
        .as_ref()
        .is_some_and(|l| l.host.eq_ignore_ascii_case(&host) && i64::from(l.port) == port);
    if same {
        ctx.server.log_notice("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.");
        ctx.client
            .reply
            .status(b"OK Already connected to specified master");
        return;
    }
    crate::replica::set_master(ctx.server, host.clone(), port as u16);
    let info = client_info(ctx);
    ctx.server.log_notice(&format!(
        "REPLICAOF {host}:{port} enabled (user request from '{info}')"
    ));
    ctx.client.reply.ok();
}

fn module_list(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.client.reply.array(0);
}

/// LOLWUT [VERSION v]: the version line, as redis-server answers for versions after 6. The
/// art of versions 5 and 6 is not drawn here: they get the same line.
fn lolwut(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() >= 3 && is(argv[1], "version") && super::int_arg(ctx, argv[2]).is_none() {
        return;
    }
    let text = format!("Redis ver. {}\n", redis_runtime::REDIS_VERSION);
    ctx.client.reply.verbatim(text.as_bytes());
}

/// MEMORY STATS's fields, in Redis's order, from this server's own figures (the allocator
/// fields describe the system allocator's view, which keeps no separate active/resident
/// counts: they repeat the allocated bytes).
fn memory_stats(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let server = &*ctx.server;
    let used = server.used_memory() as i64;
    let keys: i64 = server.keyspace.total_keys() as i64;
    let overhead = 0i64;
    let dataset = used - overhead;
    let int = Reply::Integer;
    let double = Reply::Double;
    let mut pairs: Vec<(Reply, Reply)> = vec![
        (bulk("peak.allocated"), int(used)),
        (bulk("total.allocated"), int(used)),
        (bulk("startup.allocated"), int(0)),
        (bulk("replication.backlog"), int(0)),
        (bulk("clients.slaves"), int(0)),
        (bulk("clients.normal"), int(0)),
        (bulk("cluster.links"), int(0)),
        (bulk("aof.buffer"), int(0)),
        (bulk("lua.caches"), int(0)),
        (bulk("functions.caches"), int(0)),
    ];
    for (index, db) in server.keyspace.dbs.iter().enumerate() {
        if db.is_empty() {
            continue;
        }
        let tables = Reply::Map(vec![
            (
                bulk("overhead.hashtable.main"),
                int(db.keys.bucket_count() as i64 * 8),
            ),
            (
                bulk("overhead.hashtable.expires"),
                int(db.expires.bucket_count() as i64 * 8),
            ),
        ]);
        pairs.push((bulk(&format!("db.{index}")), tables));
    }
    let percentage = if used > 0 {
        100.0 * dataset as f64 / used as f64
    } else {
        0.0
    };
    pairs.extend([
        (bulk("overhead.total"), int(overhead)),
        (bulk("keys.count"), int(keys)),
        (
            bulk("keys.bytes-per-key"),
            int(if keys > 0 { used / keys } else { 0 }),
        ),
        (bulk("dataset.bytes"), int(dataset)),
        (bulk("dataset.percentage"), double(percentage)),
        (bulk("peak.percentage"), double(100.0)),
        (bulk("allocator.allocated"), int(used)),
        (bulk("allocator.active"), int(used)),
        (bulk("allocator.resident"), int(used)),
        (bulk("allocator-fragmentation.ratio"), double(1.0)),
        (bulk("allocator-fragmentation.bytes"), int(0)),
        (bulk("allocator-rss.ratio"), double(1.0)),
        (bulk("allocator-rss.bytes"), int(0)),
        (bulk("rss-overhead.ratio"), double(1.0)),
        (bulk("rss-overhead.bytes"), int(0)),
        (bulk("fragmentation"), double(1.0)),
        (bulk("fragmentation.bytes"), int(0)),
    ]);
    ctx.client.reply.reply(&Reply::Map(pairs));
}

fn bulk(text: &str) -> Reply {
    Reply::Bulk(text.as_bytes().to_vec())
}

/// What redis-server answers when built with the C library's allocator, as this server is.
fn memory_malloc_stats(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.client
        .reply
        .bulk(b"Stats not supported for the current allocator");
}

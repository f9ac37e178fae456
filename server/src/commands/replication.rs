//! SYNC, PSYNC and REPLCONF: how a replica attaches (see `crate::replication`). PSYNC goes on
//! from the replica's offset when the backlog holds it (`+CONTINUE`); otherwise a full
//! resynchronization is sent as a disk-style bulk (`$<length>`), which every replica accepts.

use super::{int_arg, is, Ctx, Handler, SYNTAX};

pub const HANDLERS: &[(&str, Handler)] = &[
    ("sync", sync),
    ("psync", sync),
    ("replconf", replconf),
    ("wait", wait),
    ("failover", failover),
];

/// SYNC, and PSYNC <replid> <offset>: the snapshot, then the stream.
fn sync(ctx: &mut Ctx, argv: &[&[u8]]) {
    // Already a replica: ignored, as Redis ignores it.
    if ctx.client.is_replica {
        return;
    }
    if argv.len() > 3 && is(argv[0], "psync") && is(argv[3], "failover") {
        let replid = String::from_utf8_lossy(argv[1]).into_owned();
        ctx.server
            .log_warning(&format!("Failover request received for replid {replid}."));
        if ctx.server.master_link.is_none() {
            ctx.client
                .reply
                .error("ERR PSYNC FAILOVER can't be sent to a master.");
            return;
        }
        if !replid.eq_ignore_ascii_case(&ctx.server.replid) {
            ctx.client
                .reply
                .error("ERR PSYNC FAILOVER replid must match my replid.");
            return;
        }
        crate::replica::unset_master(ctx.server);
        let info = super::connection::describe(ctx.server, ctx.client, std::time::Instant::now());
        ctx.server.log_notice(&format!(
            "MASTER MODE enabled (failover request from '{info}')"
        ));
    }
    if ctx.server.failover.is_some() {
        ctx.client
            .reply
            .error("NOMASTERLINK Can't SYNC while failing over");
        return;
    }
    if let Some(link) = ctx.server.master_link.as_ref() {
        if !link.is_connected() {
            ctx.client
                .reply
                .error("NOMASTERLINK Can't SYNC while not connected with my master");
            return;
        }
    }
    // Replies not yet written would mix with the snapshot.
    if !ctx.client.reply.buf.is_empty() {
        ctx.client
            .reply
            .error("ERR SYNC and PSYNC are invalid with pending output");
        return;
    }
    let name = crate::replication::replica_name(ctx.client);
    ctx.server
        .log_notice(&format!("Replica {name} asks for synchronization"));
    if is(argv[0], "psync") {
        let Some(from) = int_arg(ctx, argv[2]) else {
            ctx.server.log_warning(&format!(
                "Replica {name} asks for synchronization but with a wrong offset"
            ));
            return;
        };
        let replid = String::from_utf8_lossy(argv[1]);
        if let Some(missed) = crate::replication::partial_resync(ctx.server, &name, &replid, from) {
            let out = &mut ctx.client.reply.buf;
            if ctx.client.replica_psync2 {
                out.extend_from_slice(format!("+CONTINUE {}\r\n", ctx.server.replid).as_bytes());
            } else {
                out.extend_from_slice(b"+CONTINUE\r\n");
            }
            out.extend_from_slice(&missed);
            ctx.client.is_replica = true;
            let state = crate::full_sync::SyncState::Online;
            crate::replication::attach(ctx.server, ctx.client, state, false, false);
            ctx.server.stats.sync_partial_ok += 1;
            ctx.server.log_notice(&format!(
                "Partial resynchronization request from {name} accepted. Sending {} bytes of backlog starting from offset {from}.",
                missed.len()
            ));
            return;
        }
        if !replid.starts_with('?') {
            ctx.server.stats.sync_partial_err += 1;
        }
    }
    crate::replication::prepare_full_sync(ctx.server);
    let Some(filter) = ctx.client.replica_snapshot_filter else {
        crate::full_sync::request(ctx.server, ctx.client, is(argv[0], "sync"));
        return;
    };
    let snapshot = match crate::persist::snapshot_bytes(ctx.server, Some(filter)) {
        Ok(bytes) => bytes,
        Err(e) => {
            ctx.client.reply.error(&format!(
                "ERR could not make the snapshot: {}",
                crate::util::strerror(&e)
            ));
            return;
        }
    };
    ctx.server.stats.sync_full += 1;
    let out = &mut ctx.client.reply.buf;
    if is(argv[0], "psync") {
        out.extend_from_slice(
            format!(
                "+FULLRESYNC {} {}\r\n",
                ctx.server.replid, ctx.server.replication.offset
            )
            .as_bytes(),
        );
    }
    // A bulk without the closing CRLF: the stream follows the file's last byte.
    out.extend_from_slice(format!("${}\r\n", snapshot.len()).as_bytes());
    out.extend_from_slice(&snapshot);
    ctx.client.is_replica = true;
    crate::replication::reselect(ctx.server);
    let state = crate::full_sync::SyncState::Online;
    let pre_psync = is(argv[0], "sync");
    crate::replication::attach(ctx.server, ctx.client, state, pre_psync, false);
    ctx.server
        .log_notice(&format!("Synchronization with replica {name} succeeded"));
}

/// REPLCONF <option> <value> ...: what a replica tells its primary. `ACK` and `GETACK` get no
/// reply.
fn replconf(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() % 2 == 0 {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    for pair in argv[1..].chunks(2) {
        let (option, value) = (pair[0], pair[1]);
        if is(option, "listening-port") {
            let Some(port) = int_arg(ctx, value) else {
                return;
            };
            ctx.client.replica_port = port;
        } else if is(option, "rdb-filter-only") {
            // A filter leaves the keys out, and the functions unless it names them.
            let text = String::from_utf8_lossy(value).into_owned();
            let mut filter = crate::persist::SnapshotFilter {
                keys: false,
                functions: false,
            };
            for word in text.split_whitespace() {
                if word.eq_ignore_ascii_case("functions") {
                    filter.functions = true;
                } else {
                    ctx.client
                        .reply
                        .error(&format!("ERR Unsupported rdb-filter-only option: {word}"));
                    return;
                }
            }
            ctx.client.replica_snapshot_filter = Some(filter);
        } else if is(option, "capa") {
            if is(value, "psync2") {
                ctx.client.replica_psync2 = true;
            } else if is(value, "eof") {
                ctx.client.replica_capa_eof = true;
            }
        } else if is(option, "ack") || is(option, "fack") {
            if ctx.client.is_replica {
                let offset = std::str::from_utf8(value)
                    .ok()
                    .and_then(|v| v.parse::<u64>().ok());
                if let Some(offset) = offset {
                    crate::replication::acknowledge(ctx.server, ctx.client.id, offset);
                }
            }
            return;
        } else if is(option, "getack") {
            // From the primary this server follows: acknowledge the offset processed.
            if ctx.client.is_master {
                if let Some(link) = ctx.server.master_link.as_mut() {
                    link.ack_due = true;
                }
            }
            return;
        } else if is(option, "rdb-only") {
            match value {
                b"0" => ctx.client.replica_rdb_only = false,
                b"1" => ctx.client.replica_rdb_only = true,
                _ => {
                    ctx.client.reply.error(SYNTAX);
                    return;
                }
            }
        } else if !is(option, "ip-address") {
            ctx.client.reply.error(&format!(
                "ERR Unrecognized REPLCONF option: {}",
                String::from_utf8_lossy(option)
            ));
            return;
        }
    }
    ctx.client.reply.ok();
}

/// `WAIT numreplicas timeout`: block until that many replicas acknowledged this client's
/// last write (or the timeout in milliseconds passes, 0 for never); the number that did.
fn wait(ctx: &mut Ctx, argv: &[&[u8]]) {
    if ctx.server.master_link.is_some() {
        ctx.client.reply.error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.");
        return;
    }
    let Some(count) = int_arg(ctx, argv[1]) else {
        return;
    };
    let Some(timeout_ms) = super::millis_arg(ctx, argv[2]) else {
        return;
    };
    let offset = ctx.client.write_offset;
    let acked = crate::replication::count_acks(ctx.server, offset);
    // Inside a transaction (or a script: WAIT is refused there) it cannot block.
    if acked as i64 >= count || !ctx.client.may_block() {
        ctx.client.reply.int(acked as i64);
        return;
    }
    let deadline = (timeout_ms > 0).then(|| super::deadline_after_ms(timeout_ms));
    ctx.client.block_request = Some(crate::client::BlockRequest {
        keys: Vec::new(),
        deadline,
        argv: None,
        replicas: Some(crate::client::WaitForReplicas { offset, count }),
    });
    ctx.server.replication.getack_wanted = true;
}

/// `FAILOVER [TO host port [FORCE]] [ABORT] [TIMEOUT ms]`: start a coordinated failover (see
/// `crate::failover`), or abort the one under way.
fn failover(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() == 2 && is(argv[1], "abort") {
        if ctx.server.failover.is_none() {
            ctx.client.reply.error("ERR No failover in progress.");
            return;
        }
        crate::failover::abort(ctx.server, "Failover manually aborted");
        ctx.client.reply.ok();
        return;
    }
    let (mut timeout_ms, mut force, mut target) = (0i64, false, None::<(String, i64)>);
    let mut j = 1;
    while j < argv.len() {
        if is(argv[j], "timeout") && j + 1 < argv.len() && timeout_ms == 0 {
            let Some(ms) = int_arg(ctx, argv[j + 1]) else {
                return;
            };
            if ms <= 0 {
                ctx.client
                    .reply
                    .error("ERR FAILOVER timeout must be greater than 0");
                return;
            }
            timeout_ms = ms;
            j += 2;
        } else if is(argv[j], "to") && j + 2 < argv.len() && target.is_none() {
            let Some(port) = int_arg(ctx, argv[j + 2]) else {
                return;
            };
            target = Some((String::from_utf8_lossy(argv[j + 1]).into_owned(), port));
            j += 3;
        } else if is(argv[j], "force") && !force {
            force = true;
            j += 1;
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
    }
    let refusal = if ctx.server.failover.is_some() {
        Some("ERR FAILOVER already in progress.")
    } else if ctx.server.master_link.is_some() {
        Some("ERR FAILOVER is not valid when server is a replica.")
    } else if ctx.server.replication.replicas.is_empty() {
        Some("ERR FAILOVER requires connected replicas.")
    } else if force && (timeout_ms == 0 || target.is_none()) {
        Some("ERR FAILOVER with force option requires both a timeout and target HOST and IP.")
    } else {
        None
    };
    if let Some(refusal) = refusal {
        ctx.client.reply.error(refusal);
        return;
    }
    let target = match target {
        Some((host, port)) => {
            let found = u16::try_from(port)
                .ok()
                .and_then(|p| crate::failover::find_replica(ctx.server, &host, p).map(|_| p));
            let Some(port) = found else {
                ctx.client
                    .reply
                    .error("ERR FAILOVER target HOST and PORT is not a replica.");
                return;
            };
            ctx.server
                .log_notice(&format!("FAILOVER requested to {host}:{port}."));
            Some((host, port))
        }
        None => {
            ctx.server.log_notice("FAILOVER requested to any replica.");
            None
        }
    };
    let deadline = (timeout_ms > 0).then(|| super::deadline_after_ms(timeout_ms as u64));
    ctx.server.failover = Some(crate::failover::Failover {
        target,
        deadline,
        force,
        state: crate::failover::State::WaitForSync,
    });
    ctx.client.reply.ok();
}

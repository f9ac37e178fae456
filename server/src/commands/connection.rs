//! Connection commands: PING, ECHO, SELECT, AUTH, HELLO, QUIT, RESET and CLIENT.

use super::{is, Ctx, Handler, SYNTAX};
use crate::client::{Client, ReplyMode};

pub const HANDLERS: &[(&str, Handler)] = &[
    ("ping", ping),
    ("echo", echo),
    ("select", select),
    ("auth", auth),
    ("hello", hello),
    ("quit", quit),
    ("reset", reset),
    ("client|id", client_id),
    ("client|setname", client_setname),
    ("client|getname", client_getname),
    ("client|list", client_list),
    ("client|info", client_info),
    ("client|reply", client_reply),
    ("client|no-evict", client_no_evict),
    ("client|help", client_help),
];

fn ping(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() <= 2 && ctx.client.resp() == 2 && ctx.client.in_pubsub_mode() {
        let out = &mut ctx.client.reply;
        out.array(2);
        out.bulk(b"pong");
        out.bulk(argv.get(1).copied().unwrap_or(b""));
        return;
    }
    match argv.len() {
        1 => ctx.client.reply.status(b"PONG"),
        2 => ctx.client.reply.bulk(argv[1]),
        _ => ctx
            .client
            .reply
            .error("ERR wrong number of arguments for 'ping' command"),
    }
}

fn echo(ctx: &mut Ctx, argv: &[&[u8]]) {
    ctx.client.reply.bulk(argv[1]);
}

fn select(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(index) = super::db_index(ctx, argv[1]) else {
        return;
    };
    ctx.client.db = index;
    ctx.client.reply.ok();
}

/// Check a user name and password; on success the client is authenticated as that user.
fn authenticate(ctx: &mut Ctx, user: &[u8], password: &[u8]) -> bool {
    let Some(u) = ctx.server.acl.users.get(user) else {
        return false;
    };
    let ok = u.enabled && u.password_ok(password);
    if ok {
        ctx.client.authenticated = true;
        ctx.client.user = String::from_utf8_lossy(user).into_owned();
    }
    ok
}

/// A failed AUTH or HELLO AUTH goes to the ACL log under the user name tried, the command
/// named as the client sent it.
fn log_failed_auth(ctx: &mut Ctx, command: &[u8], user: &[u8]) {
    let context = if ctx.client.multi.is_some() {
        crate::acl::log::Context::Multi
    } else {
        crate::acl::log::Context::Toplevel
    };
    super::log_acl_refusal(
        ctx.server,
        ctx.client,
        crate::acl::log::Reason::Auth,
        context,
        command.to_vec(),
        user.to_vec(),
    );
}

const WRONGPASS: &str = "WRONGPASS invalid username-password pair or user is disabled.";

fn auth(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        ctx.client.reply.error(SYNTAX);
        return;
    }
    for index in 1..argv.len() {
        ctx.redact(index);
    }
    let (user, password): (&[u8], &[u8]) = match argv {
        [_, password] => {
            if ctx.server.acl.default_user_nopass() {
                ctx.client.reply.error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?");
                return;
            }
            (b"default", password)
        }
        [_, user, password] => (user, password),
        _ => return,
    };
    if authenticate(ctx, user, password) {
        ctx.client.reply.ok();
    } else {
        log_failed_auth(ctx, argv[0], user);
        ctx.client.reply.error(WRONGPASS);
    }
}

fn hello(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut version = 0;
    let mut j = 1;
    if argv.len() >= 2 {
        let Some(v) = crate::util::parse_i64(argv[1]) else {
            ctx.client
                .reply
                .error("ERR Protocol version is not an integer or out of range");
            return;
        };
        if !(2..=3).contains(&v) {
            ctx.client
                .reply
                .error("NOPROTO unsupported protocol version");
            return;
        }
        version = v as u8;
        j = 2;
    }
    while j < argv.len() {
        let more = argv.len() - 1 - j;
        if is(argv[j], "auth") && more >= 2 {
            ctx.redact(j + 1);
            ctx.redact(j + 2);
            if !authenticate(ctx, argv[j + 1], argv[j + 2]) {
                log_failed_auth(ctx, argv[0], argv[j + 1]);
                ctx.client.reply.error(WRONGPASS);
                return;
            }
            j += 3;
        } else if is(argv[j], "setname") && more >= 1 {
            if !set_name(ctx, argv[j + 1]) {
                return;
            }
            j += 2;
        } else {
            let option = String::from_utf8_lossy(argv[j]);
            ctx.client
                .reply
                .error(&format!("ERR Syntax error in HELLO option '{option}'"));
            return;
        }
    }
    if ctx.server.acl.auth_required(ctx.client.authenticated) {
        ctx.client.reply.error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time");
        return;
    }
    if version != 0 {
        ctx.client.reply.resp = version;
    }
    let (resp, id) = (ctx.client.resp(), ctx.client.id);
    let out = &mut ctx.client.reply;
    out.map(7);
    out.bulk(b"server");
    out.bulk(b"redis");
    out.bulk(b"version");
    out.bulk(redis_runtime::REDIS_VERSION.as_bytes());
    out.bulk(b"proto");
    out.int(i64::from(resp));
    out.bulk(b"id");
    out.int(id as i64);
    out.bulk(b"mode");
    out.bulk(b"standalone");
    out.bulk(b"role");
    out.bulk(b"master");
    out.bulk(b"modules");
    out.array(0);
}

fn quit(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.client.reply.ok();
    ctx.client.close_after_reply = true;
}

fn reset(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let client = &mut *ctx.client;
    client.multi = None;
    let watched = std::mem::take(&mut client.watched);
    ctx.server.keyspace.unwatch_all(client.id, &watched);
    client.db = 0;
    client.reply.resp = 2;
    client.name.clear();
    client.reply_mode = ReplyMode::On;
    client.no_evict = false;
    // Back to the default user, authenticated only if it needs no password.
    client.user = "default".to_string();
    client.authenticated = ctx.server.acl.default_user_open();
    for channel in std::mem::take(&mut client.channels) {
        ctx.server.pubsub.unsubscribe(client.id, &channel);
    }
    for pattern in std::mem::take(&mut client.patterns) {
        ctx.server.pubsub.punsubscribe(client.id, &pattern);
    }
    for channel in std::mem::take(&mut client.shard_channels) {
        ctx.server.pubsub.sunsubscribe(client.id, &channel);
    }
    ctx.server.keyspace.tracking.disable(client.id);
    client.reply.status(b"RESET");
}

fn client_id(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let id = ctx.client.id as i64;
    ctx.client.reply.int(id);
}

/// Set the client's name, or write Redis's error and give false.
fn set_name(ctx: &mut Ctx, name: &[u8]) -> bool {
    if name.iter().any(|&c| !(b'!'..=b'~').contains(&c)) {
        ctx.client
            .reply
            .error("ERR Client names cannot contain spaces, newlines or special characters.");
        return false;
    }
    ctx.client.name = name.to_vec();
    true
}

fn client_setname(ctx: &mut Ctx, argv: &[&[u8]]) {
    if set_name(ctx, argv[2]) {
        ctx.client.reply.ok();
    }
}

fn client_getname(ctx: &mut Ctx, _argv: &[&[u8]]) {
    if ctx.client.name.is_empty() {
        ctx.client.reply.null();
    } else {
        let name = ctx.client.name.clone();
        ctx.client.reply.bulk(&name);
    }
}

/// One line of `CLIENT LIST` / `CLIENT INFO`.
pub(crate) fn describe(
    server: &crate::server::Server,
    client: &Client,
    now: std::time::Instant,
) -> String {
    let tracking = server.keyspace.tracking.mode(client.id);
    let usage = crate::client_eviction::usage(server, client);
    // In Redis's order: replica, primary, pub/sub, MULTI, blocked, tracking (t, R for a
    // broken redirect, B for broadcast), Unix socket, no-evict; N for none.
    let mut flags = String::new();
    if client.is_replica {
        flags.push('S');
    }
    if client.is_master {
        flags.push('M');
    }
    if client.in_pubsub_mode() {
        flags.push('P');
    }
    if client.multi.is_some() {
        flags.push('x');
    }
    if client.blocked.is_some() || client.paused {
        flags.push('b');
    }
    if let Some(mode) = tracking {
        flags.push('t');
        if mode.broken_redirect {
            flags.push('R');
        }
        if mode.bcast {
            flags.push('B');
        }
    }
    if client.unix_socket {
        flags.push('U');
    }
    if client.no_evict {
        flags.push('e');
    }
    if flags.is_empty() {
        flags.push('N');
    }
    format!(
        "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} ssub={} multi={} qbuf={} qbuf-free={} argv-mem={} multi-mem={} rbs={} rbp={} obl={} oll={} omem={} tot-mem={} events=r cmd={} user={} redir={} resp={}",
        client.id,
        client.addr,
        client.local_addr,
        crate::net::client_fd(server, client),
        String::from_utf8_lossy(&client.name),
        now.duration_since(client.created).as_secs(),
        now.duration_since(client.last_interaction).as_secs(),
        flags,
        client.db,
        client.channels.len(),
        client.patterns.len(),
        client.shard_channels.len(),
        client.multi.as_ref().map_or(-1, |m| m.queued.len() as i64),
        usage.query_len,
        usage.query_capacity - usage.query_len,
        client.argv_mem + crate::net::partial_arguments(server, client),
        usage.multi,
        client.reply_buffer.size,
        client.reply_buffer.peak,
        usage.pending.min(client.reply_buffer.size),
        usize::from(usage.output > 0),
        usage.output,
        usage.total,
        client.last_command,
        client.user,
        tracking.map_or(-1, |m| m.redirect as i64),
        client.resp(),
    )
}

fn client_list(ctx: &mut Ctx, argv: &[&[u8]]) {
    let now = std::time::Instant::now();
    let mut wanted = None;
    if argv.len() > 2 && is(argv[2], "type") && argv.len() == 4 {
        let Some(kind) = crate::client::Kind::named(argv[3]) else {
            let kind = String::from_utf8_lossy(argv[3]);
            ctx.client
                .reply
                .error(&format!("ERR Unknown client type '{kind}'"));
            return;
        };
        wanted = Some(kind);
    }
    let clients = std::iter::once(&*ctx.client).chain(ctx.server.clients.values());
    let mut lines: Vec<(u64, String)> = clients
        .filter(|c| wanted.is_none_or(|k| c.kind() == k))
        .map(|c| (c.id, describe(ctx.server, c, now)))
        .collect();
    lines.sort_by_key(|(id, _)| *id);
    if argv.len() > 2 && wanted.is_none() {
        if is(argv[2], "id") && argv.len() >= 4 {
            let mut ids = Vec::new();
            for arg in &argv[3..] {
                match crate::util::parse_i64(arg).filter(|n| *n > 0) {
                    Some(n) => ids.push(n as u64),
                    None => {
                        ctx.client.reply.error("ERR Invalid client ID");
                        return;
                    }
                }
            }
            lines.retain(|(id, _)| ids.contains(id));
        } else {
            ctx.client.reply.error(SYNTAX);
            return;
        }
    }
    let mut text = String::new();
    for (_, line) in lines {
        text.push_str(&line);
        text.push('\n');
    }
    ctx.client.reply.verbatim(text.as_bytes());
}

fn client_info(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let mut line = describe(ctx.server, ctx.client, std::time::Instant::now());
    line.push('\n');
    ctx.client.reply.verbatim(line.as_bytes());
}

fn client_reply(ctx: &mut Ctx, argv: &[&[u8]]) {
    if is(argv[2], "on") {
        ctx.client.reply_mode = ReplyMode::On;
        ctx.client.reply.ok();
    } else if is(argv[2], "off") {
        ctx.client.reply_mode = ReplyMode::Off;
    } else if is(argv[2], "skip") {
        // As Redis: ignored while replies are off.
        if ctx.client.reply_mode != ReplyMode::Off {
            ctx.client.reply_mode = ReplyMode::SkipNext;
        }
    } else {
        ctx.client.reply.error(SYNTAX);
    }
}

fn client_no_evict(ctx: &mut Ctx, argv: &[&[u8]]) {
    if is(argv[2], "on") {
        ctx.client.no_evict = true;
        ctx.client.reply.ok();
    } else if is(argv[2], "off") {
        ctx.client.no_evict = false;
        ctx.client.reply.ok();
    } else {
        ctx.client.reply.error(SYNTAX);
    }
}

fn client_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::CLIENT);
}

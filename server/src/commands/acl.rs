//! ACL: SETUSER, GETUSER, DELUSER, USERS, LIST, WHOAMI, CAT, GENPASS, LOG, DRYRUN, SAVE, LOAD
//! and HELP (`acl.c`), over the users in `crate::acl`.

use super::{Ctx, Handler};
use crate::acl::{Selector, Universe, User, CATEGORIES};

pub const HANDLERS: &[(&str, Handler)] = &[
    ("acl|setuser", setuser),
    ("acl|help", acl_help),
    ("acl|getuser", getuser),
    ("acl|deluser", deluser),
    ("acl|users", users),
    ("acl|list", list),
    ("acl|whoami", whoami),
    ("acl|cat", cat),
    ("acl|genpass", genpass),
    ("acl|log", log),
    ("acl|dryrun", dryrun),
    ("acl|save", save),
    ("acl|load", load),
];

fn setuser(ctx: &mut Ctx, argv: &[&[u8]]) {
    // As Redis: nothing about the user is shown (the name included).
    for index in 2..argv.len() {
        ctx.redact(index);
    }
    let name = argv[2].to_vec();
    if crate::acl::selector::has_space(&name) {
        ctx.client
            .reply
            .error("ERR Usernames can't contain spaces or null characters");
        return;
    }
    let acl = &mut ctx.server.acl;
    let rules = match crate::acl::merge_selector_args(&argv[3..]) {
        Ok(rules) => rules,
        Err(start) => {
            ctx.client.reply.error(&format!(
                "ERR Unmatched parenthesis in acl selector starting at '{}'.",
                String::from_utf8_lossy(&start)
            ));
            return;
        }
    };
    // Rules apply to a copy: one bad rule leaves the user as it was.
    let mut user = acl
        .users
        .get(&name)
        .cloned()
        .unwrap_or_else(|| User::created(&acl.universe));
    for rule in &rules {
        if let Err(reason) = user.apply(rule, &acl.universe) {
            ctx.client.reply.error(&format!(
                "ERR Error in ACL SETUSER modifier '{}': {reason}",
                String::from_utf8_lossy(rule)
            ));
            return;
        }
    }
    // Subscribers as this user to channels it may no longer use are disconnected.
    let narrowed = acl
        .users
        .get(&name)
        .and_then(|old| user.narrowed_channels(old));
    acl.users.insert(name.clone(), user);
    if let Some(allowed) = narrowed {
        let still_allowed = |c: &crate::client::Client| {
            c.patterns.iter().all(|p| allowed.channel_allowed(p, true))
                && c.channels
                    .iter()
                    .chain(&c.shard_channels)
                    .all(|ch| allowed.channel_allowed(ch, false))
        };
        disconnect_clients(ctx, |c| c.user.as_bytes() == name && !still_allowed(c));
    }
    ctx.client.reply.ok();
}

/// Disconnect the clients `doomed` picks: others at once, the caller after its reply (Redis
/// frees them, or closes the current one after its command).
fn disconnect_clients(ctx: &mut Ctx, doomed: impl Fn(&crate::client::Client) -> bool) {
    let ids: Vec<u64> = ctx
        .server
        .clients
        .values()
        .filter(|c| doomed(c))
        .map(|c| c.id)
        .collect();
    for id in ids {
        crate::net::close_client(ctx.server, id);
    }
    if doomed(ctx.client) {
        ctx.client.close_after_reply = true;
    }
}

/// A selector's three fields as `ACL GETUSER` shows them.
fn selector_fields(out: &mut crate::resp::reply::ReplyWriter, s: &Selector, universe: &Universe) {
    out.bulk(b"commands");
    out.bulk(s.describe_commands(universe).as_bytes());
    out.bulk(b"keys");
    out.bulk(s.describe_keys().as_bytes());
    out.bulk(b"channels");
    out.bulk(s.describe_channels().as_bytes());
}

fn getuser(ctx: &mut Ctx, argv: &[&[u8]]) {
    let acl = &ctx.server.acl;
    let out = &mut ctx.client.reply;
    let Some(user) = acl.users.get(argv[2]) else {
        out.null();
        return;
    };
    out.map(6);
    out.bulk(b"flags");
    let flags = user.flag_names();
    out.array(flags.len());
    for f in flags {
        out.bulk(f.as_bytes());
    }
    out.bulk(b"passwords");
    out.array(user.passwords.len());
    for p in &user.passwords {
        out.bulk(p.as_bytes());
    }
    selector_fields(out, &user.root, &acl.universe);
    out.bulk(b"selectors");
    out.array(user.selectors.len());
    for s in &user.selectors {
        out.map(3);
        selector_fields(out, s, &acl.universe);
    }
}

fn deluser(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv[2..].iter().any(|n| *n == b"default") {
        ctx.client
            .reply
            .error("ERR The 'default' user cannot be removed");
        return;
    }
    let mut removed = 0;
    for name in &argv[2..] {
        if ctx.server.acl.users.remove(*name).is_some() {
            removed += 1;
            // Its connections go too (`ACLFreeUserAndKillClients`).
            disconnect_clients(ctx, |c| c.user.as_bytes() == *name);
        }
    }
    ctx.client.reply.int(removed);
}

fn users(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let names: Vec<&[u8]> = ctx.server.acl.users.keys().map(Vec::as_slice).collect();
    ctx.client.reply.bulks(names.into_iter());
}

fn list(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let acl = &ctx.server.acl;
    let lines: Vec<String> = acl
        .users
        .iter()
        .map(|(name, user)| user.describe(name, &acl.universe))
        .collect();
    ctx.client.reply.bulks(lines.iter().map(|l| l.as_bytes()));
}

fn whoami(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let user = ctx.client.user.clone();
    ctx.client.reply.bulk(user.as_bytes());
}

fn cat(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        super::subcommand_syntax_error(ctx, argv);
        return;
    }
    match argv.get(2) {
        None => ctx
            .client
            .reply
            .bulks(CATEGORIES.iter().map(|c| c.as_bytes())),
        Some(category) => {
            let wanted = String::from_utf8_lossy(category).to_ascii_lowercase();
            if !CATEGORIES.contains(&wanted.as_str()) {
                ctx.client.reply.error(&format!(
                    "ERR Unknown category '{}'",
                    String::from_utf8_lossy(category)
                ));
                return;
            }
            let names: Vec<String> = ctx
                .server
                .acl
                .universe
                .commands
                .iter()
                .filter(|(_, cats)| cats.iter().any(|c| *c == wanted))
                .map(|(n, _)| n.clone())
                .collect();
            ctx.client.reply.bulks(names.iter().map(|n| n.as_bytes()));
        }
    }
}

fn genpass(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        super::subcommand_syntax_error(ctx, argv);
        return;
    }
    let bits = match argv.get(2) {
        None => 256,
        Some(arg) => match crate::util::parse_i64(arg) {
            Some(b) if (1..=4096).contains(&b) => b as usize,
            _ => {
                ctx.client.reply.error(
                    "ERR ACL GENPASS argument must be the number of bits for the output password, a positive number up to 4096",
                );
                return;
            }
        },
    };
    let chars = bits.div_ceil(4);
    let mut out = String::with_capacity(chars);
    while out.len() < chars {
        out.push_str(&format!("{:016x}", ctx.server.random()));
    }
    out.truncate(chars);
    ctx.client.reply.bulk(out.as_bytes());
}

/// `ACL LOG [count | RESET]`: the newest `count` entries (10 by default).
fn log(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 3 {
        super::subcommand_syntax_error(ctx, argv);
        return;
    }
    let mut count = 10i64;
    if let Some(arg) = argv.get(2) {
        if arg.eq_ignore_ascii_case(b"reset") {
            ctx.server.acl.log.reset();
            ctx.client.reply.ok();
            return;
        }
        match crate::util::parse_i64(arg) {
            Some(n) => count = n.max(0),
            None => {
                ctx.client
                    .reply
                    .error("ERR value is not an integer or out of range");
                return;
            }
        }
    }
    let now = crate::db::now_ms();
    let log = &ctx.server.acl.log;
    let out = &mut ctx.client.reply;
    let shown = (count as usize).min(log.len());
    out.array(shown);
    for entry in log.entries().take(shown) {
        out.map(7);
        out.bulk(b"count");
        out.int(entry.count as i64);
        out.bulk(b"reason");
        out.bulk(entry.reason.name().as_bytes());
        out.bulk(b"context");
        out.bulk(entry.context.name().as_bytes());
        out.bulk(b"object");
        out.bulk(&entry.object);
        out.bulk(b"username");
        out.bulk(&entry.username);
        out.bulk(b"age-seconds");
        out.double((now - entry.time_ms) as f64 / 1000.0);
        out.bulk(b"client-info");
        out.bulk(entry.client_info.as_bytes());
    }
}

fn dryrun(ctx: &mut Ctx, argv: &[&[u8]]) {
    let line = &argv[3..];
    if !ctx.server.acl.users.contains_key(argv[2]) {
        ctx.client.reply.error(&format!(
            "ERR User '{}' not found",
            String::from_utf8_lossy(argv[2])
        ));
        return;
    }
    let Ok(command) = ctx.server.commands.describe(line) else {
        ctx.client.reply.error(&format!(
            "ERR Command '{}' not found",
            String::from_utf8_lossy(line[0])
        ));
        return;
    };
    let name = command.full_name.to_string();
    if !command.arity_ok(line.len()) {
        ctx.client.reply.error(&format!(
            "ERR wrong number of arguments for '{name}' command"
        ));
        return;
    }
    let denied = ctx.server.acl.check(argv[2], &name, line, || {
        super::introspect::key_accesses(&name, line)
    });
    match denied {
        None => ctx.client.reply.ok(),
        Some(crate::acl::Denied::Command) => ctx
            .client
            .reply
            .bulk(format!("This user has no permissions to run the '{name}' command").as_bytes()),
        Some(crate::acl::Denied::Key(object)) => dryrun_refused(ctx, &object, "key"),
        Some(crate::acl::Denied::Channel(object)) => dryrun_refused(ctx, &object, "channel"),
    }
}

/// `ACL DRYRUN`'s answer for a refused key or channel. Redis writes the name with `%s`, so it
/// ends at a zero byte.
fn dryrun_refused(ctx: &mut Ctx, object: &[u8], kind: &str) {
    let name = object.split(|&b| b == 0).next().unwrap_or_default();
    let mut text = b"This user has no permissions to access the '".to_vec();
    text.extend_from_slice(name);
    text.extend_from_slice(format!("' {kind}").as_bytes());
    ctx.client.reply.bulk(&text)
}

/// The `aclfile` option, or Redis's error when there is none.
fn acl_file(ctx: &mut Ctx) -> Option<String> {
    let path = ctx
        .server
        .config
        .get("aclfile")
        .unwrap_or_default()
        .to_string();
    if path.is_empty() {
        ctx.client.reply.error("ERR This Redis instance is not configured to use an ACL file. You may want to specify users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a Redis configuration file set) in order to store users in the Redis configuration.");
        return None;
    }
    Some(path)
}

/// `ACL LOAD`: the users of the ACL file replace the current ones, unless it has errors.
fn load(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let Some(path) = acl_file(ctx) else { return };
    match crate::acl::file::load(&mut ctx.server.acl, &path) {
        Ok(()) => {
            // Every user but the default one is made anew: their connections go.
            disconnect_clients(ctx, |c| c.user != "default");
            ctx.client.reply.ok()
        }
        Err(errors) => ctx.client.reply.error(&format!("ERR {errors}")),
    }
}

/// `ACL SAVE`: every user to the ACL file.
fn save(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let Some(path) = acl_file(ctx) else { return };
    match crate::acl::file::save(&ctx.server.acl, &path) {
        Ok(()) => ctx.client.reply.ok(),
        Err(e) => {
            ctx.server
                .log_warning(&format!("Opening temp ACL file for ACL SAVE: {e}"));
            ctx.client.reply.error("ERR There was an error trying to save the ACLs. Please check the server logs for more information");
        }
    }
}

fn acl_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::ACL);
}

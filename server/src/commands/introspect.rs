//! COMMAND and its subcommands: what the server implements, described as the reference
//! describes it. Each command's COMMAND INFO entry and COMMAND DOCS text come from
//! `command_info.resp3` / `command_docs.resp3`, the RESP3 replies redis-server 7.0.15 gives
//! (written by `server/scripts/command_table.py`), read once on first use.

use super::keyspec::{self, KeySpec};
use super::{Ctx, Handler};

use redis_runtime::Reply;
use std::collections::HashMap;
use std::sync::OnceLock;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("command", command),
    ("command|count", command_count),
    ("command|list", command_list),
    ("command|info", command_info),
    ("command|docs", command_docs),
    ("command|getkeys", command_getkeys),
    ("command|getkeysandflags", command_getkeys),
];

/// The reference's descriptions, by full name (`config|get` for a subcommand).
struct Catalog {
    info: HashMap<String, Reply>,
    docs: HashMap<String, Reply>,
    specs: HashMap<String, Vec<KeySpec>>,
}

fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| {
        let mut catalog = Catalog {
            info: HashMap::new(),
            docs: HashMap::new(),
            specs: HashMap::new(),
        };
        // The files are generated from the reference; were one unreadable, COMMAND would
        // describe nothing rather than fail.
        if let Some(Reply::Array(entries)) = Reply::parse(include_bytes!("command_info.resp3")) {
            add_info(&mut catalog, entries);
        }
        if let Some(Reply::Map(pairs)) = Reply::parse(include_bytes!("command_docs.resp3")) {
            add_docs(&mut catalog, pairs);
        }
        catalog
    })
}

fn add_info(catalog: &mut Catalog, entries: Vec<Reply>) {
    for entry in entries {
        let Reply::Array(fields) = &entry else {
            continue;
        };
        let Some(Reply::Bulk(name)) = fields.first() else {
            continue;
        };
        let name = String::from_utf8_lossy(name).into_owned();
        if let Some(Reply::Set(specs) | Reply::Array(specs)) = fields.get(8) {
            let specs = specs.iter().filter_map(KeySpec::from_reply).collect();
            catalog.specs.insert(name.clone(), specs);
        }
        if let Some(Reply::Array(subcommands)) = fields.get(9) {
            add_info(catalog, subcommands.clone());
        }
        catalog.info.insert(name, entry);
    }
}

fn add_docs(catalog: &mut Catalog, pairs: Vec<(Reply, Reply)>) {
    for (name, doc) in pairs {
        let Reply::Bulk(name) = name else { continue };
        if let Reply::Map(fields) = &doc {
            let subcommands = fields.iter().find_map(|(k, v)| match (k, v) {
                (Reply::Bulk(k), Reply::Map(subs)) if k == b"subcommands" => Some(subs.clone()),
                _ => None,
            });
            if let Some(subcommands) = subcommands {
                add_docs(catalog, subcommands);
            }
        }
        catalog
            .docs
            .insert(String::from_utf8_lossy(&name).into_owned(), doc);
    }
}

/// The keys of `argv` for command `name`, with what the command does to each (what ACL key
/// patterns, `%R~`/`%W~` included, are checked against).
pub fn key_accesses(name: &str, argv: &[&[u8]]) -> Vec<crate::acl::KeyAccess> {
    let specs = catalog().specs.get(name).map_or(&[][..], Vec::as_slice);
    keyspec::command_keys(name, specs, argv)
        .into_iter()
        .map(|k| crate::acl::KeyAccess {
            pos: k.pos,
            read: k.flags.contains(&"access"),
            write: k
                .flags
                .iter()
                .any(|f| matches!(*f, "insert" | "delete" | "update")),
        })
        .collect()
}

/// The positions of the keys in `argv` for command `name` (the keys client tracking follows).
pub fn key_positions(name: &str, argv: &[&[u8]]) -> Vec<usize> {
    key_accesses(name, argv)
        .into_iter()
        .map(|k| k.pos)
        .collect()
}

/// The names of the commands this server implements, sorted.
fn implemented(ctx: &Ctx) -> Vec<String> {
    let mut names: Vec<String> = ctx
        .server
        .commands
        .iter()
        .map(|c| c.full_name.to_string())
        .collect();
    names.sort();
    names
}

/// A COMMAND INFO entry, its subcommands cut to those implemented here.
fn info_entry(ctx: &Ctx, name: &str) -> Option<Reply> {
    let mut entry = catalog().info.get(name)?.clone();
    if let Reply::Array(fields) = &mut entry {
        if let Some(Reply::Array(subs)) = fields.get_mut(9) {
            subs.retain(|sub| match sub {
                Reply::Array(f) => match f.first() {
                    Some(Reply::Bulk(n)) => is_implemented(ctx, n),
                    _ => false,
                },
                _ => false,
            });
        }
    }
    Some(entry)
}

fn is_implemented(ctx: &Ctx, full_name: &[u8]) -> bool {
    let parts: Vec<&[u8]> = full_name.splitn(2, |&b| b == b'|').collect();
    ctx.server
        .commands
        .lookup(&parts)
        .is_ok_and(|c| c.full_name.as_bytes().eq_ignore_ascii_case(full_name))
}

/// The full name of the command a COMMAND INFO/DOCS argument names (`get`, `config|get`).
fn resolve(ctx: &Ctx, arg: &[u8]) -> Option<String> {
    is_implemented(ctx, arg).then(|| String::from_utf8_lossy(arg).to_ascii_lowercase())
}

fn command(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let entries: Vec<Reply> = implemented(ctx)
        .iter()
        .filter_map(|name| info_entry(ctx, name))
        .collect();
    ctx.client.reply.reply(&Reply::Array(entries));
}

fn command_info(ctx: &mut Ctx, argv: &[&[u8]]) {
    let entries: Vec<Reply> = if argv.len() == 2 {
        implemented(ctx)
            .iter()
            .filter_map(|name| info_entry(ctx, name))
            .collect()
    } else {
        argv[2..]
            .iter()
            .map(|arg| {
                resolve(ctx, arg)
                    .and_then(|name| info_entry(ctx, &name))
                    .unwrap_or(Reply::Null)
            })
            .collect()
    };
    ctx.client.reply.reply(&Reply::Array(entries));
}

fn command_docs(ctx: &mut Ctx, argv: &[&[u8]]) {
    let names: Vec<String> = if argv.len() == 2 {
        implemented(ctx)
    } else {
        argv[2..].iter().filter_map(|a| resolve(ctx, a)).collect()
    };
    let pairs = names
        .into_iter()
        .filter_map(|name| {
            let doc = catalog().docs.get(&name)?.clone();
            Some((Reply::Bulk(name.into_bytes()), doc))
        })
        .collect();
    ctx.client.reply.reply(&Reply::Map(pairs));
}

fn command_count(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let count = ctx.server.commands.len();
    ctx.client.reply.int(count as i64);
}

/// COMMAND LIST [FILTERBY MODULE name | ACLCAT category | PATTERN pattern]: the commands
/// and subcommands implemented here that pass the filter.
fn command_list(ctx: &mut Ctx, argv: &[&[u8]]) {
    let filter = match argv.len() {
        2 => None,
        5 if super::is(argv[2], "filterby") => Some((argv[3], argv[4])),
        _ => {
            ctx.client.reply.error(super::SYNTAX);
            return;
        }
    };
    let mut names: Vec<String> = Vec::new();
    for command in ctx.server.commands.iter() {
        let subs = command.subcommands.values().filter(|s| s.handler.is_some());
        for c in std::iter::once(command).chain(subs) {
            let keep = match filter {
                None => true,
                // No modules are loaded here.
                Some((kind, _)) if super::is(kind, "module") => false,
                Some((kind, cat)) if super::is(kind, "aclcat") => c
                    .categories
                    .iter()
                    .any(|k| k.as_bytes().eq_ignore_ascii_case(cat)),
                Some((kind, pattern)) if super::is(kind, "pattern") => {
                    crate::db::glob::matches(pattern, c.full_name.as_bytes(), true)
                }
                Some(_) => {
                    ctx.client.reply.error(super::SYNTAX);
                    return;
                }
            };
            if keep {
                names.push(c.full_name.to_string());
            }
        }
    }
    names.sort();
    names.dedup();
    ctx.client.reply.bulks(names.iter().map(|n| n.as_bytes()));
}

/// COMMAND GETKEYS / GETKEYSANDFLAGS <command line>, with Redis's checks in its order.
fn command_getkeys(ctx: &mut Ctx, argv: &[&[u8]]) {
    let with_flags = argv[1].eq_ignore_ascii_case(b"getkeysandflags");
    let line = &argv[2..];
    // Any command of the reference's table, implemented here or not.
    let Ok(command) = ctx.server.commands.describe(line) else {
        ctx.client.reply.error("ERR Invalid command specified");
        return;
    };
    let name = command.full_name.to_string();
    let (arity_ok, no_mandatory_keys) = (
        command.arity_ok(line.len()),
        command.flags.has(super::table::Flags::NO_MANDATORY_KEYS),
    );
    let specs = catalog().specs.get(&name).map_or(&[][..], Vec::as_slice);
    if !keyspec::has_keys(&name, specs) {
        ctx.client
            .reply
            .error("ERR The command has no key arguments");
        return;
    }
    if !arity_ok {
        ctx.client
            .reply
            .error("ERR Invalid number of arguments specified for command");
        return;
    }
    let keys = keyspec::command_keys(&name, specs, line);
    let out = &mut ctx.client.reply;
    if keys.is_empty() {
        if no_mandatory_keys {
            out.array(0);
        } else {
            out.error("ERR Invalid arguments specified for command");
        }
        return;
    }
    out.array(keys.len());
    for key in keys {
        if with_flags {
            out.array(2);
            out.bulk(line[key.pos]);
            out.set(key.flags.len());
            for flag in key.flags {
                out.status(flag.as_bytes());
            }
        } else {
            out.bulk(line[key.pos]);
        }
    }
}

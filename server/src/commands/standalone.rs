//! Commands that belong to a cluster node or a module host, answered as a standalone
//! redis-server 7.0 with no modules answers them, plus the HELP texts and MEMORY PURGE:
//! - `CLUSTER` (every subcommand), `ASKING`, `READONLY` and `READWRITE`: cluster support is
//!   disabled;
//! - `MODULE LOAD` and `MODULE LOADEX` fail to load (this server loads no native modules; the
//!   log says why), `MODULE UNLOAD` finds no such module;
//! - `COMMAND`, `CONFIG`, `MEMORY` and `MODULE HELP`;
//! - `MEMORY PURGE`: nothing to return to the system beyond what freeing already returned.

use super::{Ctx, Handler};

pub const HANDLERS: &[(&str, Handler)] = &[
    ("asking", cluster_disabled),
    ("readonly", cluster_disabled),
    ("readwrite", cluster_disabled),
    ("cluster|addslots", cluster_disabled),
    ("cluster|addslotsrange", cluster_disabled),
    ("cluster|bumpepoch", cluster_disabled),
    ("cluster|count-failure-reports", cluster_disabled),
    ("cluster|countkeysinslot", cluster_disabled),
    ("cluster|delslots", cluster_disabled),
    ("cluster|delslotsrange", cluster_disabled),
    ("cluster|failover", cluster_disabled),
    ("cluster|flushslots", cluster_disabled),
    ("cluster|forget", cluster_disabled),
    ("cluster|getkeysinslot", cluster_disabled),
    ("cluster|help", cluster_disabled),
    ("cluster|info", cluster_disabled),
    ("cluster|keyslot", cluster_disabled),
    ("cluster|links", cluster_disabled),
    ("cluster|meet", cluster_disabled),
    ("cluster|myid", cluster_disabled),
    ("cluster|nodes", cluster_disabled),
    ("cluster|replicas", cluster_disabled),
    ("cluster|replicate", cluster_disabled),
    ("cluster|reset", cluster_disabled),
    ("cluster|saveconfig", cluster_disabled),
    ("cluster|set-config-epoch", cluster_disabled),
    ("cluster|setslot", cluster_disabled),
    ("cluster|shards", cluster_disabled),
    ("cluster|slaves", cluster_disabled),
    ("cluster|slots", cluster_disabled),
    ("module|load", module_load),
    ("module|loadex", module_load),
    ("module|unload", module_unload),
    ("module|help", module_help),
    ("command|help", command_help),
    ("config|help", config_help),
    ("memory|help", memory_help),
    ("memory|purge", memory_purge),
];

fn cluster_disabled(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.client
        .reply
        .error("ERR This instance has cluster support disabled");
}

/// `MODULE LOAD path [arg ...]` and `MODULE LOADEX path [CONFIG name value ...] [ARGS ...]`:
/// the load fails as a failed `dlopen` does in Redis, with the reason in the log.
fn module_load(ctx: &mut Ctx, argv: &[&[u8]]) {
    let path = String::from_utf8_lossy(argv[2]).into_owned();
    if super::is(argv[1], "loadex") {
        if let Some(bad) = loadex_syntax_error(&argv[3..]) {
            let bad = String::from_utf8_lossy(bad).into_owned();
            ctx.server.log(
                2,
                &format!("Syntax Error from arguments to loadex around {bad}."),
            );
            ctx.client
                .reply
                .error("ERR Error loading the extension. Please check the server logs.");
            return;
        }
    }
    ctx.server.log_warning(&format!(
        "Module {path} failed to load: this server does not load native modules"
    ));
    ctx.client
        .reply
        .error("ERR Error loading the extension. Please check the server logs.");
}

/// The argument `MODULE LOADEX` cannot read: after the path come `CONFIG name value` groups,
/// then optionally `ARGS` and anything.
fn loadex_syntax_error<'a>(args: &[&'a [u8]]) -> Option<&'a [u8]> {
    let mut i = 0;
    while i < args.len() {
        if super::is(args[i], "config") && i + 2 < args.len() {
            i += 3;
        } else if super::is(args[i], "args") {
            return None;
        } else {
            return Some(args[i]);
        }
    }
    None
}

fn module_unload(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.client
        .reply
        .error("ERR Error unloading module: no such module with that name");
}

fn module_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::MODULE);
}

fn command_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::COMMAND);
}

fn config_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::CONFIG);
}

fn memory_help(ctx: &mut Ctx, argv: &[&[u8]]) {
    super::help(ctx, argv, super::help::MEMORY);
}

fn memory_purge(ctx: &mut Ctx, _argv: &[&[u8]]) {
    ctx.client.reply.ok();
}

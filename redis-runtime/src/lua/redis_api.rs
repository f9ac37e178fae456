//! The `redis` table scripts see: `redis.call` and friends, with Redis 7.0's argument checks
//! and error texts.

use super::convert::{push_command_error, push_error_table, push_reply, single_line, ToLua};
use super::Shared;
use crate::host::LogLevel;
use crate::Dialect;
use crate::Reply;
use lua_core::native::{Ctx, NativeFunction, Raised, ValueRef};

/// The version scripts see in `redis.REDIS_VERSION` and `redis.REDIS_VERSION_NUM`.
pub const REDIS_VERSION: &str = "7.0.15";

/// The `redis` table's functions (Redis's `luaRegisterRedisAPI`), each with whether only EVAL's
/// interpreter has it (`eval.c` adds those; functions do not see them).
const FUNCTIONS: &[(&str, NativeFunction, bool)] = &[
    ("call", call, false),
    ("pcall", pcall, false),
    ("log", log, false),
    ("setresp", setresp, false),
    ("sha1hex", sha1hex, false),
    ("error_reply", error_reply, false),
    ("status_reply", status_reply, false),
    ("set_repl", set_repl, false),
    ("replicate_commands", replicate_commands, true),
    ("breakpoint", breakpoint, true),
    ("debug", debug, true),
    ("acl_check_cmd", acl_check_cmd, false),
];

const NUMBERS: &[(&str, f64)] = &[
    ("LOG_DEBUG", LogLevel::Debug as i32 as f64),
    ("LOG_VERBOSE", LogLevel::Verbose as i32 as f64),
    ("LOG_NOTICE", LogLevel::Notice as i32 as f64),
    ("LOG_WARNING", LogLevel::Warning as i32 as f64),
    ("REPL_NONE", 0.0),
    ("REPL_AOF", 1.0),
    ("REPL_SLAVE", 2.0),
    ("REPL_REPLICA", 2.0),
    ("REPL_ALL", 3.0),
];

/// Open the `redis` table as a global (with EVAL's own functions when `eval`); under Valkey
/// the same table is also the global `server`, with Valkey's name and version in it.
pub(crate) fn open(ctx: &mut Ctx, eval: bool, dialect: &crate::Dialect) -> Result<(), Raised> {
    let t = ctx.new_table(0, FUNCTIONS.len())?;
    for &(name, f, eval_only) in FUNCTIONS {
        if eval || !eval_only {
            ctx.push_function(name, f);
            ctx.set_field(t, name)?;
        }
    }
    ctx.push_copy(t)?;
    ctx.set_global("redis")?;
    for &(name, value) in NUMBERS {
        ctx.push_number(value);
        ctx.set_field(t, name)?;
    }
    if set_version_fields(ctx, t, dialect)? {
        ctx.push_copy(t)?;
        ctx.set_global("server")?;
    }
    ctx.pop(1);
    Ok(())
}

/// Set on table `t` the version fields scripts read: `REDIS_VERSION` and `REDIS_VERSION_NUM`,
/// and under Valkey `SERVER_NAME`, `VALKEY_VERSION` and `VALKEY_VERSION_NUM`. Whether the
/// dialect is Valkey's (whose scripts also see the table as `server`).
pub(crate) fn set_version_fields(
    ctx: &mut Ctx,
    t: lua_core::native::Slot,
    dialect: &crate::Dialect,
) -> Result<bool, Raised> {
    let (version, version_num) = dialect.redis_version();
    ctx.push_bytes(version)?;
    ctx.set_field(t, "REDIS_VERSION")?;
    ctx.push_number(f64::from(version_num));
    ctx.set_field(t, "REDIS_VERSION_NUM")?;
    let Some((name, valkey_version, valkey_num)) = dialect.valkey_identity() else {
        return Ok(false);
    };
    ctx.push_bytes(name)?;
    ctx.set_field(t, "SERVER_NAME")?;
    ctx.push_bytes(valkey_version)?;
    ctx.set_field(t, "VALKEY_VERSION")?;
    ctx.push_number(f64::from(valkey_num));
    ctx.set_field(t, "VALKEY_VERSION_NUM")?;
    Ok(true)
}

/// Raise the error table `{err = text}` (`text` as `CODE message`).
pub(crate) fn raise_error_table(ctx: &mut Ctx, text: &[u8]) -> Raised {
    match push_error_table(ctx, text) {
        Ok(()) => {
            let top = ctx.top_slot();
            ctx.raise(top)
        }
        Err(r) => r,
    }
}

fn call(ctx: &mut Ctx) -> Result<usize, Raised> {
    run_command(ctx, true)
}

fn pcall(ctx: &mut Ctx) -> Result<usize, Raised> {
    run_command(ctx, false)
}

/// `redis.call` (`raise`) and `redis.pcall`: run a command through the host and push its
/// reply; an error reply is raised by `call` and returned as `{err=...}` by `pcall`.
fn run_command(ctx: &mut Ctx, raise: bool) -> Result<usize, Raised> {
    let outcome = match command_argv(ctx) {
        Err(text) => Err(text),
        Ok(numbers) => execute(ctx, &numbers),
    };
    match outcome {
        Ok((reply, how)) => match reply {
            Reply::Error(e) if raise => Err(raise_command_error(ctx, &e)),
            reply => {
                push_reply(ctx, &reply, how)?;
                Ok(1)
            }
        },
        // The host counted a refused command already: its error is marked as such.
        Err(Refusal::Counted(text)) if raise => Err(raise_command_error(ctx, text.as_bytes())),
        Err(Refusal::Counted(text)) => {
            push_command_error(ctx, text.as_bytes())?;
            Ok(1)
        }
        Err(Refusal::Uncounted(text)) if raise => Err(raise_error_table(ctx, text.as_bytes())),
        Err(Refusal::Uncounted(text)) => {
            push_error_table(ctx, text.as_bytes())?;
            Ok(1)
        }
    }
}

/// Why a script's command did not run.
enum Refusal {
    /// Its arguments could not make a command line (nothing reached the host).
    Uncounted(String),
    /// The checks before running it refused it, and the host counted the refusal.
    Counted(String),
}

/// Raise a command's error reply (or refusal) as an error table marked as already counted.
fn raise_command_error(ctx: &mut Ctx, text: &[u8]) -> Raised {
    match push_command_error(ctx, text) {
        Ok(()) => {
            let top = ctx.top_slot();
            ctx.raise(top)
        }
        Err(r) => r,
    }
}

/// One of the dialect's texts, for the running script's server.
fn dialect_text(ctx: &Ctx, text: fn(&Dialect) -> &'static str) -> String {
    match ctx.app_data::<std::rc::Rc<Shared>>() {
        Some(shared) => text(&shared.dialect),
        None => text(&Dialect::default()),
    }
    .to_string()
}

/// A message naming the `redis` table's functions, as the running script's server words it.
fn message(ctx: &Ctx, text: &str) -> Vec<u8> {
    match ctx.app_data::<std::rc::Rc<Shared>>() {
        Some(shared) => shared.dialect.message(text).into_bytes(),
        None => text.as_bytes().to_vec(),
    }
}

/// Check the arguments and format the numbers among them, as Redis passes them (`%.17g`):
/// the formatted numbers, in argument order.
fn command_argv(ctx: &Ctx) -> Result<Vec<Vec<u8>>, Refusal> {
    let argc = ctx.arg_count();
    if argc == 0 {
        return Err(Refusal::Uncounted(dialect_text(ctx, Dialect::no_arguments)));
    }
    let mut numbers = Vec::new();
    for n in 1..=argc {
        match ctx.arg(n) {
            ValueRef::String(_) => {}
            ValueRef::Number(x) => {
                let mut text = Vec::with_capacity(24);
                lua_core::tools::format_general(x, 17, &mut text);
                numbers.push(text);
            }
            _ => return Err(Refusal::Uncounted(dialect_text(ctx, Dialect::bad_argument))),
        }
    }
    Ok(numbers)
}

/// Run the command the arguments name: the host's reply and whether the script reads RESP3.
fn execute(ctx: &Ctx, numbers: &[Vec<u8>]) -> Result<(Reply, ToLua), Refusal> {
    let mut numbers = numbers.iter();
    // Filled in place: collecting would build the list and then move it.
    let mut argv = smallvec::SmallVec::<[&[u8]; 8]>::new();
    argv.extend((1..=ctx.arg_count()).map(|n| match ctx.arg(n) {
        ValueRef::String(s) => s.as_bytes(),
        _ => numbers.next().map_or(&[][..], |v| v.as_slice()),
    }));
    let outside =
        || Refusal::Uncounted("ERR redis.call is not available outside a script run".into());
    let Some(shared) = ctx.app_data::<std::rc::Rc<Shared>>() else {
        return Err(outside());
    };
    let mut run = shared.run.borrow_mut();
    let resp = run.resp;
    let host_checks = shared.dialect.host_checks_commands();
    let outcome = shared.host.with(|host| {
        if host_checks {
            return Ok(host.call(&argv, resp));
        }
        if let Err(text) = run.check_command(&mut *host, &argv) {
            host.command_rejected(&argv, text.as_bytes());
            return Err(Refusal::Counted(text));
        }
        Ok(host.call(&argv, resp))
    });
    match outcome {
        Some(Ok(reply)) => Ok((
            reply,
            ToLua {
                resp3: resp == 3,
                presize: shared.dialect.presizes_collections(),
            },
        )),
        Some(Err(refusal)) => Err(refusal),
        None => Err(outside()),
    }
}

/// `redis.setresp(2|3)`: the protocol of the replies the script's commands return.
fn setresp(ctx: &mut Ctx) -> Result<usize, Raised> {
    if ctx.arg_count() != 1 {
        let text = message(ctx, "ERR redis.setresp() requires one argument.");
        return Err(raise_error_table(ctx, &text));
    }
    // Redis reads the argument with `lua_tonumber`: anything else reads as 0.
    let resp = ctx.arg(1).to_number().map_or(0, |x| x as i64);
    if resp != 2 && resp != 3 {
        return Err(raise_error_table(ctx, b"ERR RESP version must be 2 or 3."));
    }
    if let Some(shared) = ctx.app_data::<std::rc::Rc<Shared>>() {
        shared.run.borrow_mut().resp = resp as u8;
    }
    Ok(0)
}

/// `redis.sha1hex(s)`: the SHA1 of `s` in lower-case hex (of the empty string for a value
/// that is not a string or number).
fn sha1hex(ctx: &mut Ctx) -> Result<usize, Raised> {
    if ctx.arg_count() != 1 {
        return Err(raise_error_table(ctx, b"ERR wrong number of arguments"));
    }
    let hex = match ctx.arg(1) {
        ValueRef::String(s) => crate::sha1_hex(s.as_bytes()),
        ValueRef::Number(_) => {
            let bytes = ctx.check_bytes(1)?;
            crate::sha1_hex(bytes)
        }
        _ => crate::sha1_hex(b""),
    };
    ctx.push_bytes(hex)?;
    Ok(1)
}

/// `redis.error_reply(msg)`: `{err = "CODE message"}`, the code being the message's first word
/// (a leading `-` is dropped) or `ERR` for a one-word message.
fn error_reply(ctx: &mut Ctx) -> Result<usize, Raised> {
    let text = match ctx.arg(1) {
        ValueRef::String(s) if ctx.arg_count() == 1 => {
            let msg = s.as_bytes();
            msg.strip_prefix(b"-").unwrap_or(msg).to_vec()
        }
        _ => b"ERR wrong number or type of arguments".to_vec(),
    };
    push_error_table(ctx, &text)?;
    Ok(1)
}

/// `redis.status_reply(msg)`: `{ok = msg}`.
fn status_reply(ctx: &mut Ctx) -> Result<usize, Raised> {
    let field = match ctx.arg(1) {
        ValueRef::String(_) if ctx.arg_count() == 1 => "ok",
        _ => {
            push_error_table(ctx, b"ERR wrong number or type of arguments")?;
            return Ok(1);
        }
    };
    let t = ctx.new_table(0, 1)?;
    ctx.push_copy(ctx.arg_slot(1))?;
    ctx.set_field(t, field)?;
    Ok(1)
}

/// `redis.log(level, ...)`: the arguments joined by spaces, to the host's log.
pub(crate) fn log(ctx: &mut Ctx) -> Result<usize, Raised> {
    let argc = ctx.arg_count();
    if argc < 2 {
        let text = message(ctx, "ERR redis.log() requires two arguments or more.");
        return Err(raise_error_table(ctx, &text));
    }
    let Some(level) = ctx.arg(1).to_number() else {
        return Err(raise_error_table(
            ctx,
            b"ERR First argument must be a number (log level).",
        ));
    };
    let level = match level as i64 {
        0 => LogLevel::Debug,
        1 => LogLevel::Verbose,
        2 => LogLevel::Notice,
        3 => LogLevel::Warning,
        _ => {
            let text = dialect_text(ctx, Dialect::bad_log_level);
            return Err(raise_error_table(ctx, text.as_bytes()));
        }
    };
    let mut message = Vec::new();
    for n in 2..=argc {
        if n > 2 {
            message.push(b' ');
        }
        match ctx.arg(n) {
            ValueRef::String(s) => message.extend_from_slice(s.as_bytes()),
            ValueRef::Number(x) => lua_core::tools::format_number(x, &mut message),
            _ => {}
        }
    }
    if let Some(shared) = ctx.app_data::<std::rc::Rc<Shared>>() {
        shared
            .host
            .with(|host| host.log(level, &single_line(&message)));
    }
    Ok(0)
}

/// `redis.set_repl(flags)`: accepted and ignored beyond its checks (scripts always replicate
/// their effects in Redis 7.0).
fn set_repl(ctx: &mut Ctx) -> Result<usize, Raised> {
    if ctx.arg_count() != 1 {
        // Redis's text says two arguments where one is wanted; Valkey's says one.
        let text = dialect_text(ctx, Dialect::set_repl_arity);
        return Err(raise_error_table(ctx, text.as_bytes()));
    }
    let ValueRef::Number(flags) = ctx.arg(1) else {
        return Ok(0);
    };
    let flags = flags as i64;
    if !(0..=3).contains(&flags) {
        return Err(raise_error_table(
            ctx,
            b"ERR Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.",
        ));
    }
    Ok(0)
}

/// `redis.replicate_commands()`: always `true` since Redis 7.0.
fn replicate_commands(ctx: &mut Ctx) -> Result<usize, Raised> {
    ctx.push_bool(true);
    Ok(1)
}

/// `redis.breakpoint()`: `false`, as outside the script debugger.
fn breakpoint(ctx: &mut Ctx) -> Result<usize, Raised> {
    ctx.push_bool(false);
    Ok(1)
}

/// `redis.debug(...)`: nothing, as outside the script debugger.
fn debug(_: &mut Ctx) -> Result<usize, Raised> {
    Ok(0)
}

/// `redis.acl_check_cmd(cmd, ...)`: whether the script's user may run the command.
fn acl_check_cmd(ctx: &mut Ctx) -> Result<usize, Raised> {
    let numbers = match command_argv(ctx) {
        Ok(n) => n,
        Err(Refusal::Uncounted(text) | Refusal::Counted(text)) => {
            return Err(raise_error_table(ctx, text.as_bytes()))
        }
    };
    let mut numbers = numbers.iter();
    let argv: Vec<Vec<u8>> = (1..=ctx.arg_count())
        .map(|n| match ctx.arg(n) {
            ValueRef::String(s) => s.as_bytes().to_vec(),
            _ => numbers.next().cloned().unwrap_or_default(),
        })
        .collect();
    let slices: Vec<&[u8]> = argv.iter().map(|a| a.as_slice()).collect();
    let verdict = ctx.app_data::<std::rc::Rc<Shared>>().and_then(|shared| {
        shared.host.with(|host| {
            host.command(&slices)
                .map(|_| host.acl_check(&slices).is_none())
        })
    });
    match verdict.flatten() {
        Some(allowed) => {
            ctx.push_bool(allowed);
            Ok(1)
        }
        None => {
            let text = message(ctx, "ERR Invalid command passed to redis.acl_check_cmd()");
            Err(raise_error_table(ctx, &text))
        }
    }
}

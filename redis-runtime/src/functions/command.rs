//! The `FUNCTION` command line: its subcommands with their arity and argument errors as
//! redis-server 7.0.15 gives them, and the replies of LIST, STATS and HELP.

use super::{pattern, Functions, RestorePolicy};
use crate::host::Host;
use crate::Reply;

/// The subcommands with Redis's arity (`n` exactly, `-n` at least, the name counting).
const SUBCOMMANDS: &[(&str, i32)] = &[
    ("delete", 3),
    ("dump", 2),
    ("flush", -2),
    ("help", 2),
    ("kill", 2),
    ("list", -2),
    ("load", -3),
    ("restore", -3),
    ("stats", 2),
];

const HELP: &[&str] = &[
    "LOAD [REPLACE] <FUNCTION CODE>",
    "    Create a new library with the given library name and code.",
    "DELETE <LIBRARY NAME>",
    "    Delete the given library.",
    "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
    "    Return general information on all the libraries:",
    "    * Library name",
    "    * The engine used to run the Library",
    "    * Library description",
    "    * Functions list",
    "    * Library code (if WITHCODE is given)",
    "    It also possible to get only function that matches a pattern using LIBRARYNAME argument.",
    "STATS",
    "    Return information about the current function running:",
    "    * Function name",
    "    * Command used to run the function",
    "    * Duration in MS that the function is running",
    "    If no function is running, return nil",
    "    In addition, returns a list of available engines.",
    "KILL",
    "    Kill the current running function.",
    "FLUSH [ASYNC|SYNC]",
    "    Delete all the libraries.",
    "    When called without the optional mode argument, the behavior is determined by the",
    "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
    "    * ASYNC: Asynchronously flush the libraries.",
    "    * SYNC: Synchronously flush the libraries.",
    "DUMP",
    "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
    "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
    "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
    "    control how to handle existing libraries (default APPEND):",
    "    * FLUSH: delete all existing libraries.",
    "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
    "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
    "      libraries with the new libraries (notice that even on this option there is a chance of failure",
    "      in case of functions name collision with another library).",
];

/// The running function as `FUNCTION STATS` describes it.
pub struct RunningFunction<'a> {
    pub name: &'a [u8],
    /// The command line that called it.
    pub command: &'a [Vec<u8>],
    pub duration_ms: i64,
}

/// The `FUNCTION STATS` reply. A host answering it while a function runs (when the runtime is
/// busy) passes the running function and the counts it kept.
pub fn stats_reply(
    running: Option<RunningFunction<'_>>,
    libraries: usize,
    functions: usize,
) -> Reply {
    let bulk = |s: &str| Reply::Bulk(s.as_bytes().to_vec());
    let running = match running {
        None => Reply::Null,
        Some(r) => Reply::Map(vec![
            (bulk("name"), Reply::Bulk(r.name.to_vec())),
            (
                bulk("command"),
                Reply::Array(r.command.iter().map(|a| Reply::Bulk(a.clone())).collect()),
            ),
            (bulk("duration_ms"), Reply::Integer(r.duration_ms)),
        ]),
    };
    let engine = Reply::Map(vec![
        (bulk("libraries_count"), Reply::Integer(libraries as i64)),
        (bulk("functions_count"), Reply::Integer(functions as i64)),
    ]);
    Reply::Map(vec![
        (bulk("running_script"), running),
        (bulk("engines"), Reply::Map(vec![(bulk("LUA"), engine)])),
    ])
}

/// An error reply `ERR <text>`, with CR LF pairs (which would end the reply early) blanked.
fn error(text: &[u8]) -> Reply {
    let mut out = b"ERR ".to_vec();
    let mut i = 0;
    while i < text.len() {
        if text[i] == b'\r' && text.get(i + 1) == Some(&b'\n') {
            out.extend_from_slice(b"  ");
            i += 2;
        } else {
            out.push(text[i]);
            i += 1;
        }
    }
    Reply::Error(out)
}

/// An argument as Redis's `%s` formats it in an error: up to a NUL, CR and LF blanked.
fn shown(arg: &[u8], max: usize) -> String {
    let cut = &arg[..arg.len().min(max)];
    let cut = &cut[..cut.iter().position(|&b| b == 0).unwrap_or(cut.len())];
    String::from_utf8_lossy(cut).replace(['\r', '\n'], " ")
}

fn syntax_error(argv: &[&[u8]]) -> Reply {
    Reply::Error(
        format!(
            "ERR unknown subcommand or wrong number of arguments for '{}'. Try {} HELP.",
            shown(argv[1], 128),
            shown(argv[0], usize::MAX).to_ascii_uppercase()
        )
        .into_bytes(),
    )
}

impl Functions {
    /// A whole `FUNCTION <subcommand> ...` command line, as Redis answers it when nothing is
    /// running (a host handles `FUNCTION KILL` and `FUNCTION STATS` itself while a script
    /// runs).
    pub fn command(&mut self, host: &mut dyn Host, argv: &[&[u8]]) -> Reply {
        let Some(sub) = argv.get(1) else {
            return Reply::error("ERR wrong number of arguments for 'function' command");
        };
        let name = String::from_utf8_lossy(sub).to_ascii_lowercase();
        let Some(&(name, arity)) = SUBCOMMANDS.iter().find(|(n, _)| *n == name) else {
            return Reply::Error(
                format!(
                    "ERR unknown subcommand '{}'. Try {} HELP.",
                    shown(sub, 128),
                    shown(argv[0], usize::MAX).to_ascii_uppercase()
                )
                .into_bytes(),
            );
        };
        let argc = argv.len() as i32;
        if (arity > 0 && argc != arity) || argc < -arity {
            return Reply::Error(
                format!("ERR wrong number of arguments for 'function|{name}' command").into_bytes(),
            );
        }
        match name {
            "load" => self.load_command(host, argv),
            "delete" => {
                if self.delete(argv[2]) {
                    Reply::ok()
                } else {
                    Reply::error("ERR Library not found")
                }
            }
            "flush" => {
                let valid = match argv.len() {
                    2 => true,
                    3 => {
                        argv[2].eq_ignore_ascii_case(b"sync")
                            || argv[2].eq_ignore_ascii_case(b"async")
                    }
                    _ => return syntax_error(argv),
                };
                if !valid {
                    return Reply::error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
                }
                self.flush();
                Reply::ok()
            }
            "dump" => Reply::Bulk(self.dump(true)),
            "restore" => self.restore_command(host, argv),
            "list" => self.list_command(argv),
            "stats" => stats_reply(None, self.library_count(), self.function_count()),
            "kill" => Reply::error("NOTBUSY No scripts in execution right now."),
            _ => help_reply(argv[0]),
        }
    }

    fn load_command(&mut self, host: &mut dyn Host, argv: &[&[u8]]) -> Reply {
        let (code, options) = match argv[2..].split_last() {
            Some(split) => split,
            None => return Reply::error("ERR Function code is missing"),
        };
        let mut replace = false;
        for option in options {
            if !option.eq_ignore_ascii_case(b"replace") {
                let text = format!("Unknown option given: {}", shown(option, usize::MAX));
                return error(text.trim_end_matches(['\r', '\n', ' ']).as_bytes());
            }
            replace = true;
        }
        match self.load(host, code, replace) {
            Ok(name) => Reply::Bulk(name),
            Err(text) => error(&text),
        }
    }

    fn restore_command(&mut self, host: &mut dyn Host, argv: &[&[u8]]) -> Reply {
        if argv.len() > 4 {
            return syntax_error(argv);
        }
        let policy = match argv.get(3) {
            None => RestorePolicy::Append,
            Some(p) if p.eq_ignore_ascii_case(b"append") => RestorePolicy::Append,
            Some(p) if p.eq_ignore_ascii_case(b"replace") => RestorePolicy::Replace,
            Some(p) if p.eq_ignore_ascii_case(b"flush") => RestorePolicy::Flush,
            Some(_) => return Reply::error(
                "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.",
            ),
        };
        match self.restore(host, argv[2], policy) {
            Ok(()) => Reply::ok(),
            Err(text) => error(&text),
        }
    }

    /// `FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE]`.
    fn list_command(&self, argv: &[&[u8]]) -> Reply {
        let mut with_code = false;
        let mut pattern: Option<&[u8]> = None;
        let mut i = 2;
        while i < argv.len() {
            let arg = argv[i];
            if !with_code && c_str(arg).eq_ignore_ascii_case(b"withcode") {
                with_code = true;
            } else if pattern.is_none() && c_str(arg).eq_ignore_ascii_case(b"libraryname") {
                if i + 1 >= argv.len() {
                    return Reply::error("ERR library name argument was not given");
                }
                i += 1;
                pattern = Some(argv[i]);
            } else {
                return Reply::Error(
                    format!("ERR Unknown argument {}", shown(arg, usize::MAX)).into_bytes(),
                );
            }
            i += 1;
        }
        let bulk = |s: &str| Reply::Bulk(s.as_bytes().to_vec());
        let libraries = self
            .current
            .libraries
            .iter()
            .filter(|l| pattern.map_or(true, |p| pattern::matches(p, &l.name, true)))
            .map(|library| {
                let functions = library
                    .functions
                    .iter()
                    .map(|f| {
                        let flags = f
                            .flags
                            .names()
                            .into_iter()
                            .map(|n| Reply::Status(n.as_bytes().to_vec()))
                            .collect();
                        Reply::Map(vec![
                            (bulk("name"), Reply::Bulk(f.name.clone())),
                            (
                                bulk("description"),
                                f.description.clone().map_or(Reply::Null, Reply::Bulk),
                            ),
                            (bulk("flags"), Reply::Set(flags)),
                        ])
                    })
                    .collect();
                let mut fields = vec![
                    (bulk("library_name"), Reply::Bulk(library.name.clone())),
                    (bulk("engine"), bulk("LUA")),
                    (bulk("functions"), Reply::Array(functions)),
                ];
                if with_code {
                    fields.push((bulk("library_code"), Reply::Bulk(library.code.clone())));
                }
                Reply::Map(fields)
            })
            .collect();
        Reply::Array(libraries)
    }
}

/// The bytes up to the first NUL (how `strcasecmp` sees an argument).
fn c_str(arg: &[u8]) -> &[u8] {
    &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())]
}

/// `FUNCTION HELP` (Redis's `addReplyHelp`).
fn help_reply(command: &[u8]) -> Reply {
    let name = shown(command, usize::MAX).to_ascii_uppercase();
    let mut lines = vec![Reply::Status(
        format!("{name} <subcommand> [<arg> [value] [opt] ...]. Subcommands are:").into_bytes(),
    )];
    lines.extend(HELP.iter().map(|l| Reply::Status(l.as_bytes().to_vec())));
    lines.push(Reply::Status(b"HELP".to_vec()));
    lines.push(Reply::Status(b"    Prints this help.".to_vec()));
    Reply::Array(lines)
}

//! The command table: every command's arity, flags, key positions and ACL categories, as the
//! reference declares them (`table.txt`, generated from redis-server's `COMMAND` reply by
//! `server/scripts/command_table.py`), joined with the handlers this server has. Dispatch,
//! `COMMAND` and the scripting gate all read it.

use super::name_map::NameMap;
use super::Handler;
use std::collections::HashMap as StdHashMap;

const TABLE: &str = include_str!("table.txt");

/// Redis's command flags (`CMD_*`), as a bit set.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Flags(u32);

macro_rules! flags {
    ($($name:ident = $bit:expr, $text:literal;)*) => {
        impl Flags {
            $(pub const $name: Flags = Flags(1 << $bit);)*

            fn from_name(name: &str) -> Flags {
                match name {
                    $($text => Flags::$name,)*
                    _ => Flags(0),
                }
            }

            /// The flag names, as `COMMAND INFO` lists them.
            pub fn names(self) -> Vec<&'static str> {
                let mut out = Vec::new();
                $(if self.has(Flags::$name) { out.push($text); })*
                out
            }
        }
    };
}

flags! {
    WRITE = 0, "write";
    READONLY = 1, "readonly";
    DENYOOM = 2, "denyoom";
    MODULE = 3, "module";
    ADMIN = 4, "admin";
    PUBSUB = 5, "pubsub";
    NOSCRIPT = 6, "noscript";
    BLOCKING = 7, "blocking";
    LOADING = 8, "loading";
    STALE = 9, "stale";
    SKIP_MONITOR = 10, "skip_monitor";
    SKIP_SLOWLOG = 11, "skip_slowlog";
    ASKING = 12, "asking";
    FAST = 13, "fast";
    NO_AUTH = 14, "no_auth";
    MAY_REPLICATE = 15, "may_replicate";
    NO_MANDATORY_KEYS = 16, "no_mandatory_keys";
    NO_ASYNC_LOADING = 17, "no_async_loading";
    NO_MULTI = 18, "no_multi";
    MOVABLE_KEYS = 19, "movablekeys";
    ALLOW_BUSY = 20, "allow_busy";
}

impl Flags {
    pub fn has(self, other: Flags) -> bool {
        self.0 & other.0 != 0
    }

    /// The flags of either.
    pub fn union(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }

    /// The flags this lacks.
    pub fn missing(self) -> Flags {
        Flags(!self.0)
    }
}

/// One command (or subcommand) of the table.
#[derive(Debug)]
pub struct Command {
    /// `get`, or `config|get` for a subcommand.
    pub full_name: std::rc::Rc<str>,
    pub arity: i32,
    pub first_key: i32,
    pub last_key: i32,
    pub key_step: i32,
    pub flags: Flags,
    pub categories: Vec<String>,
    pub handler: Option<Handler>,
    pub subcommands: NameMap<Command>,
}

impl Command {
    pub fn arity_ok(&self, argc: usize) -> bool {
        arity_ok(self.arity, argc)
    }

    /// The key arguments of `argv` by the table's first/last/step positions (commands with
    /// movable keys are resolved by their handlers' own parsing).
    pub fn key_indexes(&self, argc: usize) -> Vec<usize> {
        if self.first_key <= 0 || self.key_step <= 0 {
            return Vec::new();
        }
        let last = if self.last_key < 0 {
            argc as i32 + self.last_key
        } else {
            self.last_key.min(argc as i32 - 1)
        };
        (self.first_key..=last)
            .step_by(self.key_step as usize)
            .map(|i| i as usize)
            .collect()
    }

    pub fn is_container(&self) -> bool {
        !self.subcommands.is_empty()
    }
}

/// Why a command was not found.
pub enum Missing {
    Command,
    /// The name is a container but the subcommand is unknown.
    Subcommand,
}

/// Commands Redis flags `may-replicate`, a flag its COMMAND output does not show (so the
/// generated table cannot carry it): scripts that may not write may not call them either.
const MAY_REPLICATE: &[&str] = &["pfcount", "publish", "spublish", "eval", "evalsha", "fcall"];

pub struct CommandTable {
    commands: NameMap<Command>,
}

impl CommandTable {
    /// The table, with the handlers given by name (`get`, `config|get`). Commands without a
    /// handler are left out, so they answer as unknown.
    pub fn new(handlers: &[(&str, Handler)]) -> CommandTable {
        let handlers: StdHashMap<&str, Handler> = handlers.iter().copied().collect();
        let mut commands: NameMap<Command> = NameMap::default();
        let mut subs: Vec<(String, Command)> = Vec::new();
        for line in TABLE
            .lines()
            .filter(|l| !l.starts_with('#') && !l.is_empty())
        {
            let f: Vec<&str> = line.split(' ').collect();
            if f.len() < 7 {
                continue;
            }
            let number = |s: &str| s.parse::<i32>().unwrap_or(0);
            let extra = if MAY_REPLICATE.contains(&f[0]) {
                Flags::MAY_REPLICATE
            } else {
                Flags(0)
            };
            let command = Command {
                full_name: std::rc::Rc::from(f[0]),
                arity: number(f[1]),
                first_key: number(f[2]),
                last_key: number(f[3]),
                key_step: number(f[4]),
                flags: f[5]
                    .split(',')
                    .fold(extra, |acc, n| Flags(acc.0 | Flags::from_name(n).0)),
                categories: f[6]
                    .split(',')
                    .filter(|c| *c != "-")
                    .map(str::to_string)
                    .collect(),
                handler: handlers.get(f[0]).copied(),
                subcommands: NameMap::default(),
            };
            match f[0].split_once('|') {
                Some((parent, _)) => subs.push((parent.to_string(), command)),
                None => {
                    commands.insert(f[0].as_bytes(), command);
                }
            }
        }
        for (parent, sub) in subs {
            if let Some(p) = commands.get_mut(parent.as_bytes()) {
                let name = sub
                    .full_name
                    .split_once('|')
                    .map_or("", |(_, s)| s)
                    .as_bytes()
                    .to_vec();
                p.subcommands.insert(&name, sub);
            }
        }
        CommandTable { commands }
    }

    /// The command `argv` names (its subcommand, for containers with an argument), if this
    /// server implements it.
    pub fn lookup(&self, argv: &[&[u8]]) -> Result<&Command, Missing> {
        let command = self.describe(argv)?;
        if command.handler.is_some() || command.is_container() {
            Ok(command)
        } else if command.full_name.contains('|') {
            Err(Missing::Subcommand)
        } else {
            Err(Missing::Command)
        }
    }

    /// The command `argv` names as the reference's table declares it, implemented here or
    /// not (what a script's command gate checks: arity, no-script, write...).
    pub fn describe(&self, argv: &[&[u8]]) -> Result<&Command, Missing> {
        let name = argv.first().ok_or(Missing::Command)?;
        let command = self.commands.get(name).ok_or(Missing::Command)?;
        if !command.is_container() || argv.len() < 2 {
            return Ok(command);
        }
        command.subcommands.get(argv[1]).ok_or(Missing::Subcommand)
    }

    /// Every command of the reference's table (subcommands as `parent|sub`) with its ACL
    /// categories: what ACL rules act on.
    pub fn universe(&self) -> crate::acl::Universe {
        let mut universe = crate::acl::Universe::default();
        for c in self.commands.values() {
            universe
                .commands
                .insert(c.full_name.to_string(), c.categories.clone());
            for sub in c.subcommands.values() {
                universe
                    .commands
                    .insert(sub.full_name.to_string(), sub.categories.clone());
            }
        }
        universe
    }

    /// A top-level command by name, implemented or not.
    pub fn get(&self, name: &[u8]) -> Option<&Command> {
        self.commands.get(name)
    }

    /// The commands this server implements (a container when any subcommand is).
    pub fn iter(&self) -> impl Iterator<Item = &Command> {
        self.commands
            .values()
            .filter(|c| c.handler.is_some() || c.subcommands.values().any(|s| s.handler.is_some()))
    }

    pub fn len(&self) -> usize {
        self.iter().count()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Whether `argc` arguments (the name included) fit an arity as Redis declares it: exactly
/// that many when positive, at least its magnitude when negative.
pub fn arity_ok(arity: i32, argc: usize) -> bool {
    let argc = argc as i64;
    let arity = i64::from(arity);
    if arity >= 0 {
        argc == arity
    } else {
        argc >= -arity
    }
}

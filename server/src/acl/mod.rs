//! Access control: users, the rules `ACL SETUSER` gives them, and the check every command
//! passes (`acl.c`). A user has a state (on/off), passwords (kept as SHA-256 hashes) or
//! `nopass`, the commands it may run (a set of command names, with `+@all` remembered so the
//! rules describe themselves as Redis describes them), and key and channel patterns.

pub mod file;
pub mod log;
pub mod sha256;

use crate::db::glob;
use std::collections::{BTreeMap, BTreeSet};

/// Redis's ACL categories, in the order `ACL CAT` lists them.
pub const CATEGORIES: &[&str] = &[
    "keyspace",
    "read",
    "write",
    "set",
    "sortedset",
    "list",
    "hash",
    "string",
    "bitmap",
    "hyperloglog",
    "geo",
    "stream",
    "pubsub",
    "admin",
    "fast",
    "slow",
    "blocking",
    "dangerous",
    "connection",
    "transaction",
    "scripting",
];

/// Every command the server knows (containers, subcommands as `parent|sub`, plain commands),
/// with its categories: what `+@category` and `+command` rules act on.
#[derive(Debug, Clone, Default)]
pub struct Universe {
    pub commands: BTreeMap<String, Vec<String>>,
}

impl Universe {
    fn in_category<'a>(&'a self, category: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.commands
            .iter()
            .filter(move |(_, cats)| cats.iter().any(|c| c == category))
            .map(|(name, _)| name)
    }

    /// A command and, for a container, its subcommands.
    fn family<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a String> + 'a {
        self.commands
            .keys()
            .filter(move |n| *n == name || n.strip_prefix(name).is_some_and(|r| r.starts_with('|')))
    }
}

/// The error of a rule naming a command or category the server does not have.
pub const UNKNOWN_COMMAND: &str = "Unknown command or category name in ACL";

/// A key pattern with the access it grants: `~p` both, `%R~p` reading, `%W~p` writing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyPattern {
    pub pattern: Vec<u8>,
    pub read: bool,
    pub write: bool,
}

impl KeyPattern {
    /// As `ACL LIST` writes it.
    fn describe(&self) -> String {
        let prefix = match (self.read, self.write) {
            (true, false) => "%R~",
            (false, true) => "%W~",
            _ => "~",
        };
        format!("{prefix}{}", String::from_utf8_lossy(&self.pattern))
    }
}

/// What a command does with one of its keys (from its key specification's flags: `access`
/// reads; `insert`, `delete` and `update` write), for the `%R~`/`%W~` patterns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyAccess {
    /// The key's argument position.
    pub pos: usize,
    pub read: bool,
    pub write: bool,
}

#[derive(Debug, Clone)]
pub struct User {
    pub enabled: bool,
    pub nopass: bool,
    /// SHA-256 hex of each password, in the order given.
    pub passwords: Vec<String>,
    /// The command rules started from `+@all` (so commands added later are allowed too).
    pub all_future: bool,
    pub allowed: BTreeSet<String>,
    pub key_patterns: Vec<KeyPattern>,
    pub all_keys: bool,
    pub channel_patterns: Vec<Vec<u8>>,
    pub all_channels: bool,
    /// `sanitize-payload` / `skip-sanitize-payload` (RESTORE payloads are always checked
    /// whole here; the flags are kept and described as Redis keeps them).
    pub sanitize_payload: bool,
    pub skip_sanitize_payload: bool,
}

impl User {
    /// A new user: off, no password, no commands, no keys, no channels.
    pub fn new() -> User {
        User {
            enabled: false,
            nopass: false,
            passwords: Vec::new(),
            all_future: false,
            allowed: BTreeSet::new(),
            key_patterns: Vec::new(),
            all_keys: false,
            channel_patterns: Vec::new(),
            all_channels: false,
            sanitize_payload: false,
            skip_sanitize_payload: false,
        }
    }

    /// The default user as the server starts: everything allowed, no password.
    pub fn default_user(universe: &Universe) -> User {
        User {
            enabled: true,
            nopass: true,
            all_future: true,
            allowed: universe.commands.keys().cloned().collect(),
            all_keys: true,
            all_channels: true,
            ..User::new()
        }
    }

    /// Whether this user may do anything (the check then costs nothing).
    pub fn unrestricted(&self, universe: &Universe) -> bool {
        self.all_keys && self.all_channels && self.allowed.len() == universe.commands.len()
    }

    /// Apply one `ACL SETUSER` rule; the error text Redis gives for a bad one.
    pub fn apply(&mut self, rule: &[u8], universe: &Universe) -> Result<(), &'static str> {
        let text = String::from_utf8_lossy(rule).into_owned();
        let lower = text.to_ascii_lowercase();
        match lower.as_str() {
            "on" => self.enabled = true,
            "off" => self.enabled = false,
            "nopass" => {
                self.nopass = true;
                self.passwords.clear();
            }
            "resetpass" => {
                self.nopass = false;
                self.passwords.clear();
            }
            "allkeys" | "~*" => {
                self.all_keys = true;
                self.key_patterns.clear();
            }
            "resetkeys" => {
                self.all_keys = false;
                self.key_patterns.clear();
            }
            "allchannels" => {
                self.all_channels = true;
                self.channel_patterns.clear();
            }
            "resetchannels" => {
                self.all_channels = false;
                self.channel_patterns.clear();
            }
            "allcommands" | "+@all" => {
                self.all_future = true;
                self.allowed = universe.commands.keys().cloned().collect();
            }
            "nocommands" | "-@all" => {
                self.all_future = false;
                self.allowed.clear();
            }
            "reset" => *self = User::new_reset(),
            "sanitize-payload" => {
                self.sanitize_payload = true;
                self.skip_sanitize_payload = false;
            }
            "skip-sanitize-payload" => {
                self.skip_sanitize_payload = true;
                self.sanitize_payload = false;
            }
            _ => return self.apply_prefixed(rule, &lower, universe),
        }
        Ok(())
    }

    /// `reset`: as a new user, with `resetpass resetkeys resetchannels off -@all
    /// sanitize-payload`.
    fn new_reset() -> User {
        User {
            sanitize_payload: true,
            ..User::new()
        }
    }

    /// The flags `ACL GETUSER` lists and `ACL LIST` starts with, in Redis's order.
    pub fn flag_names(&self) -> Vec<&'static str> {
        let mut flags = vec![if self.enabled { "on" } else { "off" }];
        if self.nopass {
            flags.push("nopass");
        }
        if self.skip_sanitize_payload {
            flags.push("skip-sanitize-payload");
        }
        if self.sanitize_payload {
            flags.push("sanitize-payload");
        }
        flags
    }

    fn apply_prefixed(
        &mut self,
        rule: &[u8],
        lower: &str,
        universe: &Universe,
    ) -> Result<(), &'static str> {
        let rest = &rule[1..];
        match rule.first() {
            Some(b'>') => {
                let hash = sha256::hex(rest);
                if !self.passwords.contains(&hash) {
                    self.passwords.push(hash);
                }
                self.nopass = false;
            }
            Some(b'#') => {
                let valid = rest.len() == 64
                    && rest
                        .iter()
                        .all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c));
                if !valid {
                    return Err("The password hash must be exactly 64 characters and contain only lowercase hexadecimal characters");
                }
                let hash = String::from_utf8_lossy(rest).into_owned();
                if !self.passwords.contains(&hash) {
                    self.passwords.push(hash);
                }
                self.nopass = false;
            }
            Some(b'<') => {
                let hash = sha256::hex(rest);
                let before = self.passwords.len();
                self.passwords.retain(|p| *p != hash);
                if self.passwords.len() == before {
                    return Err(
                        "The password you are trying to remove from the user does not exist",
                    );
                }
            }
            Some(b'!') => {
                let hash = String::from_utf8_lossy(rest).into_owned();
                let before = self.passwords.len();
                self.passwords.retain(|p| *p != hash);
                if self.passwords.len() == before {
                    return Err(
                        "The password you are trying to remove from the user does not exist",
                    );
                }
            }
            Some(b'~') | Some(b'%') => {
                if self.all_keys {
                    return Err("Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not have any effect. Try 'resetkeys' to start with an empty list of patterns");
                }
                let (read, write, pattern) = parse_key_pattern(rule)?;
                match self.key_patterns.iter_mut().find(|p| p.pattern == pattern) {
                    // The same pattern again widens what it grants, as Redis merges them.
                    Some(existing) => {
                        existing.read |= read;
                        existing.write |= write;
                    }
                    None => self.key_patterns.push(KeyPattern {
                        pattern: pattern.to_vec(),
                        read,
                        write,
                    }),
                }
            }
            Some(b'&') => {
                if self.all_channels {
                    return Err("Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does not have any effect. Try 'resetchannels' to start with an empty list of channels");
                }
                if rest == b"*" {
                    self.all_channels = true;
                    self.channel_patterns.clear();
                } else {
                    self.channel_patterns.push(rest.to_vec());
                }
            }
            Some(b'+') | Some(b'-') => {
                let allow = rule[0] == b'+';
                let name = &lower[1..];
                let names: Vec<String> = if let Some(category) = name.strip_prefix('@') {
                    if !CATEGORIES.contains(&category) {
                        return Err(UNKNOWN_COMMAND);
                    }
                    universe.in_category(category).cloned().collect()
                } else {
                    if !universe.commands.contains_key(name) {
                        return Err(UNKNOWN_COMMAND);
                    }
                    universe.family(name).cloned().collect()
                };
                // Only `-@all` takes back the commands added later; `-cmd` and `-@cat` do not.
                for n in names {
                    if allow {
                        self.allowed.insert(n);
                    } else {
                        self.allowed.remove(&n);
                    }
                }
            }
            _ => return Err("Syntax error"),
        }
        Ok(())
    }

    /// The command rules as Redis describes them (`ACLDescribeSelectorCommandRules`): `+@all`
    /// or `-@all`, then, greedily, the category that fits best what is left (more commands in
    /// common than different, the fewest differences, then the most in common), then single
    /// commands.
    pub fn describe_commands(&self, universe: &Universe) -> String {
        let additive = !self.all_future;
        let mut rules = String::from(if additive { "-@all" } else { "+@all" });
        let mut fake: BTreeSet<&String> = if additive {
            BTreeSet::new()
        } else {
            universe.commands.keys().collect()
        };
        // The user's commands with the categories chosen so far taken back out (for `+@all`,
        // put back in), so that each round counts what is still to be described.
        let mut left: BTreeSet<&String> = self.allowed.iter().collect();
        let mut applied = vec![false; CATEGORIES.len()];
        loop {
            let mut best: Option<usize> = None;
            let (mut min_diff, mut max_same) = (usize::MAX, 0);
            for (j, category) in CATEGORIES.iter().enumerate() {
                if applied[j] {
                    continue;
                }
                let (on, off) = universe.in_category(category).fold((0, 0), |(on, off), n| {
                    if left.contains(n) {
                        (on + 1, off)
                    } else {
                        (on, off + 1)
                    }
                });
                let (diff, same) = if additive { (off, on) } else { (on, off) };
                if same > diff && (diff < min_diff || (diff == min_diff && same > max_same)) {
                    best = Some(j);
                    min_diff = diff;
                    max_same = same;
                }
            }
            let Some(j) = best else { break };
            let category = CATEGORIES[j];
            for n in universe.in_category(category) {
                if additive {
                    fake.insert(n);
                    left.remove(n);
                } else {
                    fake.remove(n);
                    left.insert(n);
                }
            }
            rules.push_str(if additive { " +@" } else { " -@" });
            rules.push_str(category);
            applied[j] = true;
        }
        for name in universe.commands.keys() {
            // Containers are described by their subcommands.
            let is_container = universe.commands.keys().any(|n| {
                n.strip_prefix(name.as_str())
                    .is_some_and(|r| r.starts_with('|'))
            });
            if is_container {
                continue;
            }
            let real = self.allowed.contains(name);
            if real != fake.contains(name) {
                rules.push_str(if real { " +" } else { " -" });
                rules.push_str(name);
            }
        }
        rules
    }

    pub fn describe_keys(&self) -> String {
        if self.all_keys {
            return "~*".into();
        }
        self.key_patterns
            .iter()
            .map(KeyPattern::describe)
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn describe_channels(&self) -> String {
        if self.all_channels {
            return "&*".into();
        }
        self.channel_patterns
            .iter()
            .map(|p| format!("&{}", String::from_utf8_lossy(p)))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The line `ACL LIST` shows for this user.
    pub fn describe(&self, name: &[u8], universe: &Universe) -> String {
        let mut parts = vec![format!("user {}", String::from_utf8_lossy(name))];
        parts.extend(self.flag_names().into_iter().map(String::from));
        for p in &self.passwords {
            parts.push(format!("#{p}"));
        }
        let keys = self.describe_keys();
        if !keys.is_empty() {
            parts.push(keys);
        }
        let channels = self.describe_channels();
        parts.push(if channels.is_empty() {
            "resetchannels".into()
        } else {
            channels
        });
        parts.push(self.describe_commands(universe));
        parts.join(" ")
    }

    /// Whether a pattern grants the access `key` needs (a key neither read nor written, as
    /// `EXISTS` or `TYPE` use theirs, passes any pattern that matches it).
    pub fn key_allowed(&self, key: &[u8], access: KeyAccess) -> bool {
        self.all_keys
            || self.key_patterns.iter().any(|p| {
                (p.read || !access.read)
                    && (p.write || !access.write)
                    && glob::matches(&p.pattern, key, false)
            })
    }

    pub fn channel_allowed(&self, channel: &[u8], is_pattern: bool) -> bool {
        self.all_channels
            || self.channel_patterns.iter().any(|p| {
                if is_pattern {
                    p == channel
                } else {
                    glob::matches(p, channel, false)
                }
            })
    }

    /// Whether `password` opens this user.
    pub fn password_ok(&self, password: &[u8]) -> bool {
        self.nopass || self.passwords.contains(&sha256::hex(password))
    }
}

impl Default for User {
    fn default() -> Self {
        User::new()
    }
}

/// The users, by name.
#[derive(Debug, Clone, Default)]
pub struct Acl {
    pub universe: Universe,
    pub users: BTreeMap<Vec<u8>, User>,
    /// Recent refusals (`ACL LOG`).
    pub log: log::AclLog,
}

impl Acl {
    pub fn new(universe: Universe) -> Acl {
        let mut users = BTreeMap::new();
        users.insert(b"default".to_vec(), User::default_user(&universe));
        Acl {
            universe,
            users,
            log: log::AclLog::default(),
        }
    }
}

impl Acl {
    pub fn has_user(&self, name: &[u8]) -> bool {
        self.users.contains_key(name)
    }

    /// Whether `user` may do anything (then no command needs checking).
    pub fn unrestricted(&self, user: &[u8]) -> bool {
        self.users
            .get(user)
            .is_some_and(|u| u.unrestricted(&self.universe))
    }

    /// Whether `user` may run the command `name` with `argv` (`Redis's
    /// `ACLCheckAllUserCommandPerm`): the command, then its keys (`keys` gives their
    /// positions), then its channels. `None` when allowed.
    pub fn check(
        &self,
        user: &[u8],
        name: &str,
        argv: &[&[u8]],
        keys: impl FnOnce() -> Vec<KeyAccess>,
    ) -> Option<Denied> {
        let Some(u) = self.users.get(user) else {
            return Some(Denied::Command);
        };
        if u.unrestricted(&self.universe) {
            return None;
        }
        if !u.allowed.contains(name) {
            return Some(Denied::Command);
        }
        if !u.all_keys {
            let refused = keys().into_iter().find_map(|access| {
                let key = argv.get(access.pos)?;
                (!u.key_allowed(key, access)).then_some(*key)
            });
            if let Some(key) = refused {
                return Some(Denied::Key(key.to_vec()));
            }
        }
        if !u.all_channels {
            let (channels, patterns): (&[&[u8]], bool) = match name {
                "publish" | "spublish" => (argv.get(1..2).unwrap_or(&[]), false),
                "subscribe" | "ssubscribe" => (argv.get(1..).unwrap_or(&[]), false),
                "psubscribe" => (argv.get(1..).unwrap_or(&[]), true),
                _ => (&[], false),
            };
            if let Some(channel) = channels.iter().find(|c| !u.channel_allowed(c, patterns)) {
                return Some(Denied::Channel(channel.to_vec()));
            }
        }
        None
    }
}

/// Why a command was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Denied {
    Command,
    /// The first key refused.
    Key(Vec<u8>),
    /// The first channel refused.
    Channel(Vec<u8>),
}

impl Denied {
    /// The `ACL LOG` reason and object of this refusal of command `name`.
    pub fn log_reason(&self, name: &str) -> (log::Reason, Vec<u8>) {
        match self {
            Denied::Command => (log::Reason::Command, name.as_bytes().to_vec()),
            Denied::Key(k) => (log::Reason::Key, k.clone()),
            Denied::Channel(c) => (log::Reason::Channel, c.clone()),
        }
    }
}

/// A `~pattern` or `%<R|W...>~pattern` rule: the access it grants and the pattern. `R` and
/// `W` may each appear once, in any case; anything else, a pattern with spaces, or a `%~`
/// granting nothing is a syntax error (redis-server 7.0.15 accepts the last and then
/// aborts describing it).
fn parse_key_pattern(rule: &[u8]) -> Result<(bool, bool, &[u8]), &'static str> {
    const SYNTAX: &str = "Syntax error";
    let (read, write, pattern) = match rule.split_first() {
        Some((b'~', pattern)) => (true, true, pattern),
        Some((b'%', rest)) => {
            // Without a `~` the pattern is empty (`%R` grants reading the key "").
            let tilde = rest.iter().position(|&b| b == b'~');
            let (mut read, mut write) = (false, false);
            for &b in &rest[..tilde.unwrap_or(rest.len())] {
                match b.to_ascii_uppercase() {
                    b'R' if !read => read = true,
                    b'W' if !write => write = true,
                    _ => return Err(SYNTAX),
                }
            }
            if !read && !write {
                return Err(SYNTAX);
            }
            (read, write, tilde.map_or(&b""[..], |t| &rest[t + 1..]))
        }
        _ => return Err(SYNTAX),
    };
    // C's `isspace`, and the zero byte.
    if pattern.iter().any(|b| b" \t\n\x0b\x0c\r\0".contains(b)) {
        return Err(SYNTAX);
    }
    Ok((read, write, pattern))
}

#[cfg(test)]
mod tests {
    use super::parse_key_pattern;

    #[test]
    fn key_pattern_rules() {
        assert_eq!(parse_key_pattern(b"~a*"), Ok((true, true, &b"a*"[..])));
        assert_eq!(parse_key_pattern(b"%R~a"), Ok((true, false, &b"a"[..])));
        assert_eq!(parse_key_pattern(b"%w~a"), Ok((false, true, &b"a"[..])));
        assert_eq!(parse_key_pattern(b"%WR~a"), Ok((true, true, &b"a"[..])));
        assert_eq!(parse_key_pattern(b"%R"), Ok((true, false, &b""[..])));
        for bad in [&b"%RR~a"[..], b"%X~a", b"%R~a b", b"~a\tb", b"~a\0"] {
            assert_eq!(parse_key_pattern(bad), Err("Syntax error"), "{bad:?}");
        }
        // A pattern granting nothing: redis-server 7.0.15 accepts it and then aborts when
        // describing the user (ACL LIST, ACL GETUSER); refused here instead.
        assert_eq!(parse_key_pattern(b"%~a"), Err("Syntax error"));
    }
}

/// Apply the configuration's `user` lines at the start (Redis's `ACLLoadConfiguredUsers`): each
/// user made (the default one reset first) and given its rules. The error is what the server
/// logs before exiting.
pub fn load_configured_users(acl: &mut Acl, users: &[Vec<String>]) -> Result<(), String> {
    for line in users {
        let name = line[0].as_bytes();
        let mut user = if name == b"default" {
            User::new_reset()
        } else {
            User::new()
        };
        for rule in &line[1..] {
            if let Err(e) = user.apply(rule.as_bytes(), &acl.universe) {
                return Err(format!(
                    "Error loading ACL rule '{rule}' for the user named '{}': {e}",
                    line[0]
                ));
            }
        }
        acl.users.insert(name.to_vec(), user);
    }
    Ok(())
}

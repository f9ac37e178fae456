//! Access control: users, the rules `ACL SETUSER` gives them, and the check every command
//! passes (`acl.c`). A user has a state (on/off), passwords (kept as SHA-256 hashes) or
//! `nopass`, the commands it may run (a set of command names, with `+@all` remembered so the
//! rules describe themselves as Redis describes them), and key and channel patterns.

pub mod file;
pub mod log;
pub mod selector;
pub mod sha256;

pub use selector::Selector;

use std::collections::BTreeMap;

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
/// with its categories: what `+@category` and `+command` rules act on. Also what a new
/// selector starts with.
#[derive(Debug, Clone, Default)]
pub struct Universe {
    pub commands: BTreeMap<String, Vec<String>>,
    /// `acl-pubsub-default allchannels`: new users, `reset` and `(...)` selectors start with
    /// every channel allowed.
    pub all_channels_by_default: bool,
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
    /// The permissions of the rules written outside parentheses.
    pub root: Selector,
    /// The `(...)` selectors, in the order added: each allows what it grants on its own.
    pub selectors: Vec<Selector>,
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
            root: Selector::default(),
            selectors: Vec::new(),
            sanitize_payload: false,
            skip_sanitize_payload: false,
        }
    }

    /// The default user as the server starts: everything allowed, no password.
    pub fn default_user(universe: &Universe) -> User {
        User {
            enabled: true,
            nopass: true,
            root: Selector::everything(universe),
            ..User::new()
        }
    }

    /// Whether this user may do anything (the check then costs nothing).
    pub fn unrestricted(&self, universe: &Universe) -> bool {
        self.root.unrestricted(universe)
    }

    /// Apply one `ACL SETUSER` rule; the error text Redis gives for a bad one.
    pub fn apply(&mut self, rule: &[u8], universe: &Universe) -> Result<(), &'static str> {
        let lower = String::from_utf8_lossy(rule).to_ascii_lowercase();
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
            "clearselectors" => self.selectors.clear(),
            "reset" => *self = User::new_reset(universe),
            "sanitize-payload" => {
                self.sanitize_payload = true;
                self.skip_sanitize_payload = false;
            }
            "skip-sanitize-payload" => {
                self.skip_sanitize_payload = true;
                self.sanitize_payload = false;
            }
            _ => return self.apply_prefixed(rule, universe),
        }
        Ok(())
    }

    /// A user made by `ACL SETUSER`, an ACL file or a `user` line: [`User::new`] with the
    /// channels `acl-pubsub-default` gives.
    pub fn created(universe: &Universe) -> User {
        User {
            root: Selector::new(universe),
            ..User::new()
        }
    }

    /// `reset`: as a new user, with `resetpass resetkeys resetchannels off -@all
    /// sanitize-payload clearselectors` (and `allchannels` by `acl-pubsub-default`).
    fn new_reset(universe: &Universe) -> User {
        User {
            sanitize_payload: true,
            ..User::created(universe)
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

    /// Passwords, a `(...)` selector, or a rule of the root selector.
    fn apply_prefixed(&mut self, rule: &[u8], universe: &Universe) -> Result<(), &'static str> {
        const SYNTAX: &str = "Syntax error";
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
            Some(b'<') | Some(b'!') => {
                let hash = if rule[0] == b'<' {
                    sha256::hex(rest)
                } else {
                    String::from_utf8_lossy(rest).into_owned()
                };
                let before = self.passwords.len();
                self.passwords.retain(|p| *p != hash);
                if self.passwords.len() == before {
                    return Err(
                        "The password you are trying to remove from the user does not exist",
                    );
                }
            }
            Some(b'(') if rule.ends_with(b")") && rule.len() >= 2 => {
                // The rules inside, split as `sdssplitargs` splits them (quotes allowed).
                let inner = &rule[1..rule.len() - 1];
                let rules = crate::resp::request::split_args(inner).ok_or(SYNTAX)?;
                let mut selector = Selector::new(universe);
                for r in &rules {
                    if !selector.apply(r, universe)? {
                        return Err(SYNTAX);
                    }
                }
                self.selectors.push(selector);
            }
            _ => {
                if !self.root.apply(rule, universe)? {
                    return Err(SYNTAX);
                }
            }
        }
        Ok(())
    }

    /// The line `ACL LIST` shows for this user (`ACLDescribeUser`).
    pub fn describe(&self, name: &[u8], universe: &Universe) -> String {
        let mut out = format!("user {} ", String::from_utf8_lossy(name));
        for flag in self.flag_names() {
            out.push_str(flag);
            out.push(' ');
        }
        for p in &self.passwords {
            out.push('#');
            out.push_str(p);
            out.push(' ');
        }
        out.push_str(&self.root.describe(universe));
        for selector in &self.selectors {
            out.push_str(" (");
            out.push_str(&selector.describe(universe));
            out.push(')');
        }
        out
    }

    /// Whether `password` opens this user.
    pub fn password_ok(&self, password: &[u8]) -> bool {
        self.nopass || self.passwords.contains(&sha256::hex(password))
    }

    /// Whether a connection is this user without authenticating (enabled, no password).
    pub fn open(&self) -> bool {
        self.enabled && self.nopass
    }

    /// When the rules change from `original` to `self`: the channel patterns that clients
    /// subscribed as this user must still match, or `None` when nothing was taken away
    /// (some selector grants every channel, or the new patterns include all the old ones).
    /// Redis's `ACLKillPubsubClientsIfNeeded`.
    pub fn narrowed_channels(&self, original: &User) -> Option<Selector> {
        let selectors = || std::iter::once(&self.root).chain(&self.selectors);
        if selectors().any(|s| s.all_channels) {
            return None;
        }
        let upcoming: Vec<Vec<u8>> = selectors()
            .flat_map(|s| s.channel_patterns.iter().cloned())
            .collect();
        let kept = std::iter::once(&original.root)
            .chain(&original.selectors)
            .all(|s| !s.all_channels && s.channel_patterns.iter().all(|p| upcoming.contains(p)));
        (!kept).then(|| Selector {
            channel_patterns: upcoming,
            ..Selector::default()
        })
    }
}

/// Join rules split at spaces back into `(...)` selectors (`ACLMergeSelectorArguments`): from
/// an argument that starts with `(` and does not end with `)` to the one that ends with `)`.
/// An unclosed one gives the argument where it started.
pub fn merge_selector_args(args: &[&[u8]]) -> Result<Vec<Vec<u8>>, Vec<u8>> {
    let mut merged = Vec::with_capacity(args.len());
    let mut open: Option<(Vec<u8>, &[u8])> = None;
    for &arg in args {
        if let Some((selector, _)) = open.as_mut() {
            selector.push(b' ');
            selector.extend_from_slice(arg);
            if arg.ends_with(b")") {
                if let Some((selector, _)) = open.take() {
                    merged.push(selector);
                }
            }
            continue;
        }
        if arg.starts_with(b"(") && !arg.ends_with(b")") {
            open = Some((arg.to_vec(), arg));
            continue;
        }
        merged.push(arg.to_vec());
    }
    match open {
        Some((_, start)) => Err(start.to_vec()),
        None => Ok(merged),
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
    /// `requirepass`: the default user's password (none: `nopass`), as Redis's
    /// `ACLUpdateDefaultUserPassword` sets it.
    pub fn set_default_password(&mut self, password: Option<&[u8]>) {
        let Some(user) = self.users.get_mut(&b"default"[..]) else {
            return;
        };
        user.nopass = password.is_none();
        user.passwords.clear();
        if let Some(password) = password {
            user.passwords.push(sha256::hex(password));
        }
    }

    /// Whether a connection must authenticate before running commands (`authRequired`):
    /// it has not, and the default user is disabled or has a password.
    pub fn auth_required(&self, authenticated: bool) -> bool {
        !authenticated && !self.default_user_open()
    }

    /// Whether new connections start authenticated, as the default user.
    pub fn default_user_open(&self) -> bool {
        self.users.get(&b"default"[..]).is_some_and(User::open)
    }

    /// Whether the default user has no password (protected mode applies then).
    pub fn default_user_nopass(&self) -> bool {
        self.users.get(&b"default"[..]).is_some_and(|u| u.nopass)
    }

    pub fn has_user(&self, name: &[u8]) -> bool {
        self.users.contains_key(name)
    }

    /// Whether `user` may do anything (then no command needs checking).
    pub fn unrestricted(&self, user: &[u8]) -> bool {
        self.users
            .get(user)
            .is_some_and(|u| u.unrestricted(&self.universe))
    }

    /// Whether `user` may run the command `name` with `argv` (Redis's
    /// `ACLCheckAllUserCommandPerm`): allowed when its root or one of its selectors allows
    /// the command, its keys (`keys` gives their positions) and its channels. `None` when
    /// allowed; otherwise the refusal Redis reports (the one that got furthest).
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
        let mut key_list = selector::LazyKeys::new(keys);
        let mut reported: Option<selector::Refusal> = None;
        for s in std::iter::once(&u.root).chain(&u.selectors) {
            match s.check(name, argv, &mut key_list) {
                Ok(()) => return None,
                Err(refusal) => {
                    if reported.as_ref().is_none_or(|r| refusal.outranks(r)) {
                        reported = Some(refusal);
                    }
                }
            }
        }
        Some(reported.map_or(Denied::Command, |r| r.denied))
    }
}

impl Acl {
    /// Whether one selector of `user` that allows the command also allows reading every key
    /// (`allkeys`, or a `*` pattern granting reads): what SORT's BY and GET patterns need.
    pub fn full_read_access(
        &self,
        user: &[u8],
        name: &str,
        argv: &[&[u8]],
        keys: impl FnOnce() -> Vec<KeyAccess>,
    ) -> bool {
        let Some(u) = self.users.get(user) else {
            return false;
        };
        let mut key_list = selector::LazyKeys::new(keys);
        std::iter::once(&u.root)
            .chain(&u.selectors)
            .any(|s| s.check(name, argv, &mut key_list).is_ok() && s.reads_every_key())
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
            User::new_reset(&acl.universe)
        } else {
            User::created(&acl.universe)
        };
        let args: Vec<&[u8]> = line[1..].iter().map(|w| w.as_bytes()).collect();
        // Checked when the configuration was read.
        let rules = merge_selector_args(&args).unwrap_or_default();
        for rule in &rules {
            if let Err(e) = user.apply(rule, &acl.universe) {
                return Err(format!(
                    "Error loading ACL rule '{}' for the user named '{}': {e}",
                    String::from_utf8_lossy(rule),
                    line[0]
                ));
            }
        }
        acl.users.insert(name.to_vec(), user);
    }
    Ok(())
}

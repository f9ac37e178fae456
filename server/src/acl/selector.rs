//! A selector: the commands, keys and channels one set of rules grants (`aclSelector`). A user
//! has its root selector (the rules written outside parentheses) and any number of `(...)`
//! selectors; a command runs when one of them allows it whole (the command, every key it
//! touches, every channel it names).

use super::{parse_key_pattern, Denied, KeyAccess, KeyPattern, Universe, CATEGORIES};
use crate::db::glob;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Clone, Default)]
pub struct Selector {
    /// The command rules started from `+@all` (so commands added later are allowed too).
    pub all_future: bool,
    /// Commands (containers, subcommands as `parent|sub`, plain commands) allowed whole.
    pub allowed: BTreeSet<String>,
    /// `+select|0`: a command that is not allowed runs anyway when its first argument is one
    /// of these (compared ignoring case), as Redis still accepts with a deprecation warning.
    pub first_args: BTreeMap<String, Vec<String>>,
    pub key_patterns: Vec<KeyPattern>,
    pub all_keys: bool,
    pub channel_patterns: Vec<Vec<u8>>,
    pub all_channels: bool,
}

/// A command's keys, found the first time a selector needs them and shared by the others.
pub struct LazyKeys<F: FnOnce() -> Vec<KeyAccess>> {
    find: Option<F>,
    found: Vec<KeyAccess>,
}

impl<F: FnOnce() -> Vec<KeyAccess>> LazyKeys<F> {
    pub fn new(find: F) -> Self {
        LazyKeys {
            find: Some(find),
            found: Vec::new(),
        }
    }

    fn get(&mut self) -> &[KeyAccess] {
        if let Some(find) = self.find.take() {
            self.found = find();
        }
        &self.found
    }
}

/// Why a selector refused a command, ranked as Redis ranks refusals to pick the one to report
/// when every selector refuses: a channel over a key over the command, then the later
/// argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub rank: u8,
    pub index: usize,
    pub denied: Denied,
}

impl Refusal {
    fn command() -> Refusal {
        Refusal {
            rank: 1,
            index: 0,
            denied: Denied::Command,
        }
    }

    /// Whether this refusal is the one to report rather than `other`.
    pub fn outranks(&self, other: &Refusal) -> bool {
        self.rank > other.rank || (self.rank == other.rank && self.index > other.index)
    }
}

/// A C `isspace` byte or a zero byte: not allowed in a pattern.
pub fn has_space(pattern: &[u8]) -> bool {
    pattern.iter().any(|b| b" \t\n\x0b\x0c\r\0".contains(b))
}

impl Selector {
    /// A new selector: nothing allowed but the channels `acl-pubsub-default` gives.
    pub fn new(universe: &Universe) -> Selector {
        Selector {
            all_channels: universe.all_channels_by_default,
            ..Selector::default()
        }
    }

    /// Everything allowed (the default user's root).
    pub fn everything(universe: &Universe) -> Selector {
        Selector {
            all_future: true,
            allowed: universe.commands.keys().cloned().collect(),
            all_keys: true,
            all_channels: true,
            ..Selector::default()
        }
    }

    /// Whether this selector allows anything (the check then costs nothing).
    pub fn unrestricted(&self, universe: &Universe) -> bool {
        self.all_keys && self.all_channels && self.allowed.len() == universe.commands.len()
    }

    /// Apply one rule of the kinds a selector takes (`ACLSetSelector`): `Ok(false)` when the
    /// rule is of another kind; the error text Redis gives for a bad one.
    pub fn apply(&mut self, rule: &[u8], universe: &Universe) -> Result<bool, &'static str> {
        let lower = String::from_utf8_lossy(rule).to_ascii_lowercase();
        match lower.as_str() {
            "allkeys" | "~*" => {
                self.all_keys = true;
                self.key_patterns.clear();
            }
            "resetkeys" => {
                self.all_keys = false;
                self.key_patterns.clear();
            }
            "allchannels" | "&*" => {
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
                self.first_args.clear();
            }
            "nocommands" | "-@all" => {
                self.all_future = false;
                self.allowed.clear();
                self.first_args.clear();
            }
            _ => return self.apply_prefixed(rule, &lower, universe),
        }
        Ok(true)
    }

    fn apply_prefixed(
        &mut self,
        rule: &[u8],
        lower: &str,
        universe: &Universe,
    ) -> Result<bool, &'static str> {
        let rest = &rule[1..];
        match rule.first() {
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
                if has_space(rest) {
                    return Err("Syntax error");
                }
                if !self.channel_patterns.iter().any(|p| p == rest) {
                    self.channel_patterns.push(rest.to_vec());
                }
            }
            Some(b'+') | Some(b'-') => {
                let allow = rule[0] == b'+';
                let name = &lower[1..];
                let names: Vec<String> = if let Some(category) = name.strip_prefix('@') {
                    if !CATEGORIES.contains(&category) {
                        return Err(super::UNKNOWN_COMMAND);
                    }
                    universe.in_category(category).cloned().collect()
                } else if universe.commands.contains_key(name) {
                    universe.family(name).cloned().collect()
                } else if allow && name.contains('|') {
                    return self.allow_first_arg(name, &rule[1..], universe);
                } else {
                    return Err(super::UNKNOWN_COMMAND);
                };
                // Only `-@all` takes back the commands added later; `-cmd` and `-@cat` do not.
                for n in names {
                    self.first_args.remove(&n);
                    if allow {
                        self.allowed.insert(n);
                    } else {
                        self.allowed.remove(&n);
                    }
                }
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// `+command|arg` for a command that has no subcommand `arg` (`name` is the rule in
    /// lower case, `original` as written, both without the `+`).
    fn allow_first_arg(
        &mut self,
        name: &str,
        original: &[u8],
        universe: &Universe,
    ) -> Result<bool, &'static str> {
        let cut = name.rfind('|').unwrap_or(name.len());
        let command = &name[..cut];
        if !universe.commands.contains_key(command) {
            return Err(super::UNKNOWN_COMMAND);
        }
        if command.contains('|') {
            return Err("Allowing first-arg of a subcommand is not supported");
        }
        let arg = String::from_utf8_lossy(&original[cut + 1..]).into_owned();
        if arg.is_empty() {
            return Err("Syntax error");
        }
        if universe.family(command).nth(1).is_some() {
            // A container whose subcommand `arg` does not exist.
            return Err(super::UNKNOWN_COMMAND);
        }
        let args = self.first_args.entry(command.to_string()).or_default();
        if !args.iter().any(|a| a.eq_ignore_ascii_case(&arg)) {
            args.push(arg);
        }
        Ok(true)
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
        // The selector's commands with the categories chosen so far taken back out (for
        // `+@all`, put back in), so that each round counts what is still to be described.
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
        // Each command whose permission still differs; a container's rule also sets its
        // subcommands (listed after it), which are then described one by one.
        let mut fake: BTreeSet<String> = fake.into_iter().cloned().collect();
        for name in universe.commands.keys() {
            let real = self.allowed.contains(name);
            if real != fake.contains(name) {
                rules.push_str(if real { " +" } else { " -" });
                rules.push_str(name);
                for n in universe.family(name) {
                    if real {
                        fake.insert(n.clone());
                    } else {
                        fake.remove(n);
                    }
                }
            }
            if !real {
                for arg in self.first_args.get(name).into_iter().flatten() {
                    rules.push_str(" +");
                    rules.push_str(name);
                    rules.push('|');
                    rules.push_str(arg);
                }
            }
        }
        rules
    }

    /// The key patterns as `ACL GETUSER` lists them.
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

    /// The channel patterns as `ACL GETUSER` lists them.
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

    /// The selector as `ACL LIST` writes it (`ACLDescribeSelector`): its key patterns, its
    /// channels (`&*`, or `resetchannels` and the patterns), its command rules.
    pub fn describe(&self, universe: &Universe) -> String {
        let mut out = String::new();
        if self.all_keys {
            out.push_str("~* ");
        } else {
            for p in &self.key_patterns {
                out.push_str(&p.describe());
                out.push(' ');
            }
        }
        if self.all_channels {
            out.push_str("&* ");
        } else {
            out.push_str("resetchannels ");
            for p in &self.channel_patterns {
                out.push('&');
                out.push_str(&String::from_utf8_lossy(p));
                out.push(' ');
            }
        }
        out.push_str(&self.describe_commands(universe));
        out
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

    /// Whether any key may be read (`allkeys`, or the pattern `*` with read access).
    pub fn reads_every_key(&self) -> bool {
        self.all_keys
            || self
                .key_patterns
                .iter()
                .any(|p| p.read && p.pattern == b"*")
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

    /// Whether a `+command|arg` rule lets `argv` run (the argument after a subcommand's name,
    /// after a plain command's).
    fn first_arg_allowed(&self, name: &str, argv: &[&[u8]]) -> bool {
        let Some(args) = self.first_args.get(name) else {
            return false;
        };
        let index = if name.contains('|') { 2 } else { 1 };
        argv.get(index).is_some_and(|given| {
            args.iter()
                .any(|a| a.as_bytes().eq_ignore_ascii_case(given))
        })
    }

    /// Whether this selector allows the command `name` with `argv` whole (`ACLSelectorCheckCmd`):
    /// the command, then its keys (`keys` gives them, computed once for all selectors), then
    /// its channels.
    pub fn check(
        &self,
        name: &str,
        argv: &[&[u8]],
        keys: &mut LazyKeys<impl FnOnce() -> Vec<KeyAccess>>,
    ) -> Result<(), Refusal> {
        if !self.allowed.contains(name) && !self.first_arg_allowed(name, argv) {
            return Err(Refusal::command());
        }
        if !self.all_keys {
            let refused = keys.get().iter().find_map(|&access| {
                let key = argv.get(access.pos)?;
                (!self.key_allowed(key, access)).then_some((access.pos, *key))
            });
            if let Some((index, key)) = refused {
                return Err(Refusal {
                    rank: 2,
                    index,
                    denied: Denied::Key(key.to_vec()),
                });
            }
        }
        if !self.all_channels {
            let (first, patterns) = match name {
                "publish" | "spublish" => (1..argv.len().min(2), false),
                "subscribe" | "ssubscribe" => (1..argv.len(), false),
                "psubscribe" => (1..argv.len(), true),
                _ => (0..0, false),
            };
            for index in first {
                let channel = argv[index];
                if !self.channel_allowed(channel, patterns) {
                    return Err(Refusal {
                        rank: 4,
                        index,
                        denied: Denied::Channel(channel.to_vec()),
                    });
                }
            }
        }
        Ok(())
    }
}

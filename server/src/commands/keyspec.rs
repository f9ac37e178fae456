//! Which arguments of a command line are keys: the reference's key specifications (from
//! `command_info.resp3`) applied as Redis 7.0 applies them, and, where a specification cannot
//! say (movable keys with a bad count, or flags that vary), the command's own key finder.
//! COMMAND GETKEYS and GETKEYSANDFLAGS answer from here.

use redis_runtime::Reply;

/// Where a key specification starts looking.
#[derive(Debug, Clone)]
enum Begin {
    Index(i64),
    /// After the first argument equal to `keyword`, searching from `start_from` (negative:
    /// from the end, backwards).
    Keyword {
        keyword: Vec<u8>,
        start_from: i64,
    },
    Unknown,
}

/// How a key specification finds its keys from where it starts.
#[derive(Debug, Clone)]
enum Find {
    Range {
        last_key: i64,
        key_step: i64,
        limit: i64,
    },
    KeyNum {
        keynum_idx: i64,
        first_key: i64,
        key_step: i64,
    },
    Unknown,
}

/// One key specification of a command.
#[derive(Debug, Clone)]
pub struct KeySpec {
    /// The flag names as COMMAND INFO lists them (`RW`, `access`, `not_key`, ...).
    pub flags: Vec<Vec<u8>>,
    begin: Begin,
    find: Find,
}

impl KeySpec {
    fn has_flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name.as_bytes())
    }

    /// Read a specification from its COMMAND INFO map; `None` when it is not shaped as one.
    pub fn from_reply(reply: &Reply) -> Option<KeySpec> {
        let flags = match field(reply, "flags")? {
            Reply::Set(items) | Reply::Array(items) => items.iter().filter_map(text).collect(),
            _ => Vec::new(),
        };
        let begin = field(reply, "begin_search")?;
        let begin_spec = field(begin, "spec");
        let begin = match text(field(begin, "type")?)?.as_slice() {
            b"index" => Begin::Index(int(field(begin_spec?, "index")?)?),
            b"keyword" => Begin::Keyword {
                keyword: text(field(begin_spec?, "keyword")?)?,
                start_from: int(field(begin_spec?, "startfrom")?)?,
            },
            _ => Begin::Unknown,
        };
        let find = field(reply, "find_keys")?;
        let find_spec = field(find, "spec");
        let find = match text(field(find, "type")?)?.as_slice() {
            b"range" => Find::Range {
                last_key: int(field(find_spec?, "lastkey")?)?,
                key_step: int(field(find_spec?, "keystep")?)?,
                limit: int(field(find_spec?, "limit")?)?,
            },
            b"keynum" => Find::KeyNum {
                keynum_idx: int(field(find_spec?, "keynumidx")?)?,
                first_key: int(field(find_spec?, "firstkey")?)?,
                key_step: int(field(find_spec?, "keystep")?)?,
            },
            _ => Find::Unknown,
        };
        Some(KeySpec { flags, begin, find })
    }
}

fn field<'a>(map: &'a Reply, name: &str) -> Option<&'a Reply> {
    match map {
        Reply::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| text(k).is_some_and(|k| k == name.as_bytes()))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn text(reply: &Reply) -> Option<Vec<u8>> {
    match reply {
        Reply::Bulk(b) | Reply::Status(b) => Some(b.clone()),
        _ => None,
    }
}

fn int(reply: &Reply) -> Option<i64> {
    match reply {
        Reply::Integer(n) => Some(*n),
        _ => None,
    }
}

/// A key found: its argument position and the flags the finder gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRef {
    pub pos: usize,
    pub flags: Vec<&'static str>,
}

/// Whether a command has keys at all (Redis's `doesCommandHaveKeys`).
pub fn has_keys(name: &str, specs: &[KeySpec]) -> bool {
    own_finder(name).is_some() || specs.iter().any(|s| !s.has_flag("not_key"))
}

/// The keys of `argv` (the command name first), Redis's `getKeysFromCommandWithSpecs`: the
/// specifications when they all apply and their flags are fixed, otherwise the command's own
/// finder. An empty result means "no keys" or "not valid arguments"; the caller tells which.
pub fn command_keys(name: &str, specs: &[KeySpec], argv: &[&[u8]]) -> Vec<KeyRef> {
    let usable = specs.iter().any(|s| !s.has_flag("not_key"));
    let variable = specs.iter().any(|s| s.has_flag("variable_flags"));
    if usable && !variable {
        if let Some(keys) = keys_by_specs(specs, argv) {
            return keys;
        }
    }
    own_finder(name).map_or_else(Vec::new, |finder| finder(argv))
}

/// Redis's `getKeysUsingKeySpecs` with the default search: `None` when a specification
/// does not fit the arguments (a syntax error for that command).
fn keys_by_specs(specs: &[KeySpec], argv: &[&[u8]]) -> Option<Vec<KeyRef>> {
    let argc = argv.len() as i64;
    let mut keys = Vec::new();
    for spec in specs.iter().filter(|s| !s.has_flag("not_key")) {
        let mut first = match &spec.begin {
            Begin::Index(pos) => *pos,
            Begin::Keyword {
                keyword,
                start_from,
            } => match find_keyword(argv, keyword, *start_from) {
                Some(pos) => pos + 1,
                // A spec whose keyword is absent has no keys here.
                None => continue,
            },
            Begin::Unknown => return None,
        };
        let (last, step) = match spec.find {
            Find::Range {
                last_key,
                key_step,
                limit,
            } => {
                let last = if last_key >= 0 {
                    first + last_key
                } else if limit == 0 {
                    argc + last_key
                } else {
                    first + ((argc - first) / limit + last_key)
                };
                (last, key_step)
            }
            Find::KeyNum {
                keynum_idx,
                first_key,
                key_step,
            } => {
                if keynum_idx >= argc {
                    return None;
                }
                let at = usize::try_from(first + keynum_idx).ok()?;
                let count = crate::util::parse_i64(argv.get(at)?).filter(|n| *n >= 0)?;
                first += first_key;
                (first.checked_add(count)? - 1, key_step)
            }
            Find::Unknown => return None,
        };
        if last >= argc || last < first || first >= argc || step <= 0 {
            return None;
        }
        let flags: Vec<&'static str> = spec.flags.iter().filter_map(|f| flag_name(f)).collect();
        let mut pos = first;
        while pos <= last {
            keys.push(KeyRef {
                pos: pos as usize,
                flags: flags.clone(),
            });
            pos += step;
        }
        if spec.has_flag("incomplete") {
            return None;
        }
    }
    Some(keys)
}

/// The position of `keyword` (any case), searching forward from `start_from`, or backward
/// from `argc + start_from` when it is negative; never the command name.
fn find_keyword(argv: &[&[u8]], keyword: &[u8], start_from: i64) -> Option<i64> {
    let argc = argv.len() as i64;
    let (start, end) = if start_from > 0 {
        (start_from, argc - 1)
    } else {
        (argc + start_from, 1)
    };
    let mut i = start;
    loop {
        if i >= argc || i < 1 {
            return None;
        }
        if argv[i as usize].eq_ignore_ascii_case(keyword) {
            return Some(i);
        }
        if i == end {
            return None;
        }
        i += if start <= end { 1 } else { -1 };
    }
}

/// Flag names as `'static` strings (the set COMMAND INFO uses).
fn flag_name(flag: &[u8]) -> Option<&'static str> {
    const NAMES: &[&str] = &[
        "RW",
        "RO",
        "OW",
        "RM",
        "access",
        "update",
        "insert",
        "delete",
        "not_key",
        "incomplete",
        "variable_flags",
    ];
    NAMES.iter().copied().find(|n| n.as_bytes() == flag)
}

type Finder = fn(&[&[u8]]) -> Vec<KeyRef>;

/// The commands with a key finder of their own, used where specifications cannot answer.
fn own_finder(name: &str) -> Option<Finder> {
    Some(match name {
        "sintercard" | "zunion" | "zinter" | "zdiff" | "zintercard" | "lmpop" | "zmpop" => {
            |argv| counted(argv, None, 1, 2)
        }
        "zunionstore" | "zinterstore" | "zdiffstore" => |argv| counted(argv, Some(1), 2, 3),
        "eval" | "eval_ro" | "evalsha" | "evalsha_ro" | "fcall" | "fcall_ro" | "blmpop"
        | "bzmpop" => |argv| counted(argv, None, 2, 3),
        "sort" => sort_keys,
        "sort_ro" => |_| vec![key(1, &["RO", "access"])],
        "migrate" => migrate_keys,
        "georadius" | "georadiusbymember" => georadius_keys,
        "xread" | "xreadgroup" => xread_keys,
        "set" => set_keys,
        "bitfield" => bitfield_keys,
        _ => return None,
    })
}

fn key(pos: usize, flags: &[&'static str]) -> KeyRef {
    KeyRef {
        pos,
        flags: flags.to_vec(),
    }
}

/// C's `atoi`, as the key finders read counts: leading digits, 0 for none.
fn atoi(arg: &[u8]) -> i64 {
    let (negative, digits) = match arg.first() {
        Some(b'-') => (true, &arg[1..]),
        Some(b'+') => (false, &arg[1..]),
        _ => (false, arg),
    };
    let n = digits
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .take(18)
        .fold(0i64, |n, d| n * 10 + i64::from(d - b'0'));
    if negative {
        -n
    } else {
        n
    }
}

/// `numkeys key...` at `count_at`, keys from `first`, and an optional destination key
/// (Redis's `genericGetKeys`).
fn counted(argv: &[&[u8]], store: Option<usize>, count_at: usize, first: usize) -> Vec<KeyRef> {
    let Some(count) = argv.get(count_at).map(|a| atoi(a)) else {
        return Vec::new();
    };
    let available = argv.len().saturating_sub(first) as i64;
    if count < 1 || count > available {
        return Vec::new();
    }
    let mut keys: Vec<KeyRef> = (0..count as usize).map(|i| key(first + i, &[])).collect();
    if let Some(store) = store {
        keys.push(key(store, &[]));
    }
    keys
}

fn sort_keys(argv: &[&[u8]]) -> Vec<KeyRef> {
    let mut keys = vec![key(1, &["RO", "access"])];
    let mut store = None;
    let mut i = 2;
    while i < argv.len() {
        let arg = argv[i];
        if arg.eq_ignore_ascii_case(b"limit") {
            i += 2;
        } else if arg.eq_ignore_ascii_case(b"get") || arg.eq_ignore_ascii_case(b"by") {
            i += 1;
        } else if arg.eq_ignore_ascii_case(b"store") && i + 1 < argv.len() {
            // The last STORE wins.
            store = Some(i + 1);
        }
        i += 1;
    }
    keys.extend(store.map(|pos| key(pos, &["OW", "update"])));
    keys
}

/// SET reads its key only with GET.
fn set_keys(argv: &[&[u8]]) -> Vec<KeyRef> {
    let get = argv.iter().skip(3).any(|a| a.eq_ignore_ascii_case(b"get"));
    if get {
        vec![key(1, &["RW", "access", "update"])]
    } else {
        vec![key(1, &["OW", "update"])]
    }
}

/// BITFIELD is read-only when it only GETs (a malformed line counts as writing).
fn bitfield_keys(argv: &[&[u8]]) -> Vec<KeyRef> {
    let mut read_only = true;
    let mut i = 2;
    while i < argv.len() {
        let remaining = argv.len() - i - 1;
        let arg = argv[i];
        if arg.eq_ignore_ascii_case(b"get") && remaining >= 2 {
            i += 2;
        } else if (arg.eq_ignore_ascii_case(b"set") || arg.eq_ignore_ascii_case(b"incrby"))
            && remaining >= 3
        {
            read_only = false;
            break;
        } else if arg.eq_ignore_ascii_case(b"overflow") && remaining >= 1 {
            i += 1;
        } else {
            read_only = false;
            break;
        }
        i += 1;
    }
    if read_only {
        vec![key(1, &["RO", "access"])]
    } else {
        vec![key(1, &["RW", "access", "update"])]
    }
}

fn migrate_keys(argv: &[&[u8]]) -> Vec<KeyRef> {
    let flags = &["RW", "access", "delete"];
    let (mut first, mut count) = (3, 1);
    let mut i = 6;
    while i < argv.len() {
        let arg = argv[i];
        if arg.eq_ignore_ascii_case(b"keys") {
            if argv[3].is_empty() {
                first = i + 1;
                count = argv.len() - first;
            } else {
                count = 0;
            }
            break;
        }
        if arg.eq_ignore_ascii_case(b"auth") {
            i += 1;
        } else if arg.eq_ignore_ascii_case(b"auth2") {
            i += 2;
        }
        i += 1;
    }
    (0..count).map(|k| key(first + k, flags)).collect()
}

fn georadius_keys(argv: &[&[u8]]) -> Vec<KeyRef> {
    let mut keys = vec![key(1, &[])];
    let mut stored = None;
    let mut i = 5;
    while i < argv.len() {
        let arg = argv[i];
        let is_store = arg.eq_ignore_ascii_case(b"store") || arg.eq_ignore_ascii_case(b"storedist");
        if is_store && i + 1 < argv.len() {
            stored = Some(i + 1);
            i += 1;
        }
        i += 1;
    }
    keys.extend(stored.map(|pos| key(pos, &[])));
    keys
}

fn xread_keys(argv: &[&[u8]]) -> Vec<KeyRef> {
    let mut streams = None;
    let mut i = 1;
    while i < argv.len() {
        let arg = argv[i];
        if arg.eq_ignore_ascii_case(b"block") || arg.eq_ignore_ascii_case(b"count") {
            i += 1;
        } else if arg.eq_ignore_ascii_case(b"group") {
            i += 2;
        } else if arg.eq_ignore_ascii_case(b"noack") {
        } else if arg.eq_ignore_ascii_case(b"streams") {
            streams = Some(i);
            break;
        } else {
            break;
        }
        i += 1;
    }
    let Some(streams) = streams else {
        return Vec::new();
    };
    let rest = argv.len() - streams - 1;
    if rest == 0 || rest % 2 != 0 {
        return Vec::new();
    }
    (0..rest / 2).map(|k| key(streams + 1 + k, &[])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(keys: Vec<KeyRef>) -> Vec<usize> {
        keys.into_iter().map(|k| k.pos).collect()
    }

    #[test]
    fn own_finders_follow_redis() {
        let argv: Vec<&[u8]> = vec![b"sort", b"k", b"by", b"x", b"store", b"d", b"store", b"e"];
        assert_eq!(positions(sort_keys(&argv)), vec![1, 7]);
        let argv: Vec<&[u8]> = vec![b"zunionstore", b"d", b"2", b"a", b"b"];
        assert_eq!(positions(counted(&argv, Some(1), 2, 3)), vec![3, 4, 1]);
        let argv: Vec<&[u8]> = vec![b"zunionstore", b"d", b"3", b"a", b"b"];
        assert!(counted(&argv, Some(1), 2, 3).is_empty());
        let argv: Vec<&[u8]> = vec![b"xread", b"count", b"1", b"streams", b"a", b"b", b"0", b"0"];
        assert_eq!(positions(xread_keys(&argv)), vec![4, 5]);
        assert_eq!(atoi(b"1.0"), 1);
        assert_eq!(atoi(b"abc"), 0);
    }
}

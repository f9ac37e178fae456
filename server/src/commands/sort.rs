//! SORT and SORT_RO (`sort.c`): sort a list, set or sorted set numerically or
//! lexicographically, by the element or by weights looked up through a `BY` pattern, with
//! `LIMIT`, `GET` patterns, and `STORE` into a list.

use super::{int_arg, is, Ctx, Handler, SYNTAX, WRONGTYPE};
use crate::db::notify::class;
use crate::db::Value;
use std::cmp::Ordering;

pub const HANDLERS: &[(&str, Handler)] = &[("sort", sort), ("sort_ro", sort_ro)];

fn sort(ctx: &mut Ctx, argv: &[&[u8]]) {
    sort_generic(ctx, argv, false);
}

fn sort_ro(ctx: &mut Ctx, argv: &[&[u8]]) {
    sort_generic(ctx, argv, true);
}

/// What SORT was asked to do.
struct Options<'a> {
    desc: bool,
    alpha: bool,
    limit: Option<(i64, i64)>,
    store: Option<&'a [u8]>,
    by: Option<&'a [u8]>,
    /// `BY` without a `*`: no sorting at all.
    dont_sort: bool,
    gets: Vec<&'a [u8]>,
}

fn parse_options<'a>(ctx: &mut Ctx, argv: &[&'a [u8]], read_only: bool) -> Option<Options<'a>> {
    let mut o = Options {
        desc: false,
        alpha: false,
        limit: None,
        store: None,
        by: None,
        dont_sort: false,
        gets: Vec::new(),
    };
    // BY with a pattern and GET read keys the ACL check never saw: they need a user allowed
    // every key (`ACLUserCheckCmdWithUnrestrictedKeyAccess`).
    let name = if read_only { "sort_ro" } else { "sort" };
    let full_key_access =
        ctx.server
            .acl
            .full_read_access(ctx.client.user.as_bytes(), name, argv, || {
                super::introspect::key_accesses(name, argv)
            });
    let mut j = 2;
    while j < argv.len() {
        let left = argv.len() - j - 1;
        let arg = argv[j];
        if is(arg, "asc") {
            o.desc = false;
        } else if is(arg, "desc") {
            o.desc = true;
        } else if is(arg, "alpha") {
            o.alpha = true;
        } else if is(arg, "limit") && left >= 2 {
            let start = int_arg(ctx, argv[j + 1])?;
            let count = int_arg(ctx, argv[j + 2])?;
            o.limit = Some((start, count));
            j += 2;
        } else if !read_only && is(arg, "store") && left >= 1 {
            o.store = Some(argv[j + 1]);
            j += 1;
        } else if is(arg, "by") && left >= 1 {
            o.by = Some(argv[j + 1]);
            o.dont_sort = !argv[j + 1].contains(&b'*');
            if !o.dont_sort && !full_key_access {
                ctx.client
                    .reply
                    .error("ERR BY option of SORT denied due to insufficient ACL permissions.");
                return None;
            }
            j += 1;
        } else if is(arg, "get") && left >= 1 {
            if !full_key_access {
                ctx.client
                    .reply
                    .error("ERR GET option of SORT denied due to insufficient ACL permissions.");
                return None;
            }
            o.gets.push(argv[j + 1]);
            j += 1;
        } else {
            ctx.client.reply.error(SYNTAX);
            return None;
        }
        j += 1;
    }
    Some(o)
}

/// One element being sorted, with the key it sorts by.
struct Item {
    element: Vec<u8>,
    score: f64,
    /// For `ALPHA` with `BY`: the weight's text, `None` when the weight key is missing.
    weight: Option<Vec<u8>>,
}

/// The value a `BY` / `GET` pattern names for `element` (Redis's `lookupKeyByPattern`): `#`
/// is the element itself; the first `*` is replaced by the element; `->field` after it reads
/// a hash field. `None` when the key, its type or the field does not fit.
fn lookup_by_pattern(ctx: &mut Ctx, pattern: &[u8], element: &[u8]) -> Option<Vec<u8>> {
    // Redis reads the pattern as a C string.
    let pattern = &pattern[..pattern
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(pattern.len())];
    if pattern == b"#" {
        return Some(element.to_vec());
    }
    let star = pattern.iter().position(|&b| b == b'*')?;
    let after = &pattern[star + 1..];
    let arrow = after.windows(2).position(|w| w == b"->");
    let (postfix, field) = match arrow {
        Some(a) if a + 2 < after.len() => (&after[..a], Some(&after[a + 2..])),
        _ => (after, None),
    };
    let mut key = Vec::with_capacity(pattern.len() + element.len());
    key.extend_from_slice(&pattern[..star]);
    key.extend_from_slice(element);
    key.extend_from_slice(postfix);
    let db = ctx.client.db;
    match (ctx.server.keyspace.read(db, &key)?, field) {
        (Value::Hash(h), Some(field)) => h.get(field).map(<[u8]>::to_vec),
        (Value::Str(s), None) => Some(s.to_vec()),
        _ => None,
    }
}

/// C's `strtod` over the whole text, as SORT reads a numeric weight: `None` when it is not
/// all a number, is NaN, or overflows.
fn parse_weight(text: &[u8]) -> Option<f64> {
    let text = &text[..text.iter().position(|&b| b == 0).unwrap_or(text.len())];
    let value = crate::util::parse_f64_loose(text)?;
    let says_infinity = text.iter().any(|b| b.eq_ignore_ascii_case(&b'i'));
    (value.is_finite() || says_infinity).then_some(value)
}

/// The elements of the value at `key` in the order Redis gathers them; `None` after
/// WRONGTYPE. A missing key sorts as an empty list.
fn gather(ctx: &mut Ctx, key: &[u8]) -> Option<(Vec<Vec<u8>>, Kind)> {
    let db = ctx.client.db;
    let gathered = match ctx.server.keyspace.read(db, key) {
        None => (Vec::new(), Kind::List),
        Some(Value::List(l)) => (list_items(l), Kind::List),
        Some(Value::Set(s)) => (s.members(), Kind::Set),
        Some(Value::ZSet(z)) => (z.iter().map(|(m, _)| m.to_vec()).collect(), Kind::ZSet),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            return None;
        }
    };
    Some(gathered)
}

fn list_items(list: &crate::db::list::List) -> Vec<Vec<u8>> {
    list.iter().map(<[u8]>::to_vec).collect()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    List,
    Set,
    ZSet,
}

fn sort_generic(ctx: &mut Ctx, argv: &[&[u8]], read_only: bool) {
    let Some(mut o) = parse_options(ctx, argv, read_only) else {
        return;
    };
    let in_script = ctx.client.is_script;
    let Some((elements, kind)) = gather(ctx, argv[1]) else {
        return;
    };
    // A set has no order of its own: where the result must be reproducible (stored, or seen
    // by a script), "don't sort" becomes sorting by the element.
    if o.dont_sort && kind == Kind::Set && (o.store.is_some() || in_script) {
        o.dont_sort = false;
        o.alpha = true;
        o.by = None;
    }
    let len = elements.len() as i64;
    let (limit_start, limit_count) = o.limit.unwrap_or((0, -1));
    let mut start = limit_start.clamp(0, len);
    let count = limit_count.max(-1).min(len);
    let mut end = if count < 0 {
        len - 1
    } else {
        start + count - 1
    };
    if start >= len {
        start = len - 1;
        end = len - 2;
    }
    if end >= len {
        end = len - 1;
    }
    let mut items: Vec<Item> = elements
        .into_iter()
        .map(|element| Item {
            element,
            score: 0.0,
            weight: None,
        })
        .collect();
    if o.dont_sort {
        if o.desc && kind != Kind::Set {
            items.reverse();
        }
    } else {
        let mut bad_number = false;
        for item in &mut items {
            let weight = match o.by {
                Some(pattern) => match lookup_by_pattern(ctx, pattern, &item.element) {
                    Some(w) => w,
                    None => continue,
                },
                None => item.element.clone(),
            };
            if o.alpha {
                if o.by.is_some() {
                    item.weight = Some(weight);
                }
            } else {
                match parse_weight(&weight) {
                    Some(score) => item.score = score,
                    None => bad_number = true,
                }
            }
        }
        if bad_number {
            ctx.client
                .reply
                .error("ERR One or more scores can't be converted into double");
            return;
        }
        let by_pattern = o.by.is_some();
        let stored = o.store.is_some();
        items.sort_by(|a, b| {
            let order = compare(a, b, o.alpha, by_pattern, stored);
            if o.desc {
                order.reverse()
            } else {
                order
            }
        });
    }
    let selected: &[Item] = if end >= start && start >= 0 {
        &items[start as usize..=end as usize]
    } else {
        &[]
    };
    let mut rows: Vec<Option<Vec<u8>>> = Vec::new();
    for item in selected {
        if o.gets.is_empty() {
            rows.push(Some(item.element.clone()));
        }
        for pattern in &o.gets {
            rows.push(lookup_by_pattern(ctx, pattern, &item.element));
        }
    }
    match o.store {
        None => {
            let out = &mut ctx.client.reply;
            out.array(rows.len());
            for row in &rows {
                match row {
                    Some(v) => out.bulk(v),
                    None => out.null(),
                }
            }
        }
        Some(dest) => store(ctx, dest, rows),
    }
}

/// `sortCompare`: numbers, ties broken by the element's bytes; `ALPHA` compares elements (or
/// weights, a missing weight first) as C strings, or byte for byte when storing.
fn compare(a: &Item, b: &Item, alpha: bool, by_pattern: bool, stored: bool) -> Ordering {
    let text = |x: &[u8], y: &[u8]| {
        if stored {
            x.cmp(y)
        } else {
            c_str(x).cmp(c_str(y))
        }
    };
    if !alpha {
        return a
            .score
            .partial_cmp(&b.score)
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.element.cmp(&b.element));
    }
    if by_pattern {
        match (&a.weight, &b.weight) {
            (None, None) => Ordering::Equal,
            (None, Some(_)) => Ordering::Less,
            (Some(_), None) => Ordering::Greater,
            (Some(x), Some(y)) => text(x, y),
        }
    } else {
        text(&a.element, &b.element)
    }
}

fn c_str(bytes: &[u8]) -> &[u8] {
    &bytes[..bytes.iter().position(|&b| b == 0).unwrap_or(bytes.len())]
}

/// `STORE`: the result as a list at `dest` (missing GET values stored empty); an empty result
/// deletes `dest`.
fn store(ctx: &mut Ctx, dest: &[u8], rows: Vec<Option<Vec<u8>>>) {
    let db = ctx.client.db;
    let n = rows.len();
    if n > 0 {
        let list: crate::db::list::List = rows.into_iter().map(Option::unwrap_or_default).collect();
        ctx.server
            .keyspace
            .set(db, dest, Value::List(Box::new(list)), false);
        // Each element stored counts, as Redis counts them (the replacement counted one).
        ctx.server.keyspace.count_writes(n as u64 - 1);
        ctx.server
            .keyspace
            .notify(class::LIST, "sortstore", db, dest);
    } else if ctx.server.keyspace.delete(db, dest).is_some() {
        ctx.server.keyspace.notify(class::GENERIC, "del", db, dest);
    }
    ctx.client.reply.int(n as i64);
}

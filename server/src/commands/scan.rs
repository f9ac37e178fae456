//! Cursor iteration (`SCAN`, `HSCAN`, `SSCAN`, `ZSCAN`), as Redis's `scanGenericCommand`:
//! a collection still in its compact form answers whole with cursor 0; a table is walked
//! bucket by bucket with the reverse-binary cursor until `COUNT` elements were gathered (or
//! ten times as many buckets visited), and `MATCH`/`TYPE` filter what was gathered.

use super::{int_arg, is, Ctx, Handler, SYNTAX, WRONGTYPE};
use crate::db::{glob, Value};

pub const HANDLERS: &[(&str, Handler)] = &[
    ("scan", scan),
    ("hscan", hscan),
    ("sscan", sscan),
    ("zscan", zscan),
];

/// The options after the cursor.
struct Options<'a> {
    count: usize,
    pattern: Option<&'a [u8]>,
    type_filter: Option<&'a [u8]>,
}

/// The cursor argument, read as C's `strtoul` reads it (Redis's `parseScanCursorOrReply`):
/// a sign is allowed and a minus wraps, the whole text must be the number, an empty text is
/// 0, leading white space and overflow are refused.
fn cursor_arg(ctx: &mut Ctx, arg: &[u8]) -> Option<u64> {
    let cursor = parse_strtoul(arg);
    if cursor.is_none() {
        ctx.client.reply.error("ERR invalid cursor");
    }
    cursor
}

fn parse_strtoul(arg: &[u8]) -> Option<u64> {
    let text = &arg[..arg.iter().position(|&b| b == 0).unwrap_or(arg.len())];
    if text
        .first()
        .is_some_and(|b| b.is_ascii_whitespace() || *b == 0x0b)
    {
        return None;
    }
    let (negative, digits) = match text.first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        // Nothing converted: strtoul leaves the end at the start, which is only the end of
        // the text when the text is empty.
        return text.is_empty().then_some(0);
    }
    let mut value: u64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
    }
    Some(if negative {
        value.wrapping_neg()
    } else {
        value
    })
}

/// `COUNT n`, `MATCH pattern` and (for `SCAN` alone) `TYPE name`, from `argv[first..]`.
fn options<'a>(ctx: &mut Ctx, argv: &[&'a [u8]], first: usize) -> Option<Options<'a>> {
    let mut options = Options {
        count: 10,
        pattern: None,
        type_filter: None,
    };
    let mut j = first;
    while j < argv.len() {
        let has_value = j + 1 < argv.len();
        if is(argv[j], "count") && has_value {
            let n = int_arg(ctx, argv[j + 1])?;
            if n < 1 {
                ctx.client.reply.error(SYNTAX);
                return None;
            }
            options.count = usize::try_from(n).unwrap_or(usize::MAX);
        } else if is(argv[j], "match") && has_value {
            options.pattern = Some(argv[j + 1]).filter(|p| *p != b"*");
        } else if is(argv[j], "type") && has_value && first == 2 {
            options.type_filter = Some(argv[j + 1]);
        } else {
            ctx.client.reply.error(SYNTAX);
            return None;
        }
        j += 2;
    }
    Some(options)
}

/// Walk `scan_step` (one bucket per call, giving the next cursor) as Redis does: until the
/// iteration ends, `count` items were gathered, or `count * 10` buckets were visited.
fn walk(
    cursor: u64,
    count: usize,
    gathered: impl Fn() -> usize,
    mut step: impl FnMut(u64) -> u64,
) -> u64 {
    let mut cursor = cursor;
    let mut budget = count.saturating_mul(10);
    loop {
        cursor = step(cursor);
        if cursor == 0 || budget == 0 || gathered() >= count {
            return cursor;
        }
        budget -= 1;
    }
}

fn reply(ctx: &mut Ctx, cursor: u64, items: &[Vec<u8>]) {
    ctx.client.reply.array(2);
    ctx.client.reply.bulk(cursor.to_string().as_bytes());
    ctx.client.reply.bulks(items.iter().map(|k| k.as_slice()));
}

fn matches(pattern: Option<&[u8]>, element: &[u8]) -> bool {
    pattern.is_none_or(|p| glob::matches(p, element, false))
}

fn scan(ctx: &mut Ctx, argv: &[&[u8]]) {
    let Some(cursor) = cursor_arg(ctx, argv[1]) else {
        return;
    };
    let Some(options) = options(ctx, argv, 2) else {
        return;
    };
    let db = ctx.client.db;
    let now = ctx.server.keyspace.now_ms;
    let d = &ctx.server.keyspace.dbs[db];
    // Each key gathered with whether it passes the filters, and whether it is an expired key
    // the pattern matched (Redis deletes those as it filters): expired and filtered-out keys
    // count towards COUNT, as in Redis, which filters after gathering.
    let gathered = std::cell::RefCell::new(Vec::<(Vec<u8>, bool, bool)>::new());
    let cursor = walk(
        cursor,
        options.count,
        || gathered.borrow().len(),
        |cursor| {
            d.keys.scan(cursor, |key, value| {
                let live = d.expires.get(key).is_none_or(|&when| when > now);
                let typed = options
                    .type_filter
                    .is_none_or(|t| t.eq_ignore_ascii_case(value.type_name().as_bytes()));
                let matched = matches(options.pattern, key);
                let keep = live && typed && matched;
                gathered
                    .borrow_mut()
                    .push((key.to_vec(), keep, matched && !live));
            })
        },
    );
    let mut found = Vec::new();
    for (key, keep, expired) in gathered.into_inner() {
        if expired {
            // Deleted (and the deletion propagated) as a lookup would.
            ctx.server.keyspace.exists(db, &key);
        } else if keep {
            found.push(key);
        }
    }
    reply(ctx, cursor, &found);
}

/// Gathered elements of a collection: each entry of the collection gives one or two items
/// (a field and its value, a member and its score).
struct Gathered {
    items: Vec<Vec<u8>>,
    /// Items per entry.
    width: usize,
}

impl Gathered {
    fn new(width: usize) -> Self {
        Gathered {
            items: Vec::new(),
            width,
        }
    }

    /// Keep the entries whose first item matches `pattern`.
    fn filtered(self, pattern: Option<&[u8]>) -> Vec<Vec<u8>> {
        if pattern.is_none() {
            return self.items;
        }
        let width = self.width;
        self.items
            .chunks(width)
            .filter(|entry| matches(pattern, &entry[0]))
            .flat_map(|entry| entry.iter().cloned())
            .collect()
    }
}

fn hscan(ctx: &mut Ctx, argv: &[&[u8]]) {
    type_scan(ctx, argv, "hash");
}

fn sscan(ctx: &mut Ctx, argv: &[&[u8]]) {
    type_scan(ctx, argv, "set");
}

fn zscan(ctx: &mut Ctx, argv: &[&[u8]]) {
    type_scan(ctx, argv, "zset");
}

/// `HSCAN`/`SSCAN`/`ZSCAN key cursor [options]`. Redis checks the cursor, then the key (a
/// missing key answers an empty scan whatever the options), then the type, then the options.
fn type_scan(ctx: &mut Ctx, argv: &[&[u8]], type_name: &str) {
    let Some(cursor) = cursor_arg(ctx, argv[2]) else {
        return;
    };
    let db = ctx.client.db;
    match ctx.server.keyspace.read(db, argv[1]) {
        None => {
            reply(ctx, 0, &[]);
            return;
        }
        Some(value) if value.type_name() != type_name => {
            ctx.client.reply.error(WRONGTYPE);
            return;
        }
        Some(_) => {}
    }
    let Some(options) = options(ctx, argv, 3) else {
        return;
    };
    let Some(value) = ctx.server.keyspace.dbs[db].keys.get(argv[1]) else {
        return;
    };
    let (cursor, gathered) = gather(value, cursor, options.count);
    let items = gathered.filtered(options.pattern);
    reply(ctx, cursor, &items);
}

/// One round of a collection scan: everything for a compact collection, buckets from
/// `cursor` for a table.
fn gather(value: &Value, cursor: u64, count: usize) -> (u64, Gathered) {
    match value {
        Value::Hash(h) => {
            let mut g = Gathered::new(2);
            match h.table() {
                None => {
                    for (field, v) in h.iter() {
                        g.items.push(field.to_vec());
                        g.items.push(v.to_vec());
                    }
                    (0, g)
                }
                Some(table) => {
                    let items = std::cell::RefCell::new(Vec::new());
                    // A field and its value are two items of the count, as in Redis.
                    let next = walk(
                        cursor,
                        count.saturating_mul(2),
                        || items.borrow().len(),
                        |c| {
                            table.scan(c, |field, v| {
                                let mut items = items.borrow_mut();
                                items.push(field.to_vec());
                                items.push(v.clone());
                            })
                        },
                    );
                    g.items = items.into_inner();
                    (next, g)
                }
            }
        }
        Value::Set(s) => {
            let mut g = Gathered::new(1);
            match s.table() {
                None => {
                    g.items = s.members();
                    (0, g)
                }
                Some(table) => {
                    let items = std::cell::RefCell::new(Vec::new());
                    let next = walk(
                        cursor,
                        count,
                        || items.borrow().len(),
                        |c| table.scan(c, |member, _| items.borrow_mut().push(member.to_vec())),
                    );
                    g.items = items.into_inner();
                    (next, g)
                }
            }
        }
        Value::ZSet(z) => {
            let mut g = Gathered::new(2);
            let Some(table) = z.scores() else {
                for (member, score) in z.iter() {
                    g.items.push(member.to_vec());
                    g.items.push(redis_runtime::format_double(score));
                }
                return (0, g);
            };
            let items = std::cell::RefCell::new(Vec::new());
            let next = walk(
                cursor,
                count.saturating_mul(2),
                || items.borrow().len(),
                |c| {
                    table.scan(c, |member, score| {
                        let mut items = items.borrow_mut();
                        items.push(member.to_vec());
                        items.push(redis_runtime::format_double(*score));
                    })
                },
            );
            g.items = items.into_inner();
            (next, g)
        }
        _ => (0, Gathered::new(1)),
    }
}

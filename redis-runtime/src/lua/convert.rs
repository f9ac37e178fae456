//! Conversions between Lua values and replies, both ways, as Redis 7.0 makes them
//! (`luaReplyToRedisReply` and `redisProtocolToLuaType`).

use crate::Reply;
use lua_core::native::{Ctx, Raised, TableRef, ValueRef};

/// How deep a returned table may nest before its element becomes an error: Redis converts with
/// recursion that needs Lua stack room per level, which its 8,000-slot limit ends at this depth
/// (measured on redis-server 7.0.15).
const MAX_REPLY_DEPTH: usize = 7995;

/// A number as the C cast `(long long)` turns it into an integer reply on x86-64: truncated
/// toward zero, with NaN and values out of range giving the "integer indefinite" value.
pub(crate) fn number_to_integer(x: f64) -> i64 {
    if x >= -9_223_372_036_854_775_808.0 && x < 9_223_372_036_854_775_808.0 {
        x as i64
    } else {
        i64::MIN
    }
}

/// Replace CR and LF with spaces: status and error replies are single lines.
pub(crate) fn single_line(bytes: &[u8]) -> Vec<u8> {
    bytes
        .iter()
        .map(|&b| if b == b'\r' || b == b'\n' { b' ' } else { b })
        .collect()
}

/// The reply for a value a script returned. `script_resp` is the level the script set with
/// `redis.setresp`, which decides how booleans convert.
///
/// Tables nest up to [`MAX_REPLY_DEPTH`] deep, so the walk keeps its own stack of open tables
/// on the heap rather than recursing: the host's thread may have any stack size (a fuzzer's
/// sanitizer, or a 2 MB Rust thread, overflowed with one Rust frame per level).
pub(crate) fn lua_to_reply(ctx: &Ctx, v: ValueRef<'_>, script_resp: u8) -> Reply {
    let mut open: Vec<OpenTable<'_>> = Vec::new();
    let mut next = v;
    loop {
        // Convert `next`: a reply at once, or a table opened for its elements.
        let mut finished = match next {
            ValueRef::Table(_) if open.len() >= MAX_REPLY_DEPTH => {
                Some(Reply::Error(b"ERR reached lua stack limit".to_vec()))
            }
            ValueRef::Table(t) => special_reply(ctx, t).or_else(|| {
                open.push(OpenTable::new(ctx, t));
                None
            }),
            other => Some(scalar_reply(other, script_resp)),
        };
        // Give each finished reply to its table; a table out of elements is finished in turn.
        next = loop {
            let Some(table) = open.last_mut() else {
                // Only the outermost value finishes with no table open.
                return finished.unwrap_or(Reply::Null);
            };
            if let Some(reply) = finished.take() {
                table.items.push(reply);
            }
            match table.next_element() {
                Some(element) => break element,
                None => finished = open.pop().map(OpenTable::into_reply),
            }
        };
    }
}

fn scalar_reply(v: ValueRef<'_>, resp: u8) -> Reply {
    match v {
        ValueRef::String(s) => Reply::Bulk(s.as_bytes().to_vec()),
        ValueRef::Boolean(b) if resp == 2 => {
            if b {
                Reply::Integer(1)
            } else {
                Reply::Null
            }
        }
        ValueRef::Boolean(b) => Reply::Boolean(b),
        ValueRef::Number(x) => Reply::Integer(number_to_integer(x)),
        _ => Reply::Null,
    }
}

/// The reply of a table with one of the fields that make it a single reply (`err`, `ok`,
/// `double`, `big_number`, `verbatim_string`), checked in Redis's order.
fn special_reply(ctx: &Ctx, t: TableRef<'_>) -> Option<Reply> {
    if let ValueRef::String(e) = t.get_field(b"err", ctx) {
        return Some(Reply::Error(single_line(e.as_bytes())));
    }
    if let ValueRef::String(s) = t.get_field(b"ok", ctx) {
        return Some(Reply::Status(single_line(s.as_bytes())));
    }
    if let ValueRef::Number(d) = t.get_field(b"double", ctx) {
        return Some(Reply::Double(d));
    }
    if let ValueRef::String(n) = t.get_field(b"big_number", ctx) {
        return Some(Reply::BigNumber(single_line(n.as_bytes())));
    }
    let v = t.get_field(b"verbatim_string", ctx).as_table()?;
    let format = v.get_field(b"format", ctx).as_bytes();
    let text = v.get_field(b"string", ctx).as_bytes();
    let (Some(format), Some(text)) = (format, text) else {
        return None;
    };
    // Redis sends the first three bytes of the format, whatever its length.
    let mut f = [0u8; 3];
    for (dst, src) in f.iter_mut().zip(format) {
        *dst = *src;
    }
    Some(Reply::Verbatim {
        format: f,
        text: text.to_vec(),
    })
}

/// A table being converted: where its elements come from, and their replies so far.
struct OpenTable<'a> {
    elements: Elements<'a>,
    items: Vec<Reply>,
}

enum Elements<'a> {
    /// `t[1]`, `t[2]`, ... up to the first nil: an array.
    Sequence { table: TableRef<'a>, next: i64 },
    /// The `map` field's keys and values, alternately (`value` is the one still to give).
    Pairs {
        pairs: lua_core::native::TableIter<'a>,
        value: Option<ValueRef<'a>>,
    },
    /// The `set` field's keys.
    Keys(lua_core::native::TableIter<'a>),
}

impl<'a> OpenTable<'a> {
    fn new(ctx: &'a Ctx, t: TableRef<'a>) -> OpenTable<'a> {
        let elements = if let Some(m) = t.get_field(b"map", ctx).as_table() {
            Elements::Pairs {
                pairs: m.iter(),
                value: None,
            }
        } else if let Some(s) = t.get_field(b"set", ctx).as_table() {
            Elements::Keys(s.iter())
        } else {
            Elements::Sequence { table: t, next: 1 }
        };
        OpenTable {
            elements,
            items: Vec::new(),
        }
    }

    fn next_element(&mut self) -> Option<ValueRef<'a>> {
        match &mut self.elements {
            Elements::Sequence { table, next } => {
                let v = table.get_index(*next);
                *next += 1;
                (!v.is_nil()).then_some(v)
            }
            Elements::Pairs { pairs, value } => match value.take() {
                Some(v) => Some(v),
                None => {
                    let (k, v) = pairs.next()?;
                    *value = Some(v);
                    Some(k)
                }
            },
            Elements::Keys(keys) => keys.next().map(|(k, _)| k),
        }
    }

    fn into_reply(self) -> Reply {
        match self.elements {
            Elements::Sequence { .. } => Reply::Array(self.items),
            Elements::Keys(_) => Reply::Set(self.items),
            Elements::Pairs { .. } => {
                let mut pairs = Vec::with_capacity(self.items.len() / 2);
                let mut items = self.items.into_iter();
                while let (Some(k), Some(v)) = (items.next(), items.next()) {
                    pairs.push((k, v));
                }
                Reply::Map(pairs)
            }
        }
    }
}

/// How a command's reply becomes Lua values.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ToLua {
    /// The script's `redis.setresp(3)`: RESP3 types then get their own forms, and null is
    /// `nil` rather than `false`.
    pub resp3: bool,
    /// Maps' and sets' tables are made at their final size (Valkey's `lua_createtable`) rather
    /// than grown from empty (Redis 7.0's `lua_newtable`); the two visit keys in other orders.
    pub presize: bool,
}

/// Push the Lua form of a command's reply.
pub(crate) fn push_reply(ctx: &mut Ctx, reply: &Reply, how: ToLua) -> Result<(), Raised> {
    let resp3 = how.resp3;
    match reply {
        Reply::Integer(i) => {
            ctx.push_integer(*i);
        }
        Reply::Bulk(b) => {
            ctx.push_bytes(b)?;
        }
        Reply::Null | Reply::NullArray => {
            if resp3 {
                ctx.push_nil();
            } else {
                ctx.push_bool(false);
            }
        }
        Reply::Status(s) => wrapped(ctx, "ok", |ctx| ctx.push_bytes(s).map(drop))?,
        Reply::Error(e) => push_command_error(ctx, e)?,
        Reply::Array(items) => push_sequence(ctx, items, how)?,
        // Maps and sets are sized as the host's Lua sizes them (see `ToLua::presize`), so
        // `pairs` visits their keys in the same order.
        Reply::Map(pairs) if resp3 => wrapped(ctx, "map", |ctx| {
            let t = ctx.new_table(0, if how.presize { pairs.len() } else { 0 })?;
            for (k, v) in pairs {
                push_reply(ctx, k, how)?;
                push_reply(ctx, v, how)?;
                ctx.raw_set(t)?;
            }
            Ok(())
        })?,
        Reply::Map(pairs) => {
            let t = ctx.new_table(pairs.len() * 2, 0)?;
            for (i, (k, v)) in pairs.iter().enumerate() {
                push_reply(ctx, k, how)?;
                ctx.raw_set_index(t, 2 * i as i64 + 1)?;
                push_reply(ctx, v, how)?;
                ctx.raw_set_index(t, 2 * i as i64 + 2)?;
            }
        }
        Reply::Set(items) if resp3 => wrapped(ctx, "set", |ctx| {
            let t = ctx.new_table(0, if how.presize { items.len() } else { 0 })?;
            for item in items {
                push_reply(ctx, item, how)?;
                ctx.push_bool(true);
                ctx.raw_set(t)?;
            }
            Ok(())
        })?,
        Reply::Set(items) => push_sequence(ctx, items, how)?,
        Reply::Double(d) if resp3 => wrapped(ctx, "double", |ctx| {
            ctx.push_number(*d);
            Ok(())
        })?,
        Reply::Double(d) => {
            ctx.push_bytes(crate::reply::format_double(*d))?;
        }
        Reply::Boolean(b) if resp3 => {
            ctx.push_bool(*b);
        }
        Reply::Boolean(b) => {
            ctx.push_integer(i64::from(*b));
        }
        Reply::BigNumber(n) if resp3 => {
            wrapped(ctx, "big_number", |ctx| ctx.push_bytes(n).map(drop))?
        }
        Reply::BigNumber(n) => {
            ctx.push_bytes(n)?;
        }
        Reply::Verbatim { format, text } if resp3 => wrapped(ctx, "verbatim_string", |ctx| {
            let t = ctx.new_table(0, 0)?;
            ctx.push_bytes(text)?;
            ctx.set_field(t, "string")?;
            ctx.push_bytes(format)?;
            ctx.set_field(t, "format")
        })?,
        Reply::Verbatim { text, .. } => {
            ctx.push_bytes(text)?;
        }
    }
    Ok(())
}

/// Push a table `{ <field> = <what fill pushes> }`.
fn wrapped(
    ctx: &mut Ctx,
    field: &str,
    fill: impl FnOnce(&mut Ctx) -> Result<(), Raised>,
) -> Result<(), Raised> {
    let t = ctx.new_table(0, 1)?;
    fill(ctx)?;
    ctx.set_field(t, field)
}

fn push_sequence(ctx: &mut Ctx, items: &[Reply], how: ToLua) -> Result<(), Raised> {
    ctx.ensure_stack(4)?;
    let t = ctx.new_table(items.len(), 0)?;
    for (i, item) in items.iter().enumerate() {
        push_reply(ctx, item, how)?;
        ctx.raw_set_index(t, i as i64 + 1)?;
    }
    Ok(())
}

/// Push the error table `{err = "CODE message"}` for an error reply's text (`CODE message`,
/// without the leading `-`), as Redis builds it: the code runs to the first space (a text with
/// no space is all message, with code `ERR`), and CR/LF around the message are trimmed.
pub(crate) fn push_error_table(ctx: &mut Ctx, text: &[u8]) -> Result<(), Raised> {
    let t = ctx.new_table(0, 1)?;
    ctx.push_bytes(error_table_text(text))?;
    ctx.set_field(t, "err")
}

/// The field marking an error table made from a command's error reply: the server counted
/// that error when the command failed, so a script returning it does not count it again.
pub(crate) const COUNTED_FIELD: &str = "ignore_error_stats_update";

/// `{err = text, ignore_error_stats_update = true}`: a command's error as scripts see it.
pub(crate) fn push_command_error(ctx: &mut Ctx, text: &[u8]) -> Result<(), Raised> {
    push_error_table(ctx, text)?;
    let t = ctx.top_slot();
    ctx.push_bool(true);
    ctx.set_field(t, COUNTED_FIELD)
}

/// Whether `value` is an error table marked as already counted.
pub(crate) fn is_counted_error(ctx: &Ctx, value: ValueRef<'_>) -> bool {
    value.as_table().is_some_and(|t| {
        t.get_field(b"err", ctx).as_bytes().is_some()
            && matches!(
                t.get_field(COUNTED_FIELD.as_bytes(), ctx),
                ValueRef::Boolean(true)
            )
    })
}

pub(crate) fn error_table_text(text: &[u8]) -> Vec<u8> {
    let (code, msg): (&[u8], &[u8]) = match text.iter().position(|&b| b == b' ') {
        Some(space) => (&text[..space], &text[space + 1..]),
        None => (b"ERR", text),
    };
    let trim = |b: &u8| *b == b'\r' || *b == b'\n';
    let start = msg.iter().position(|b| !trim(b)).unwrap_or(msg.len());
    let end = msg.iter().rposition(|b| !trim(b)).map_or(start, |e| e + 1);
    let mut out = Vec::with_capacity(code.len() + 1 + end.saturating_sub(start));
    out.extend_from_slice(code);
    out.push(b' ');
    out.extend_from_slice(msg.get(start..end).unwrap_or_default());
    out
}

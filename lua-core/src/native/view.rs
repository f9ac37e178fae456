//! Views: read-only access to Lua values for as long as the `Ctx` is borrowed immutably.
//!
//! Every view carries the lifetime `'a` of a shared borrow of the [`Ctx`](super::Ctx). While
//! such a borrow exists no method taking `&mut Ctx` can run, so no Lua code runs, nothing is
//! allocated or changed, and the collector cannot run: each object a view reaches was reachable
//! from the stack when the borrow began and stays alive, unchanged, until it ends.

use crate::gc::Gc;
use crate::value::{LuaStr, Table, Value};
use std::marker::PhantomData;

/// A Lua value seen from a native function.
#[derive(Clone, Copy, Debug)]
pub enum ValueRef<'a> {
    Nil,
    Boolean(bool),
    Number(f64),
    String(StrRef<'a>),
    Table(TableRef<'a>),
    /// A function (Lua or native).
    Function(Opaque<'a>),
    /// A userdata.
    UserData(Opaque<'a>),
    /// A coroutine.
    Thread(Opaque<'a>),
}

/// A value a native function can compare and pass on but not look inside.
#[derive(Clone, Copy, Debug)]
pub struct Opaque<'a> {
    raw: Value,
    _borrow: PhantomData<&'a super::Ctx>,
}

impl<'a> Opaque<'a> {
    /// The object's identity (its address), to recognise it when met again.
    pub fn identity(self) -> usize {
        self.raw.identity()
    }

    /// The Rust value inside a userdata made by [`Ctx::new_userdata`](super::Ctx::new_userdata)
    /// with a value of type `T`; `None` for other userdata and for other kinds of object.
    /// State a library changes between calls lives in `Cell`s inside `T`.
    pub fn userdata<T: 'static>(self) -> Option<&'a T> {
        match self.raw {
            // SAFETY: the module's invariant: the userdata stays alive for `'a`, and nothing
            // replaces or drops its value while the `Ctx` is borrowed.
            Value::UserData(u) => unsafe { u.get_for() }.data().downcast_ref::<T>(),
            _ => None,
        }
    }
}

impl<'a> ValueRef<'a> {
    pub(crate) fn new(v: Value) -> ValueRef<'a> {
        match v {
            Value::Nil => ValueRef::Nil,
            Value::Boolean(b) => ValueRef::Boolean(b),
            Value::Number(x) => ValueRef::Number(x),
            Value::String(s) => ValueRef::String(StrRef {
                raw: s,
                _borrow: PhantomData,
            }),
            Value::Table(t) => ValueRef::Table(TableRef::new(t)),
            Value::LuaFunction(_) | Value::NativeFunction(_) => ValueRef::Function(Opaque::new(v)),
            Value::UserData(_) => ValueRef::UserData(Opaque::new(v)),
            Value::Thread(_) => ValueRef::Thread(Opaque::new(v)),
        }
    }

    /// The raw value again (valid for `'a`).
    pub(crate) fn raw(self) -> Value {
        match self {
            ValueRef::String(s) => Value::String(s.raw),
            ValueRef::Table(t) => Value::Table(t.raw),
            ValueRef::Nil => Value::Nil,
            ValueRef::Boolean(b) => Value::Boolean(b),
            ValueRef::Number(x) => Value::Number(x),
            ValueRef::Function(o) | ValueRef::UserData(o) | ValueRef::Thread(o) => o.raw,
        }
    }

    /// Lua's name of the value's type (`type(v)`).
    pub fn type_name(self) -> &'static str {
        match self {
            ValueRef::Nil => "nil",
            ValueRef::Boolean(_) => "boolean",
            ValueRef::Number(_) => "number",
            ValueRef::String(_) => "string",
            ValueRef::Table(_) => "table",
            ValueRef::Function(_) => "function",
            ValueRef::UserData(_) => "userdata",
            ValueRef::Thread(_) => "thread",
        }
    }

    pub fn is_nil(self) -> bool {
        matches!(self, ValueRef::Nil)
    }

    /// `false` for `nil` and `false`, `true` for everything else (Lua's truth).
    pub fn is_truthy(self) -> bool {
        !matches!(self, ValueRef::Nil | ValueRef::Boolean(false))
    }

    /// The number, or a string's numeric value, as Lua's arithmetic converts it.
    pub fn to_number(self) -> Option<f64> {
        match self {
            ValueRef::Number(x) => Some(x),
            ValueRef::String(s) => crate::number::str_to_number(s.as_bytes()),
            _ => None,
        }
    }

    /// The string's bytes.
    pub fn as_bytes(self) -> Option<&'a [u8]> {
        match self {
            ValueRef::String(s) => Some(s.as_bytes()),
            _ => None,
        }
    }

    pub fn as_table(self) -> Option<TableRef<'a>> {
        match self {
            ValueRef::Table(t) => Some(t),
            _ => None,
        }
    }
}

impl Opaque<'_> {
    fn new(raw: Value) -> Self {
        Opaque {
            raw,
            _borrow: PhantomData,
        }
    }
}

/// A Lua string: bytes, not necessarily UTF-8.
#[derive(Clone, Copy)]
pub struct StrRef<'a> {
    raw: Gc<LuaStr>,
    _borrow: PhantomData<&'a super::Ctx>,
}

impl<'a> StrRef<'a> {
    pub fn as_bytes(self) -> &'a [u8] {
        // SAFETY: the module's invariant: the string stays alive for `'a`.
        unsafe { self.raw.bytes_for() }
    }

    pub fn len(self) -> usize {
        self.raw.len()
    }

    pub fn is_empty(self) -> bool {
        self.raw.len() == 0
    }
}

impl std::fmt::Debug for StrRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}", String::from_utf8_lossy(self.as_bytes()))
    }
}

/// A Lua table, read without metamethods.
#[derive(Clone, Copy)]
pub struct TableRef<'a> {
    raw: Gc<Table>,
    _borrow: PhantomData<&'a super::Ctx>,
}

impl std::fmt::Debug for TableRef<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "table: {:#x}", self.identity())
    }
}

impl<'a> TableRef<'a> {
    pub(crate) fn new(raw: Gc<Table>) -> TableRef<'a> {
        TableRef {
            raw,
            _borrow: PhantomData,
        }
    }

    fn table(self) -> &'a Table {
        // SAFETY: the module's invariant: the table stays alive and unchanged for `'a`.
        unsafe { self.raw.get_for() }
    }

    /// `t[key]` without metamethods (`rawget`).
    pub fn get(self, key: ValueRef<'a>) -> ValueRef<'a> {
        ValueRef::new(self.table().get(&key.raw()))
    }

    /// `t[i]` without metamethods.
    pub fn get_index(self, i: i64) -> ValueRef<'a> {
        ValueRef::new(self.table().get_int(i))
    }

    /// `t[name]` without metamethods.
    pub fn get_field(self, name: &[u8], ctx: &'a super::Ctx) -> ValueRef<'a> {
        match ctx.state().heap.find_interned(name) {
            Some(k) => ValueRef::new(self.table().get_str(k)),
            // A string that was never created cannot be a key.
            None => ValueRef::Nil,
        }
    }

    /// The border `#t` as Lua 5.1 finds it, without `__len`.
    pub fn len(self) -> usize {
        self.table().border()
    }

    pub fn is_empty(self) -> bool {
        self.iter().next().is_none()
    }

    /// The entries in `next` order.
    pub fn iter(self) -> TableIter<'a> {
        TableIter {
            table: self.table(),
            pos: 0,
            _borrow: PhantomData,
        }
    }

    pub fn metatable(self) -> Option<TableRef<'a>> {
        self.table().metatable().map(TableRef::new)
    }

    pub fn is_readonly(self) -> bool {
        self.table().is_readonly()
    }

    /// The table's identity (its address), to recognise it when met again.
    pub fn identity(self) -> usize {
        self.raw.addr()
    }
}

/// The entries of a table in `next` order.
pub struct TableIter<'a> {
    table: &'a Table,
    pos: usize,
    _borrow: PhantomData<&'a super::Ctx>,
}

impl<'a> Iterator for TableIter<'a> {
    type Item = (ValueRef<'a>, ValueRef<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let (next, k, v) = self.table.entry_from(self.pos)?;
        self.pos = next;
        Some((ValueRef::new(k), ValueRef::new(v)))
    }
}

//! [`Table`] handles: reading, writing and traversing Lua tables from Rust.

use super::context::{quietly, Inner, Slot};
use super::convert::{FromLua, IntoLua, PlainKey};
use super::error::{Error, Result};
use super::{Lua, Value};
use crate::gc::Gc;
use crate::value::{Table as RawTable, Value as RawValue};
use crate::vm::State;
use std::marker::PhantomData;
use std::rc::Rc;

/// A Lua table, kept alive by this handle.
///
/// `get`/`set` behave like `t[k]` in Lua (metamethods apply, errors come back as values);
/// the `raw_` methods bypass metamethods.
///
/// ```
/// use lua_core::api::Lua;
///
/// let lua = Lua::new();
/// let t = lua.create_table().unwrap();
/// t.set("name", "lua").unwrap();
/// t.push(10).unwrap();
/// t.push(20).unwrap();
/// assert_eq!(t.get::<_, String>("name").unwrap(), "lua");
/// assert_eq!(t.len().unwrap(), 2);
/// let items: Vec<i64> = t.sequence_values().collect::<Result<_, _>>().unwrap();
/// assert_eq!(items, [10, 20]);
/// ```
#[derive(Clone)]
pub struct Table(pub(crate) Rc<Slot>);

impl Table {
    fn lua(&self) -> Result<Lua> {
        Ok(Lua {
            inner: self.0.state()?,
        })
    }

    /// The table object, checked to belong to `inner`'s state.
    fn raw_table(&self, inner: &Inner) -> Result<Gc<RawTable>> {
        match self.0.raw_in(inner)? {
            RawValue::Table(t) => Ok(t),
            _ => Err(Error::InvalidHandle),
        }
    }

    /// `t[key]`, with `__index` metamethods.
    pub fn get<K: IntoLua, V: FromLua>(&self, key: K) -> Result<V> {
        if let Some(plain) = key.as_plain_key() {
            if let Some(v) = self.get_plain(plain) {
                return Ok(v);
            }
        }
        self.get_general(key)
    }

    /// The fast path of [`Table::get`]: a present key whose value converts from plain data,
    /// read directly (no metamethod can run, no handle is made). `None` for anything else,
    /// the general path then deciding (errors included).
    fn get_plain<V: FromLua>(&self, key: PlainKey<'_>) -> Option<V> {
        let inner = self.0.state().ok()?;
        let RawValue::Table(t) = self.0.value else {
            return None;
        };
        inner.with_state_if_free(|st| {
            let raw = raw_lookup(st, t, key);
            if raw.is_nil() {
                return None;
            }
            V::from_plain(Value::plain_of(&raw))
        })?
    }

    /// [`Table::get`] for any key and value, through handles.
    fn get_general<K: IntoLua, V: FromLua>(&self, key: K) -> Result<V> {
        let lua = self.lua()?;
        if let Some(plain) = key.as_plain_key() {
            let inner = &lua.inner;
            let found = inner.with_state(|st| {
                let t = self.raw_table(inner)?;
                match plain_lookup(st, t, plain) {
                    Some(raw) => Value::from_raw(st, inner, raw).map(Some),
                    None => Ok(None),
                }
            })?;
            if let Some(v) = found {
                return V::from_lua(v, &lua);
            }
        }
        let key = key.into_lua(&lua)?;
        let inner = &lua.inner;
        let v = inner.with_state(|st| {
            let t = self.0.raw_in(inner)?;
            let raw = inner.get(st, t, key.to_raw(inner)?)?;
            Value::from_raw(st, inner, raw)
        })?;
        V::from_lua(v, &lua)
    }

    /// `t[key] = value`, with `__newindex` metamethods.
    pub fn set<K: IntoLua, V: IntoLua>(&self, key: K, value: V) -> Result<()> {
        let lua = self.lua()?;
        let key = key.into_lua(&lua)?;
        let value = value.into_lua(&lua)?;
        let inner = &lua.inner;
        inner.with_state(|st| {
            let t = self.0.raw_in(inner)?;
            inner.set(st, t, key.to_raw(inner)?, value.to_raw(inner)?)
        })
    }

    /// `rawget(t, key)`.
    pub fn raw_get<K: IntoLua, V: FromLua>(&self, key: K) -> Result<V> {
        let lua = self.lua()?;
        let key = key.into_lua(&lua)?;
        let inner = &lua.inner;
        let v = inner.with_state(|st| {
            let t = self.raw_table(inner)?;
            let raw = t.get(&key.to_raw(inner)?);
            Value::from_raw(st, inner, raw)
        })?;
        V::from_lua(v, &lua)
    }

    /// `rawset(t, key, value)`: fails on a `nil` or NaN key and on a read-only table.
    pub fn raw_set<K: IntoLua, V: IntoLua>(&self, key: K, value: V) -> Result<()> {
        let lua = self.lua()?;
        let key = key.into_lua(&lua)?;
        let value = value.into_lua(&lua)?;
        let inner = &lua.inner;
        inner.with_state(|st| {
            let t = self.raw_table(inner)?;
            let (k, v) = (key.to_raw(inner)?, value.to_raw(inner)?);
            quietly(st, |st| st.raw_set(t, k, v))
                .map_err(|e| inner.error_from_lua(st, e, String::new()))
        })
    }

    /// Whether `t[key]` (with metamethods) is not `nil`.
    pub fn contains_key<K: IntoLua>(&self, key: K) -> Result<bool> {
        Ok(!self.get::<K, Value>(key)?.is_nil())
    }

    /// `#t`: a border of the sequence part, as Lua 5.1 finds it (tables have no `__len`).
    pub fn len(&self) -> Result<usize> {
        let inner = self.0.state()?;
        inner.with_state(|_| Ok(self.raw_table(&inner)?.border()))
    }

    /// Whether the table has no entries at all.
    pub fn is_empty(&self) -> Result<bool> {
        let inner = self.0.state()?;
        inner.with_state(|_| {
            Ok(matches!(
                self.raw_table(&inner)?.next(&RawValue::Nil),
                Ok(None)
            ))
        })
    }

    /// Append `value` at `#t + 1`, without metamethods.
    pub fn push<V: IntoLua>(&self, value: V) -> Result<()> {
        let lua = self.lua()?;
        let value = value.into_lua(&lua)?;
        let inner = &lua.inner;
        inner.with_state(|st| {
            let t = self.raw_table(inner)?;
            let v = value.to_raw(inner)?;
            let n = t.border() as i64;
            quietly(st, |st| st.raw_set_int(t, n + 1, v))
                .map_err(|e| inner.error_from_lua(st, e, String::new()))
        })
    }

    /// Every entry, in `next` order, converted to `K` and `V` (no metamethods).
    ///
    /// ```
    /// use lua_core::api::Lua;
    /// use std::collections::BTreeMap;
    ///
    /// let lua = Lua::new();
    /// let t: lua_core::api::Table = lua.load("return {a = 1, b = 2}").eval().unwrap();
    /// let m: BTreeMap<String, i64> = t.pairs().collect::<Result<_, _>>().unwrap();
    /// assert_eq!(m.len(), 2);
    /// ```
    pub fn pairs<K: FromLua, V: FromLua>(&self) -> TablePairs<K, V> {
        TablePairs {
            table: self.clone(),
            next_key: Some(Value::Nil),
            _types: PhantomData,
        }
    }

    /// `t[1]`, `t[2]`, ... up to the first `nil`, converted to `V` (no metamethods).
    pub fn sequence_values<V: FromLua>(&self) -> TableSequence<V> {
        TableSequence {
            table: self.clone(),
            index: 1,
            done: false,
            _types: PhantomData,
        }
    }

    /// The metatable, if any.
    pub fn metatable(&self) -> Result<Option<Table>> {
        let inner = self.0.state()?;
        let inner = &inner;
        inner.with_state(|st| match self.raw_table(inner)?.metatable() {
            Some(mt) => match Value::from_raw(st, inner, RawValue::Table(mt))? {
                Value::Table(t) => Ok(Some(t)),
                _ => Err(Error::InvalidHandle),
            },
            None => Ok(None),
        })
    }

    /// Set or remove the metatable (a read-only table refuses, as `setmetatable` does).
    pub fn set_metatable(&self, metatable: Option<Table>) -> Result<()> {
        let inner = self.0.state()?;
        let inner = &inner;
        inner.with_state(|_| {
            let t = self.raw_table(inner)?;
            let mt = match &metatable {
                Some(m) => Some(m.raw_table(inner)?),
                None => None,
            };
            if t.is_readonly() {
                return Err(Error::runtime(READONLY_MESSAGE));
            }
            t.borrow_mut().set_metatable(mt);
            Ok(())
        })
    }

    /// Make the table read-only (or writable again): every write to it, from Lua or from Rust,
    /// then fails with `Attempt to modify a readonly table`, as in Redis's Lua.
    ///
    /// ```
    /// use lua_core::api::{Error, Lua};
    ///
    /// let lua = Lua::new();
    /// let t = lua.create_table().unwrap();
    /// lua.globals().set("config", t.clone()).unwrap();
    /// t.set_readonly(true).unwrap();
    /// let err = lua.load("config.x = 1").set_name("=script").exec().unwrap_err();
    /// assert!(matches!(err, Error::RuntimeError { ref message, .. }
    ///     if message == "script:1: Attempt to modify a readonly table"));
    /// ```
    pub fn set_readonly(&self, readonly: bool) -> Result<()> {
        let inner = self.0.state()?;
        inner.with_state(|_| {
            self.raw_table(&inner)?.borrow_mut().set_readonly(readonly);
            Ok(())
        })
    }

    /// Whether the table is read-only.
    pub fn is_readonly(&self) -> Result<bool> {
        let inner = self.0.state()?;
        inner.with_state(|_| Ok(self.raw_table(&inner)?.is_readonly()))
    }
}

/// The message of a write to a read-only table.
const READONLY_MESSAGE: &str = "Attempt to modify a readonly table";

impl PartialEq for Table {
    fn eq(&self, other: &Table) -> bool {
        self.0.value.raw_equal(&other.0.value)
    }
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::value::fmt_handle(f, &self.0.value)
    }
}

/// The iterator of [`Table::pairs`].
pub struct TablePairs<K, V> {
    table: Table,
    /// The key to continue after; `None` once finished.
    next_key: Option<Value>,
    _types: PhantomData<(K, V)>,
}

impl<K: FromLua, V: FromLua> Iterator for TablePairs<K, V> {
    type Item = Result<(K, V)>;

    fn next(&mut self) -> Option<Self::Item> {
        let key = self.next_key.take()?;
        let lua = match self.table.lua() {
            Ok(lua) => lua,
            Err(e) => return Some(Err(e)),
        };
        let inner = &lua.inner;
        let entry = inner.with_state(|st| {
            let t = self.table.raw_table(inner)?;
            match t.next(&key.to_raw(inner)?) {
                Ok(Some((k, v))) => Ok(Some((
                    Value::from_raw(st, inner, k)?,
                    Value::from_raw(st, inner, v)?,
                ))),
                Ok(None) => Ok(None),
                Err(crate::value::KeyNotFound) => Err(Error::runtime("invalid key to 'next'")),
            }
        });
        match entry {
            Ok(Some((k, v))) => {
                self.next_key = Some(k.clone());
                Some(K::from_lua(k, &lua).and_then(|k| Ok((k, V::from_lua(v, &lua)?))))
            }
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

/// The iterator of [`Table::sequence_values`].
pub struct TableSequence<V> {
    table: Table,
    index: i64,
    done: bool,
    _types: PhantomData<V>,
}

impl<V: FromLua> Iterator for TableSequence<V> {
    type Item = Result<V>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let lua = match self.table.lua() {
            Ok(lua) => lua,
            Err(e) => return Some(Err(e)),
        };
        let inner = &lua.inner;
        let index = self.index;
        let v = inner.with_state(|st| {
            let raw = self.table.raw_table(inner)?.get_int(index);
            Value::from_raw(st, inner, raw)
        });
        match v {
            Ok(Value::Nil) => {
                self.done = true;
                None
            }
            Ok(v) => {
                self.index += 1;
                Some(V::from_lua(v, &lua))
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// `rawget(t, key)` for a plain key.
fn raw_lookup(st: &mut State, t: Gc<RawTable>, key: PlainKey<'_>) -> RawValue {
    match key {
        PlainKey::Number(n) => t.get(&RawValue::Number(n)),
        // A string that was never interned is no table's key.
        PlainKey::Bytes(b) => st.get_field(t, b),
    }
}

/// `t[key]` read directly when no metamethod can take part: the key is present, or the table
/// has no `__index`. `None` when `__index` must run (the protected path does that).
fn plain_lookup(st: &mut State, t: Gc<RawTable>, key: PlainKey<'_>) -> Option<RawValue> {
    let found = raw_lookup(st, t, key);
    if !found.is_nil() {
        return Some(found);
    }
    match t.metatable() {
        Some(mt) if st.fast_tm(mt, crate::vm::Tm::Index).is_some() => None,
        _ => Some(RawValue::Nil),
    }
}

//! Stack slots: values a native function keeps alive across allocations and calls into Lua,
//! and the results it returns.
//!
//! The running native function owns the stack from its first argument up to the top. A
//! [`Slot`] is an index into that region, checked on every use: a stale slot (popped, or from
//! another call) gives an error or `nil`, never another object's memory.

use super::{Ctx, Raised, ValueRef};
use crate::value::{Table, Value};
use crate::vm::{ErrorKind, MULTRET};

/// A position on the Lua stack of the running native function (argument `n` is at
/// `ctx.arg_slot(n)`; pushed values follow).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Slot(pub(crate) usize);

impl Ctx {
    /// Number of values on the function's stack (its arguments, then what it pushed).
    pub fn stack_len(&self) -> usize {
        self.state().top - self.state().native_base()
    }

    /// The slot of argument `n` (1-based), or of the n-th value on the function's stack.
    pub fn arg_slot(&self, n: usize) -> Slot {
        Slot((self.state().native_base() + n).saturating_sub(1))
    }

    /// The slot of the value on top of the stack.
    pub fn top_slot(&self) -> Slot {
        Slot(self.state().top.saturating_sub(1))
    }

    pub(crate) fn value_at(&self, slot: Slot) -> Option<Value> {
        let st = self.state();
        (slot.0 >= st.native_base() && slot.0 < st.top).then(|| st.stack[slot.0])
    }

    fn table_at(&mut self, slot: Slot) -> Result<crate::gc::Gc<Table>, Raised> {
        match self.value_at(slot) {
            Some(Value::Table(t)) => Ok(t),
            Some(_) => Err(self.error_plain("table expected in stack slot")),
            None => Err(self.error_plain("invalid stack slot")),
        }
    }

    /// A view of the value in `slot` (`nil` for a slot that no longer exists).
    pub fn get(&self, slot: Slot) -> ValueRef<'_> {
        ValueRef::new(self.value_at(slot).unwrap_or_default())
    }

    /// Drop the top `n` values (never below the function's first argument).
    pub fn pop(&mut self, n: usize) {
        let st = self.state_mut();
        st.top = st.top.saturating_sub(n).max(st.native_base());
    }

    /// Drop every value above `slot`, keeping `slot` itself.
    pub fn truncate_after(&mut self, slot: Slot) {
        let st = self.state_mut();
        if slot.0 >= st.native_base() && slot.0 < st.top {
            st.top = slot.0 + 1;
        }
    }

    // Inlined so that a pushed number is stored straight into its slot: a call would pass the
    // value through memory as two 8-byte stores read back as one 16-byte load, a failed store
    // forward on every push (15% of a `bit` loop's time).
    #[inline]
    fn push_value(&mut self, v: Value) -> Slot {
        let st = self.state_mut();
        st.push(v);
        Slot(st.top - 1)
    }

    /// Make room for `n` more values, failing with `stack overflow` past Lua's stack limit.
    /// Pushing a value checks this itself; call it before pushing very many.
    pub fn ensure_stack(&mut self, n: usize) -> Result<(), Raised> {
        self.state_mut().ensure_stack(n).map_err(|e| self.keep(e))
    }

    #[inline]
    pub fn push_nil(&mut self) -> Slot {
        self.push_value(Value::Nil)
    }

    #[inline]
    pub fn push_bool(&mut self, b: bool) -> Slot {
        self.push_value(Value::Boolean(b))
    }

    #[inline]
    pub fn push_number(&mut self, x: f64) -> Slot {
        self.push_value(Value::Number(x))
    }

    /// An integer, as the number Lua 5.1 holds it in (a double).
    #[inline]
    pub fn push_integer(&mut self, i: i64) -> Slot {
        self.push_value(Value::Number(i as f64))
    }

    /// A string with these bytes; its size is charged to the memory limit.
    pub fn push_bytes(&mut self, bytes: impl AsRef<[u8]>) -> Result<Slot, Raised> {
        let s = self.state_mut().try_new_str(bytes.as_ref());
        match s {
            Ok(s) => Ok(self.push_value(Value::String(s))),
            Err(e) => Err(self.keep(e)),
        }
    }

    /// Push another copy of the value in `slot` (`nil` for a slot that no longer exists).
    pub fn push_copy(&mut self, slot: Slot) -> Result<Slot, Raised> {
        let v = self.value_at(slot).unwrap_or_default();
        Ok(self.push_value(v))
    }

    /// A new empty table with room for `array` sequence entries and `hash` other entries.
    pub fn new_table(&mut self, array: usize, hash: usize) -> Result<Slot, Raised> {
        let estimate = array
            .saturating_add(hash.saturating_mul(2))
            .saturating_mul(std::mem::size_of::<Value>());
        self.reserve(estimate)?;
        let t = self.state_mut().new_table_with(array, hash);
        Ok(self.push_value(Value::Table(t)))
    }

    /// Push a new sequence holding `items` as strings (`{items[1], items[2], ...}`): one
    /// table made at its final size and filled in place, as hosts pass argument lists.
    pub fn push_sequence<B: AsRef<[u8]>>(&mut self, items: &[B]) -> Result<Slot, Raised> {
        let slot = self.new_table(items.len(), 0)?;
        let table = self.table_at(slot)?;
        for (i, item) in items.iter().enumerate() {
            // The table is on the stack, so the strings it holds stay alive; collection
            // only runs at safe points, never inside an allocation.
            let st = self.state_mut();
            let r = st
                .try_new_str(item.as_ref())
                .and_then(|s| st.raw_set_int(table, i as i64 + 1, Value::String(s)));
            r.map_err(|e| self.keep(e))?;
        }
        Ok(slot)
    }

    /// `t[key] = {items[1], items[2], ...}` (strings), written by the host: raw, and made
    /// even when `t` is read-only to scripts (how a host passes a script its arguments in a
    /// sandbox whose globals are read-only). Nothing is left on the stack.
    pub fn set_sequence_field<B: AsRef<[u8]>>(
        &mut self,
        t: Slot,
        key: Slot,
        items: &[B],
    ) -> Result<(), Raised> {
        self.write_sequence_field(t, key, items, false)
    }

    /// As [`Ctx::set_sequence_field`], except that when `t[key]` already holds a bare table of
    /// exactly `items.len()` array slots (no other keys, no metatable), that table is
    /// refilled in place instead of a new one being made: no allocation, no garbage.
    ///
    /// Only for a host that knows the program can reach the old table from nowhere but
    /// `t[key]` itself (a sandbox whose every other lasting table is read-only, say): the
    /// program cannot tell the refilled table from a new one then.
    pub fn refill_sequence_field<B: AsRef<[u8]>>(
        &mut self,
        t: Slot,
        key: Slot,
        items: &[B],
    ) -> Result<(), Raised> {
        self.write_sequence_field(t, key, items, true)
    }

    fn write_sequence_field<B: AsRef<[u8]>>(
        &mut self,
        t: Slot,
        key: Slot,
        items: &[B],
        refill: bool,
    ) -> Result<(), Raised> {
        let table = self.table_at(t)?;
        let key = self.value_at(key).unwrap_or_default();
        let fill = |st: &mut crate::vm::State, sequence| {
            items.iter().enumerate().try_for_each(|(i, item)| {
                let s = st.try_new_str(item.as_ref())?;
                st.raw_set_int(sequence, i as i64 + 1, Value::String(s))
            })
        };
        if refill {
            if let Value::Table(old) = table.get(&key) {
                if old.is_bare_array_of(items.len()) {
                    // Each item lands in an array slot the table has: nothing is allocated.
                    let st = self.state_mut();
                    return fill(st, old).map_err(|e| self.keep(e));
                }
            }
        }
        self.reserve(items.len().saturating_mul(std::mem::size_of::<Value>()))?;
        let st = self.state_mut();
        // The new table is reachable from nothing until it is stored, which is safe: a
        // collection runs only at safe points, never inside these allocations.
        let sequence = st.new_table_with(items.len(), 0);
        fill(st, sequence)
            .and_then(|()| st.host_set(table, key, Value::Table(sequence)))
            .map_err(|e| self.keep(e))
    }

    /// Pop a value and store it as `t[name]`, without metamethods.
    pub fn set_field(&mut self, t: Slot, name: &str) -> Result<(), Raised> {
        let table = self.table_at(t)?;
        let v = self.top_value();
        let st = self.state_mut();
        let key = st.try_new_string(name.as_bytes());
        let r = key.and_then(|k| st.raw_set(table, k, v));
        self.pop(1);
        r.map_err(|e| self.keep(e))
    }

    /// Pop a value and store it as `t[i]`, without metamethods.
    pub fn raw_set_index(&mut self, t: Slot, i: i64) -> Result<(), Raised> {
        let table = self.table_at(t)?;
        let v = self.top_value();
        let r = self.state_mut().raw_set_int(table, i, v);
        self.pop(1);
        r.map_err(|e| self.keep(e))
    }

    /// Pop a value and then a key, and store `t[key] = value`, without metamethods.
    pub fn raw_set(&mut self, t: Slot) -> Result<(), Raised> {
        let table = self.table_at(t)?;
        if self.stack_len() < 2 {
            return Err(self.error_plain("raw_set needs a key and a value on the stack"));
        }
        let v = self.top_value();
        self.pop(1);
        let k = self.top_value();
        self.pop(1);
        self.state_mut()
            .raw_set(table, k, v)
            .map_err(|e| self.keep(e))
    }

    /// Push `t[i]`, read without metamethods.
    pub fn push_index(&mut self, t: Slot, i: i64) -> Result<Slot, Raised> {
        let table = self.table_at(t)?;
        let v = table.get_int(i);
        Ok(self.push_value(v))
    }

    /// Push `t[name]`, read without metamethods.
    pub fn push_field(&mut self, t: Slot, name: &[u8]) -> Result<Slot, Raised> {
        let table = self.table_at(t)?;
        let v = self.state().get_field(table, name);
        Ok(self.push_value(v))
    }

    /// Give the table in `t` the metatable in `mt` (a table, or `nil` to remove it).
    pub fn set_metatable(&mut self, t: Slot, mt: Slot) -> Result<(), Raised> {
        let table = self.table_at(t)?;
        let meta = match self.value_at(mt) {
            Some(Value::Table(m)) => Some(m),
            Some(Value::Nil) => None,
            _ => return Err(self.error_plain("metatable must be a table or nil")),
        };
        table.borrow_mut().set_metatable(meta);
        Ok(())
    }

    /// Make the table in `t` read-only: writes to it raise `Attempt to modify a readonly
    /// table`, from Lua and from Rust alike.
    pub fn set_readonly(&mut self, t: Slot, readonly: bool) -> Result<(), Raised> {
        let table = self.table_at(t)?;
        table.borrow_mut().set_readonly(readonly);
        Ok(())
    }

    /// A new userdata holding `value` (no metatable): an object Lua code can pass around and
    /// compare but not look inside, such as a sentinel.
    pub fn new_userdata<T: crate::api::MaybeSend + 'static>(
        &mut self,
        value: T,
    ) -> Result<Slot, Raised> {
        self.reserve(std::mem::size_of::<T>().saturating_add(64))?;
        let u = crate::value::UserData::new(Box::new(value));
        let u = self.state_mut().heap_mut().alloc_userdata(u);
        Ok(self.push_value(Value::UserData(u)))
    }

    /// A view of the registry's field `name`, where hosts and libraries keep values Lua code
    /// cannot reach (set with [`Ctx::set_registry_field`]).
    pub fn registry_field(&self, name: &[u8]) -> ValueRef<'_> {
        let st = self.state();
        ValueRef::new(st.get_field(st.registry(), name))
    }

    /// Push the registry's field `name`.
    pub fn push_registry_field(&mut self, name: &[u8]) -> Slot {
        let v = self.registry_field(name).raw();
        self.push_value(v)
    }

    /// Pop a value and store it as the registry's field `name`.
    pub fn set_registry_field(&mut self, name: &str) -> Result<(), Raised> {
        let v = self.top_value();
        self.pop(1);
        let st = self.state_mut();
        let registry = st.registry();
        st.set_field(registry, name, v).map_err(|e| self.keep(e))
    }

    /// Push `registry[i]`. Integer keys of the registry belong to the host (as the references
    /// `luaL_ref` hands out do in C Lua): a value reached on every call can sit there and be
    /// found without interning a name.
    pub fn push_registry_index(&mut self, i: i64) -> Slot {
        let v = self.state().registry().get_int(i);
        self.push_value(v)
    }

    /// Pop a value and store it as `registry[i]` (see [`Ctx::push_registry_index`]).
    pub fn set_registry_index(&mut self, i: i64) -> Result<(), Raised> {
        let v = self.top_value();
        self.pop(1);
        let st = self.state_mut();
        let registry = st.registry();
        st.raw_set_int(registry, i, v).map_err(|e| self.keep(e))
    }

    /// Push the table of globals.
    pub fn push_globals(&mut self) -> Slot {
        let g = self.state().globals;
        self.push_value(Value::Table(g))
    }

    /// Make the table in `t` read-only, with every table reachable from it through keys,
    /// values and metatables (a sandbox freezing its globals). Tables already read-only are
    /// not entered again, so shared and cyclic structures are walked once.
    pub fn freeze(&mut self, t: Slot) -> Result<(), Raised> {
        let root = self.table_at(t)?;
        let mut pending = vec![root];
        while let Some(table) = pending.pop() {
            if table.is_readonly() {
                continue;
            }
            table.borrow_mut().set_readonly(true);
            let mut push_table = |v: &Value| {
                if let Value::Table(inner) = v {
                    if !inner.is_readonly() {
                        pending.push(*inner);
                    }
                }
            };
            table.for_each_entry(|k, v| {
                push_table(k);
                push_table(v);
            });
            if let Some(mt) = table.metatable() {
                push_table(&Value::Table(mt));
            }
        }
        Ok(())
    }

    /// Push the metatable of the value in `slot` (`nil` when it has none), as `getmetatable`
    /// without `__metatable`.
    pub fn push_metatable(&mut self, slot: Slot) -> Slot {
        let v = self.value_at(slot).unwrap_or_default();
        let mt = self.state().metatable_of(&v);
        self.push_value(mt.map_or(Value::Nil, Value::Table))
    }

    /// Push the global `name` (read without metamethods).
    pub fn push_global(&mut self, name: &str) -> Slot {
        let v = self.state_mut().get_global(name);
        self.push_value(v)
    }

    /// Pop a value and make it the global `name` (set without metamethods).
    pub fn set_global(&mut self, name: &str) -> Result<(), Raised> {
        let v = self.top_value();
        self.pop(1);
        self.state_mut()
            .set_global(name, v)
            .map_err(|e| self.keep(e))
    }

    fn top_value(&self) -> Value {
        let st = self.state();
        if st.top > st.native_base() {
            st.stack[st.top - 1]
        } else {
            Value::Nil
        }
    }

    // ---- calling Lua ---------------------------------------------------------------------

    /// The call's function and arguments, checked: the function's stack index.
    fn call_base(&mut self, nargs: usize) -> Result<usize, Raised> {
        if nargs >= self.stack_len() {
            return Err(self.error_plain("call needs a function and its arguments on the stack"));
        }
        Ok(self.state().top - nargs - 1)
    }

    /// Call the function below the top `nargs` values with them as arguments; they are replaced
    /// by `nresults` results (all of them for `None`). An error propagates: return it.
    pub fn call(&mut self, nargs: usize, nresults: Option<usize>) -> Result<(), Raised> {
        let func = self.call_base(nargs)?;
        let want = nresults.map_or(MULTRET, |n| n.min(i32::MAX as usize) as i32);
        self.state_mut()
            .call_at(func, nargs, want)
            .map_err(|e| self.keep(e))
    }

    /// As [`Ctx::call`], in protected mode: on an error the function and arguments are replaced
    /// by the error value and its kind is returned. `handler` is a message handler (as
    /// `xpcall`'s) run where the error is raised. An interrupt from a hook is returned too:
    /// the caller should let it propagate (with [`Ctx::reraise`]).
    pub fn pcall(
        &mut self,
        nargs: usize,
        nresults: Option<usize>,
        handler: Option<Slot>,
    ) -> Result<(), ErrorKind> {
        let func = match self.call_base(nargs) {
            Ok(f) => f,
            Err(r) => {
                let v = std::mem::take(&mut self.state_mut().raised);
                self.push_value(v);
                return Err(r.kind());
            }
        };
        let handler = handler.filter(|h| h.0 < func && self.value_at(*h).is_some());
        let want = nresults.map_or(MULTRET, |n| n.min(i32::MAX as usize) as i32);
        match self
            .state_mut()
            .pcall_at(func, nargs, want, handler.map(|h| h.0))
        {
            Ok(()) => Ok(()),
            Err(e) => {
                self.state_mut().errors_caught += 1;
                self.push_value(e.value);
                Err(e.kind)
            }
        }
    }

    /// Raise again, with its kind, an error [`Ctx::pcall`] caught: its value is on top.
    pub fn reraise(&mut self, kind: ErrorKind) -> Raised {
        let v = self.top_value();
        self.pop(1);
        self.keep(crate::vm::LuaError { kind, value: v })
    }
}

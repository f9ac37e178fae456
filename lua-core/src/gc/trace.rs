//! The mark phase: an explicit gray stack (no recursion, however deep the object graph) and
//! weak-table handling as in Lua 5.1 (weak keys and/or weak values; strings are never cleared).

use super::{Gc, GcObj};
use crate::value::{LuaStr, Table, UpState, Value};

pub(crate) struct Marker {
    gray: Vec<GcObj>,
    /// Tables with weak keys or values, with their mode, cleared after marking.
    weak: Vec<(Gc<Table>, bool, bool)>,
    /// The interned `"__mode"`, to read a metatable's mode without allocating.
    mode_key: Gc<LuaStr>,
}

impl Marker {
    /// A marker whose gray stack reuses `gray`'s buffer (see `Heap::take_gray_stack`).
    pub(crate) fn new(mode_key: Gc<LuaStr>, mut gray: Vec<GcObj>) -> Marker {
        gray.clear();
        Marker {
            gray,
            weak: Vec::new(),
            mode_key,
        }
    }

    /// The gray stack's buffer, empty, for the next collection.
    pub(crate) fn into_gray_stack(self) -> Vec<GcObj> {
        self.gray
    }

    pub(crate) fn mark_obj(&mut self, obj: GcObj) {
        if obj.is_marked() {
            return;
        }
        match obj {
            GcObj::Str(s) => s.header().marked.set(true),
            GcObj::Table(o) => {
                o.header().marked.set(true);
                self.gray.push(obj)
            }
            GcObj::Lua(o) => {
                o.header().marked.set(true);
                self.gray.push(obj)
            }
            GcObj::Native(o) => {
                o.header().marked.set(true);
                self.gray.push(obj)
            }
            GcObj::UpVal(o) => {
                o.header().marked.set(true);
                self.gray.push(obj)
            }
            GcObj::Proto(o) => {
                o.header().marked.set(true);
                self.gray.push(obj)
            }
            GcObj::UserData(o) => {
                o.header().marked.set(true);
                self.gray.push(obj)
            }
            GcObj::Thread(o) => {
                o.header().marked.set(true);
                self.gray.push(obj)
            }
        }
    }

    #[inline]
    pub(crate) fn mark_value(&mut self, v: &Value) {
        match *v {
            Value::String(s) => s.header().marked.set(true),
            Value::Table(t) => self.mark_obj(GcObj::Table(t)),
            Value::LuaFunction(f) => self.mark_obj(GcObj::Lua(f)),
            Value::NativeFunction(f) => self.mark_obj(GcObj::Native(f)),
            Value::UserData(u) => self.mark_obj(GcObj::UserData(u)),
            Value::Thread(t) => self.mark_obj(GcObj::Thread(t)),
            Value::Nil | Value::Boolean(_) | Value::Number(_) => {}
        }
    }

    pub(crate) fn mark_table(&mut self, t: Gc<Table>) {
        self.mark_obj(GcObj::Table(t));
    }

    /// Mark everything reachable from what has been marked so far.
    pub(crate) fn propagate(&mut self) {
        while let Some(obj) = self.gray.pop() {
            match obj {
                GcObj::Str(_) => {}
                GcObj::Table(t) => self.traverse_table(t),
                GcObj::Lua(c) => {
                    self.mark_obj(GcObj::Proto(c.proto));
                    self.mark_table(c.env());
                    for u in c.upvals.iter() {
                        self.mark_obj(GcObj::UpVal(*u));
                    }
                }
                GcObj::Native(c) => {
                    self.mark_table(c.env());
                    for v in c.upvalues.iter() {
                        self.mark_value(&v.get());
                    }
                }
                GcObj::UpVal(u) => {
                    // An open upvalue's value is a stack slot, marked with the stack.
                    if let UpState::Closed(v) = u.state {
                        self.mark_value(&v);
                    }
                }
                GcObj::Proto(p) => {
                    p.source.header().marked.set(true);
                    for k in p.constants.iter() {
                        self.mark_value(k);
                    }
                    for child in p.protos.iter() {
                        self.mark_obj(GcObj::Proto(*child));
                    }
                }
                GcObj::Thread(t) => {
                    let ctx = &t.ctx;
                    self.mark_table(ctx.globals);
                    for v in ctx.stack.iter().take(ctx.top) {
                        self.mark_value(v);
                    }
                    for f in ctx.frames.iter() {
                        if let Some(cl) = f.closure {
                            self.mark_obj(GcObj::Lua(cl));
                        }
                    }
                    for u in ctx.open_upvals.iter() {
                        self.mark_obj(GcObj::UpVal(*u));
                    }
                }
                GcObj::UserData(u) => {
                    if let Some(mt) = u.metatable {
                        self.mark_table(mt);
                    }
                    if let Some(env) = u.env {
                        self.mark_table(env);
                    }
                }
            }
        }
    }

    fn traverse_table(&mut self, t: Gc<Table>) {
        let (mut weak_keys, mut weak_values) = (false, false);
        if let Some(mt) = t.metatable() {
            self.mark_table(mt);
            if let Value::String(mode) = mt.get_str(self.mode_key) {
                weak_keys = mode.as_bytes().contains(&b'k');
                weak_values = mode.as_bytes().contains(&b'v');
            }
        }
        if weak_keys || weak_values {
            self.weak.push((t, weak_keys, weak_values));
        }
        t.for_each_entry(|k, v| {
            if !weak_keys {
                self.mark_value(k);
            }
            if !weak_values {
                self.mark_value(v);
            }
        });
    }

    /// After propagation: remove weak entries that refer to unmarked objects. Strings count as
    /// values, not objects: they are marked instead of cleared.
    pub(crate) fn clear_weak_tables(&mut self) {
        for (t, weak_keys, weak_values) in std::mem::take(&mut self.weak) {
            let is_cleared = |v: &Value, weak: bool| -> bool {
                if !weak {
                    return false;
                }
                match v {
                    Value::String(s) => {
                        s.header().marked.set(true);
                        false
                    }
                    Value::Table(o) => !o.header().marked.get(),
                    Value::LuaFunction(o) => !o.header().marked.get(),
                    Value::NativeFunction(o) => !o.header().marked.get(),
                    Value::UserData(o) => !o.header().marked.get(),
                    Value::Thread(o) => !o.header().marked.get(),
                    _ => false,
                }
            };
            // A weak value that is a userdata awaiting its finalizer is cleared too, though the
            // finalizer keeps it alive for now (Lua 5.1 does the same; weak keys are kept).
            let finalized = |v: &Value| matches!(v, Value::UserData(u) if u.finalized.get());
            t.borrow_mut().clear_entries(|k, v| {
                is_cleared(k, weak_keys)
                    || is_cleared(v, weak_values)
                    || (weak_values && finalized(v))
            });
        }
    }
}

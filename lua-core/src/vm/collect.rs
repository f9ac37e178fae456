//! Running a collection: the VM supplies the roots, the heap does the rest.

use super::{ErrorKind, LuaError, LuaResult, State};
use crate::gc::{GcObj, Marker};
use crate::value::Value;

impl State {
    /// A full mark-and-sweep collection.
    pub fn collect_garbage(&mut self) {
        let mut marker = Marker::new(self.tm_names[super::Tm::Mode as usize]);
        marker.mark_table(self.globals);
        marker.mark_value(&Value::Thread(self.main_thread));
        marker.mark_value(&Value::Thread(self.current_thread));
        marker.mark_table(self.registry);
        for mt in self.type_metatables.iter().flatten() {
            marker.mark_table(*mt);
        }
        for name in self.tm_names.iter() {
            marker.mark_value(&Value::String(*name));
        }
        for u in self.open_upvals.iter() {
            marker.mark_obj(GcObj::UpVal(*u));
        }
        for f in self.frames.iter() {
            if let Some(cl) = f.closure {
                marker.mark_obj(GcObj::Lua(cl));
            }
        }
        // The live part of the stack ends at `top`: the running frame's registers when Lua code
        // triggered the collection, or a native function's arguments and results. Slots above it
        // hold stale temporaries that must not keep objects alive, so they are cleared.
        let live = self.top.min(self.stack.len());
        for v in &self.stack[..live] {
            marker.mark_value(v);
        }
        for v in &mut self.stack[live..] {
            *v = Value::Nil;
        }
        marker.propagate();
        marker.clear_weak_tables();
        self.heap.close_upvalues_of_dead_threads();
        self.heap.sweep();
    }

    /// A safe point: collect if one is due; fail with "not enough memory" when the heap stays
    /// over its limit afterwards.
    pub(crate) fn gc_safe_point(&mut self) -> LuaResult<()> {
        if self.heap.is_stopped() {
            if self.heap.over_limit() {
                self.collect_garbage();
            }
        } else {
            self.collect_garbage();
        }
        if self.heap.over_limit() {
            return Err(self.memory_error());
        }
        Ok(())
    }

    /// The error of a failed allocation. Message handlers do not run for it, as in Lua 5.1.
    pub fn memory_error(&mut self) -> LuaError {
        let value = self.new_string(b"not enough memory");
        LuaError { kind: ErrorKind::Memory, value }
    }

    /// Check that a native function may allocate `bytes` more before it does.
    pub fn reserve_memory(&mut self, bytes: usize) -> LuaResult<()> {
        if self.heap.would_exceed(bytes) {
            return Err(self.memory_error());
        }
        Ok(())
    }

    /// Set (or remove, with `None`) the memory limit in bytes.
    pub fn set_memory_limit(&mut self, limit: Option<usize>) {
        self.heap.set_limit(limit);
    }

    /// Bytes in use by the heap.
    pub fn used_memory(&self) -> usize {
        self.heap.total_bytes()
    }
}

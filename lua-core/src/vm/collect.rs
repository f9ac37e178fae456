//! Running a collection: the VM supplies the roots, the heap does the rest.

use super::{ErrorKind, LuaError, LuaResult, State};
use crate::gc::{GcObj, Marker};
use crate::value::Value;

impl State {
    /// A full mark-and-sweep collection.
    pub fn collect_garbage(&mut self) {
        let gray = self.heap.take_gray_stack();
        let mut marker = Marker::new(self.tm_names[super::Tm::Mode as usize], gray);
        marker.mark_table(self.globals);
        marker.mark_value(&Value::Thread(self.main_thread));
        marker.mark_value(&Value::Thread(self.current_thread));
        marker.mark_table(self.registry);
        marker.mark_value(&self.raised);
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
        for u in self.pending_finalizers.iter() {
            marker.mark_obj(GcObj::UserData(*u));
        }
        marker.propagate();
        // Unreachable userdata with a `__gc` metamethod survive this cycle (with everything they
        // reach) and are finalized after it; they are freed by a later cycle.
        let mut doomed = Vec::new();
        for u in self.heap.unmarked_userdata() {
            if u.finalized.get() {
                continue;
            }
            if u.metatable
                .and_then(|mt| self.fast_tm(mt, super::Tm::Gc))
                .is_some()
            {
                u.finalized.set(true);
                marker.mark_obj(GcObj::UserData(u));
                doomed.push(u);
            }
        }
        if !doomed.is_empty() {
            marker.propagate();
            self.pending_finalizers.extend(doomed);
        }
        marker.clear_weak_tables();
        self.heap.return_gray_stack(marker.into_gray_stack());
        self.heap.close_upvalues_of_dead_threads();
        self.heap.sweep();
    }

    /// A safe point: collect if one is due and run the finalizers it scheduled; fail with "not
    /// enough memory" when the heap stays over its limit afterwards.
    pub(crate) fn gc_safe_point(&mut self) -> LuaResult<()> {
        if self.heap.is_stopped() {
            if self.heap.over_limit() {
                self.collect_garbage();
            }
        } else {
            self.collect_garbage();
        }
        self.run_finalizers()?;
        if self.heap.over_limit() {
            return Err(self.memory_error());
        }
        Ok(())
    }

    /// A full collection followed by the finalizers it scheduled (`collectgarbage("collect")`).
    pub fn full_gc(&mut self) -> LuaResult<()> {
        self.collect_garbage();
        self.run_finalizers()
    }

    /// Call `__gc` on each userdata scheduled for finalization, newest first. An error in a
    /// finalizer propagates, as in Lua 5.1, and leaves the rest scheduled.
    pub(crate) fn run_finalizers(&mut self) -> LuaResult<()> {
        if self.finalizers_blocked {
            return Ok(());
        }
        self.finalizers_blocked = true;
        let r = self.run_pending_finalizers();
        self.finalizers_blocked = false;
        r
    }

    fn run_pending_finalizers(&mut self) -> LuaResult<()> {
        while !self.pending_finalizers.is_empty() {
            let u = self.pending_finalizers.remove(0);
            let Some(gc) = u.metatable.and_then(|mt| self.fast_tm(mt, super::Tm::Gc)) else {
                continue;
            };
            let func = self.top;
            self.push(gc);
            self.push(Value::UserData(u));
            self.call_at(func, 1, 0)?;
            self.top = func;
        }
        Ok(())
    }

    /// Finalize every userdata that has a `__gc` metamethod, reachable or not, as closing a
    /// Lua 5.1 state does; errors in finalizers are ignored.
    pub fn close(&mut self) {
        for u in self.heap.all_userdata() {
            if !u.finalized.get()
                && u.metatable
                    .and_then(|mt| self.fast_tm(mt, super::Tm::Gc))
                    .is_some()
            {
                u.finalized.set(true);
                self.pending_finalizers.push(u);
            }
        }
        self.finalizers_blocked = false;
        while !self.pending_finalizers.is_empty() {
            let _ = self.run_finalizers();
        }
    }

    /// The error of a failed allocation. Message handlers do not run for it, as in Lua 5.1.
    pub fn memory_error(&mut self) -> LuaError {
        self.heap.memory_error_raised();
        let value = self.new_string(b"not enough memory");
        LuaError {
            kind: ErrorKind::Memory,
            value,
        }
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

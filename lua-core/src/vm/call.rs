//! Calls and returns: frame setup (fixed and variable arguments), result adjustment, calls from
//! Rust into Lua, protected calls, and upvalue closing.

use super::{
    CallInfo, ErrorKind, LuaResult, State, Tm, MAX_CALLS, MAX_RUST_CALLS, MULTRET, NATIVE_MIN_STACK,
};
use crate::bytecode::VARARG_NEEDSARG;
use crate::gc::Gc;
use crate::value::{LuaClosure, NativeKind, UpState, UpVal, Value};

/// What `precall` did.
pub(crate) enum Precall {
    /// A Lua frame was pushed; the dispatch loop must run it.
    Lua,
    /// A native function ran to completion; its results are in place.
    Native,
}

/// Slots kept past every Lua frame's registers, as Lua 5.1 keeps `EXTRA_STACK`: TFORLOOP
/// copies its control values to A+3..A+5 where verified code only promises A+3 is a register.
pub(crate) const EXTRA_STACK: usize = 3;

impl State {
    /// Prepare a call of the value at `func` with arguments up to `self.top`. A Lua function gets
    /// a new frame (not yet run); a native function runs now. Values that are not functions are
    /// called through their `__call` metamethod.
    #[inline]
    pub(crate) fn precall(&mut self, func: usize, nresults: i32) -> LuaResult<Precall> {
        let callee = match self.stack[func] {
            v @ (Value::LuaFunction(_) | Value::NativeFunction(_)) => v,
            other => self.call_metamethod_callee(func, other)?,
        };
        // Lua 5.1 counts an entry level below the first frame, so the running frame's index
        // there is `frames.len()`.
        if self.frames.len() >= self.frame_capacity - 1 {
            self.grow_frames()?;
        }
        match callee {
            Value::LuaFunction(cl) => {
                self.push_lua_frame(func, cl, nresults)?;
                if self.hook_mask & super::hook::MASK_CALL != 0 {
                    self.call_hook(super::HookEvent::Call)?;
                }
                Ok(Precall::Lua)
            }
            Value::NativeFunction(nf) => {
                self.ensure_stack(NATIVE_MIN_STACK)?;
                self.frames.push(CallInfo {
                    func,
                    base: func + 1,
                    top: self.top + NATIVE_MIN_STACK,
                    pc: 0,
                    nresults,
                    tailcalls: 0,
                    closure: None,
                    entry: false,
                });
                if self.hook_mask & super::hook::MASK_CALL != 0 {
                    self.call_hook(super::HookEvent::Call)?;
                }
                let n = match &nf.kind {
                    NativeKind::Builtin(f) => f(self)?,
                    NativeKind::Extension(f) => self.call_extension(*f)?,
                    // The closure object is rooted in the `func` slot for the whole call.
                    NativeKind::Boxed(f) => f(self)?,
                };
                let first = self.top - n.min(self.top);
                if self.hook_mask & super::hook::MASK_RET != 0 {
                    let fi = self.frames.len() - 1;
                    let saved_top = self.top;
                    self.return_hooks(fi)?;
                    self.top = saved_top;
                }
                self.poscall(first);
                if self.heap.should_collect() {
                    self.gc_safe_point()?;
                }
                Ok(Precall::Native)
            }
            _ => Err(self.rt_error("attempt to call a non-function")),
        }
    }

    /// The frame array is full: double it as Lua 5.1 does, which fails with `stack overflow`
    /// once past `MAX_CALLS`, and with "error in error handling" when already past it.
    #[cold]
    fn grow_frames(&mut self) -> LuaResult<()> {
        if self.frame_capacity > MAX_CALLS {
            return Err(self.error_in_handler());
        }
        self.frame_capacity *= 2;
        if self.frame_capacity > MAX_CALLS {
            return Err(self.rt_error("stack overflow"));
        }
        Ok(())
    }

    /// After a protected call caught an error: shrink the emulated frame array back to the
    /// limit if a stack overflow had grown it (`restore_stack_limit`).
    fn restore_frame_limit(&mut self) {
        if self.frame_capacity > MAX_CALLS && self.frames.len() + 1 < MAX_CALLS {
            self.frame_capacity = MAX_CALLS;
        }
    }

    /// Replace a non-function callee by its `__call` metamethod, shifting the arguments up.
    fn call_metamethod_callee(&mut self, func: usize, callee: Value) -> LuaResult<Value> {
        let tm = self.metamethod(&callee, Tm::Call);
        if !tm.is_function() {
            let reg = self.frame_register(func);
            return Err(self.type_error(&callee, reg, "call"));
        }
        self.ensure_stack(1)?;
        let mut i = self.top;
        while i > func {
            self.stack[i] = self.stack[i - 1];
            i -= 1;
        }
        self.top += 1;
        self.stack[func] = tm;
        Ok(tm)
    }

    /// The register of the running Lua frame that stack slot `idx` is, if it is one.
    pub(crate) fn frame_register(&self, idx: usize) -> Option<usize> {
        let f = self.frames.last()?;
        f.closure?;
        if idx >= f.base && idx < f.top {
            Some(idx - f.base)
        } else {
            None
        }
    }

    /// Push the frame of a call to `cl` (at stack index `func`, its arguments above it up to
    /// `top`); returns the new frame's base.
    #[inline(always)]
    pub(crate) fn push_lua_frame(
        &mut self,
        func: usize,
        cl: Gc<LuaClosure>,
        nresults: i32,
    ) -> LuaResult<usize> {
        let p = cl.proto;
        let max_stack = p.max_stack_size as usize;
        let base = if p.is_vararg == 0 {
            let base = func + 1;
            // Extra arguments are dropped; missing ones become nil with the rest of the frame.
            self.top = self.top.min(base + p.num_params as usize);
            base
        } else {
            self.ensure_stack(p.num_params as usize + 1)?;
            self.adjust_varargs(func, cl)?
        };
        let top = base + max_stack;
        if top + EXTRA_STACK > self.stack.len() {
            self.grow_stack_to(top + EXTRA_STACK)?;
        }
        // The registers above the arguments start as nil. (`from <= top` by construction and
        // `top` is within the stack now; `get_mut` checks that once instead of per bound.)
        let from = self.top.min(top);
        if let Some(slots) = self.stack.get_mut(from..top) {
            for slot in slots {
                *slot = Value::Nil;
            }
        }
        self.top = top;
        self.frames.push(CallInfo {
            func,
            base,
            top,
            pc: 0,
            nresults,
            tailcalls: 0,
            closure: Some(cl),
            entry: false,
        });
        Ok(base)
    }

    /// Grow the stack so that it has at least `len` slots.
    #[cold]
    fn grow_stack_to(&mut self, len: usize) -> LuaResult<()> {
        if len > super::MAX_STACK {
            return Err(self.rt_error("stack overflow"));
        }
        self.check_stack_memory(len)?;
        let new_len = len.max(self.stack.len() * 2).min(super::MAX_STACK.max(len));
        self.resize_stack(new_len);
        Ok(())
    }

    /// Move the fixed parameters above the actual arguments, leaving the extra arguments below
    /// the new base; build the 5.1-compatible `arg` table when the function asks for it.
    fn adjust_varargs(&mut self, func: usize, cl: Gc<LuaClosure>) -> LuaResult<usize> {
        let p = cl.proto;
        let num_fixed = p.num_params as usize;
        let mut actual = self.top - func - 1;
        while actual < num_fixed {
            self.push(Value::Nil);
            actual += 1;
        }
        let arg_table = if p.is_vararg & VARARG_NEEDSARG != 0 {
            let nvar = actual - num_fixed;
            let t = self.new_table_with(nvar, 1);
            for i in 0..nvar {
                let v = self.stack[self.top - nvar + i];
                self.raw_set_int(t, i as i64 + 1, v)?;
            }
            let n = self.new_string(b"n");
            self.raw_set(t, n, Value::Number(nvar as f64))?;
            Some(t)
        } else {
            None
        };
        let fixed = self.top - actual;
        let base = self.top;
        self.ensure_stack(num_fixed + 1 + p.max_stack_size as usize)?;
        for i in 0..num_fixed {
            let v = self.stack[fixed + i];
            self.stack[self.top] = v;
            self.top += 1;
            self.stack[fixed + i] = Value::Nil;
        }
        if let Some(t) = arg_table {
            self.stack[self.top] = Value::Table(t);
            self.top += 1;
        }
        Ok(base)
    }

    /// Pop the finished frame, moving its results (from `first` to `top`) to where the function
    /// was, adjusted to the number the caller wanted. Returns `true` when that number was fixed.
    pub(crate) fn poscall(&mut self, first: usize) -> bool {
        let Some(frame) = self.frames.pop() else {
            return false;
        };
        let mut res = frame.func;
        let wanted = frame.nresults;
        let mut src = first;
        if wanted == MULTRET {
            while src < self.top {
                self.stack[res] = Value::load(&self.stack[src]);
                res += 1;
                src += 1;
            }
        } else {
            let mut i = wanted;
            while i != 0 && src < self.top {
                self.stack[res] = Value::load(&self.stack[src]);
                res += 1;
                src += 1;
                i -= 1;
            }
            if res + i as usize > self.stack.len() {
                self.grow_stack(res + i as usize - self.top.min(res + i as usize));
            }
            while i > 0 {
                self.stack[res] = Value::Nil;
                res += 1;
                i -= 1;
            }
        }
        self.top = res;
        wanted != MULTRET
    }

    /// Call the function at stack index `func` with the arguments above it (up to `top`), from
    /// Rust. Results are left at `func..`, `nresults` of them (or all, for `MULTRET`), with `top`
    /// just past them.
    pub(crate) fn call_at(&mut self, func: usize, _nargs: usize, nresults: i32) -> LuaResult<()> {
        self.rust_calls += 1;
        if self.rust_calls >= MAX_RUST_CALLS {
            if self.rust_calls == MAX_RUST_CALLS {
                let e = self.rt_error("C stack overflow");
                self.rust_calls -= 1;
                return Err(e);
            } else if self.rust_calls >= MAX_RUST_CALLS + (MAX_RUST_CALLS >> 3) {
                let e = self.error_in_handler();
                self.rust_calls -= 1;
                return Err(e);
            }
        }
        let saved_frames = self.frames.len();
        let r = match self.precall(func, nresults) {
            Ok(Precall::Lua) => {
                if let Some(f) = self.frames.last_mut() {
                    f.entry = true;
                }
                self.execute()
            }
            Ok(Precall::Native) => Ok(()),
            Err(e) => Err(e),
        };
        self.rust_calls -= 1;
        if r.is_err() {
            // Unwind what this call pushed; the message handler has already run.
            self.close_upvalues(func);
            self.frames.truncate(saved_frames);
            self.top = func;
        }
        r
    }

    /// Call `f` with `args` from Rust and return its results.
    pub fn call_function(&mut self, f: Value, args: &[Value]) -> LuaResult<Vec<Value>> {
        let func = self.top;
        self.push(f);
        for a in args {
            self.push(*a);
        }
        self.call_at(func, args.len(), MULTRET)?;
        let results = self.stack[func..self.top].to_vec();
        self.top = func;
        Ok(results)
    }

    /// Call `f` with `args` from Rust and return its first result (nil if none), without
    /// allocating. The arguments are on the stack (so rooted) for the duration of the call.
    pub fn call1(&mut self, f: Value, args: &[Value]) -> LuaResult<Value> {
        let func = self.top;
        self.push(f);
        for a in args {
            self.push(*a);
        }
        self.call_at(func, args.len(), 1)?;
        let v = self.stack[func];
        self.top = func;
        Ok(v)
    }

    /// Call the function at `func` (arguments above it) in protected mode: an error unwinds the
    /// frames and upvalues it created and is returned instead of propagated. `handler`, a stack
    /// index, is the message handler (`xpcall`).
    pub(crate) fn pcall_at(
        &mut self,
        func: usize,
        nargs: usize,
        nresults: i32,
        handler: Option<usize>,
    ) -> Result<(), super::LuaError> {
        let saved_frames = self.frames.len();
        let saved_rust_calls = self.rust_calls;
        let saved_handler = std::mem::replace(&mut self.error_handler, handler);
        let r = self.call_at(func, nargs, nresults);
        self.error_handler = saved_handler;
        if let Err(e) = r {
            self.close_upvalues(func);
            self.frames.truncate(saved_frames);
            self.rust_calls = saved_rust_calls;
            self.top = func;
            self.restore_frame_limit();
            self.shrink_stack();
            if e.kind == ErrorKind::Memory {
                // Keep the message a fresh string: the heap may have failed mid-allocation.
                let v = self.new_string(b"not enough memory");
                return Err(super::LuaError {
                    kind: e.kind,
                    value: v,
                });
            }
            return Err(e);
        }
        Ok(())
    }

    /// After an error unwound deep calls, give back the stack memory far past what the
    /// remaining frames use (lua5.1's collector shrinks stacks the same way), so that a script
    /// that caught a `stack overflow` or a memory error is not left over its memory limit.
    fn shrink_stack(&mut self) {
        let in_use = self
            .frames
            .iter()
            .map(|f| f.top)
            .max()
            .unwrap_or(0)
            .max(self.top);
        let keep = (in_use + EXTRA_STACK + super::NATIVE_MIN_STACK) * 2;
        if self.stack.len() > 2 * keep.max(1024) {
            let before = self.stack.capacity();
            self.stack.truncate(keep.max(1024));
            self.stack.shrink_to_fit();
            let slot = std::mem::size_of::<Value>();
            self.heap
                .resized(before * slot, self.stack.capacity() * slot);
        }
    }

    // ---- upvalues ------------------------------------------------------------------------

    /// The open upvalue for stack slot `idx`, creating it if needed.
    pub(crate) fn find_upval(&mut self, idx: usize) -> Gc<UpVal> {
        // Open upvalues are sorted by slot; new ones are usually near the top.
        let mut pos = self.open_upvals.len();
        while pos > 0 {
            let u = self.open_upvals[pos - 1];
            match u.state {
                UpState::Open(i, _) if i == idx => return u,
                UpState::Open(i, _) if i < idx => break,
                _ => pos -= 1,
            }
        }
        let u = self
            .heap
            .alloc_upval(UpState::Open(idx, self.current_thread));
        self.open_upvals.insert(pos, u);
        u
    }

    /// Close every open upvalue at or above stack slot `level`.
    pub(crate) fn close_upvalues(&mut self, level: usize) {
        while let Some(&u) = self.open_upvals.last() {
            match u.state {
                UpState::Open(i, _) if i >= level => {
                    let v = self.stack[i];
                    u.borrow_mut().state = UpState::Closed(v);
                    self.open_upvals.pop();
                }
                _ => break,
            }
        }
    }

    /// An upvalue's value. An open upvalue of another (suspended) thread reads that thread's
    /// stack.
    #[inline(always)]
    pub(crate) fn upval_get(&self, u: Gc<UpVal>) -> Value {
        match u.state {
            UpState::Open(i, t) if t == self.current_thread => {
                debug_assert!(i < self.stack.len());
                // SAFETY: an open upvalue of the running thread names a slot of its stack,
                // which never shrinks while the upvalue is open.
                Value::load(unsafe { self.stack.get_unchecked(i) })
            }
            UpState::Open(i, t) => t.ctx.stack.get(i).copied().unwrap_or_default(),
            UpState::Closed(v) => v,
        }
    }

    #[inline(always)]
    pub(crate) fn upval_set(&mut self, u: Gc<UpVal>, v: Value) {
        match u.state {
            UpState::Open(i, t) if t == self.current_thread => self.stack[i] = v,
            UpState::Open(i, t) => {
                if let Some(slot) = t.borrow_mut().ctx.stack.get_mut(i) {
                    *slot = v;
                }
            }
            UpState::Closed(_) => u.borrow_mut().state = UpState::Closed(v),
        }
    }
}

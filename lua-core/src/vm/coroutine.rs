//! Coroutines: switching execution contexts, resume and yield.
//!
//! A resume runs the coroutine's frames in a nested dispatch loop on the coroutine's own stack;
//! a yield unwinds that loop back to the resume (as an error of kind `Yield`) while the
//! coroutine's frames stay in its saved context, to be continued by the next resume. Yielding is
//! refused when a Rust call (a metamethod, `pcall`, an iterator called from Rust) sits between
//! the resume and the yield, as in Lua 5.1.

use super::call::Precall;
use super::{
    ErrorKind, LuaError, LuaResult, State, INITIAL_FRAME_CAPACITY, MAX_RUST_CALLS, MULTRET,
};
use crate::gc::Gc;
use crate::value::{ExecContext, LuaThread, ThreadStatus, Value};

/// What a resume produced.
pub enum ResumeOutcome {
    /// The coroutine yielded these values, or returned them when it finished.
    Values(Vec<Value>),
    /// The coroutine failed (it is now dead), or could not be resumed: the error value.
    Error(Value),
}

impl State {
    /// Exchange the running context with the one saved in `thread`.
    fn swap_context(&mut self, thread: Gc<LuaThread>) {
        let t = &mut thread.borrow_mut().ctx;
        std::mem::swap(&mut self.globals, &mut t.globals);
        std::mem::swap(&mut self.stack, &mut t.stack);
        std::mem::swap(&mut self.top, &mut t.top);
        std::mem::swap(&mut self.frames, &mut t.frames);
        std::mem::swap(&mut self.open_upvals, &mut t.open_upvals);
        std::mem::swap(&mut self.error_handler, &mut t.error_handler);
        std::mem::swap(&mut self.frame_capacity, &mut t.frame_capacity);
        // `debug.sethook`'s count runs per coroutine, as in Lua 5.1; a host's count hook (a
        // budget, a periodic check) counts every instruction the state runs, so work spread
        // over many short coroutines cannot slip past it.
        if !self.hook.as_ref().is_some_and(|h| h.is_host) {
            std::mem::swap(&mut self.hook_countdown, &mut t.hook_countdown);
        }
    }

    /// Make `thread` the running thread, saving the current one's context.
    pub(super) fn switch_to(&mut self, thread: Gc<LuaThread>) {
        let current = self.current_thread;
        self.swap_context(current);
        self.swap_context(thread);
        self.current_thread = thread;
    }

    /// A new suspended coroutine that will run `f`.
    pub fn new_thread(&mut self, f: Value) -> Gc<LuaThread> {
        let mut ctx = ExecContext::new(self.globals, vec![Value::Nil; 32], INITIAL_FRAME_CAPACITY);
        ctx.stack[0] = f;
        ctx.top = 1;
        // A new thread starts a fresh count, as `lua_newthread` resets it.
        ctx.hook_countdown = self
            .hook
            .as_ref()
            .and_then(|h| h.mask.every_nth_instruction)
            .unwrap_or(0);
        self.heap.alloc_thread(LuaThread::new(ctx))
    }

    /// The running coroutine, or `None` on the main thread.
    pub fn running_thread(&self) -> Option<Gc<LuaThread>> {
        (self.current_thread != self.main_thread).then_some(self.current_thread)
    }

    /// Resume `co` with `args` (`coroutine.resume`).
    pub fn resume(&mut self, co: Gc<LuaThread>, args: &[Value]) -> LuaResult<ResumeOutcome> {
        if co.status != ThreadStatus::Suspended {
            let msg = format!("cannot resume {} coroutine", co.status.name());
            return Ok(ResumeOutcome::Error(self.new_string(msg.as_bytes())));
        }
        if self.rust_calls >= MAX_RUST_CALLS {
            // Lua 5.1's `resume_error` empties the stack frame it stands on: a coroutine that
            // never ran loses its function with it and is dead from then on; one suspended in
            // `yield` stays suspended.
            if !co.started {
                let c = co.borrow_mut();
                c.status = ThreadStatus::Dead;
                c.ctx.top = 0;
            }
            return Ok(ResumeOutcome::Error(self.new_string(b"C stack overflow")));
        }
        self.rust_calls += 1;
        let previous = self.current_thread;
        previous.borrow_mut().status = ThreadStatus::Normal;
        self.switch_to(co);
        {
            let c = co.borrow_mut();
            c.status = ThreadStatus::Running;
            c.base_rust_calls = self.rust_calls;
        }
        let r = self.run_resumed(co, args);
        let outcome = match r {
            Ok(()) => {
                // Finished: the results are on the coroutine's stack from slot 0.
                co.borrow_mut().status = ThreadStatus::Dead;
                let values = self.stack[..self.top].to_vec();
                self.top = 0;
                Ok(ResumeOutcome::Values(values))
            }
            Err(e) if e.kind == ErrorKind::Yield => {
                co.borrow_mut().status = ThreadStatus::Suspended;
                let first = self.frames.last().map_or(0, |f| f.base);
                let values = self.stack[first..self.top].to_vec();
                self.top = first;
                Ok(ResumeOutcome::Values(values))
            }
            Err(e) => {
                co.borrow_mut().status = ThreadStatus::Dead;
                // The dead coroutine keeps its frames and stack, as in Lua 5.1, so that
                // `debug.traceback(co)` can still show where it failed.
                self.close_upvalues(0);
                if e.kind == ErrorKind::Interrupt {
                    Err(e)
                } else {
                    Ok(ResumeOutcome::Error(e.value))
                }
            }
        };
        self.switch_to(previous);
        previous.borrow_mut().status = ThreadStatus::Running;
        self.rust_calls -= 1;
        outcome
    }

    /// Start or continue the running coroutine with `args` until it returns or yields.
    fn run_resumed(&mut self, co: Gc<LuaThread>, args: &[Value]) -> LuaResult<()> {
        self.ensure_stack(args.len())?;
        if !co.started {
            co.borrow_mut().started = true;
            for a in args {
                self.push(*a);
            }
            match self.precall(0, MULTRET)? {
                Precall::Lua => {
                    if let Some(f) = self.frames.last_mut() {
                        f.entry = true;
                    }
                    self.execute()
                }
                Precall::Native => Ok(()),
            }
        } else {
            // The coroutine stopped inside `yield`: the resume arguments become that call's
            // results, and the Lua frame that called it continues.
            let first = self.top;
            for a in args {
                self.push(*a);
            }
            if self.poscall(first) {
                if let Some(f) = self.frames.last() {
                    self.top = f.top;
                }
            }
            if self.frames.is_empty() {
                return Ok(());
            }
            self.execute()
        }
    }

    /// Suspend the running coroutine, handing it the values above `first` (`coroutine.yield`,
    /// called as a native function: returning its result ends the native call).
    pub(crate) fn yield_values(&mut self) -> LuaError {
        // The main thread is never resumed, so a yield there always has a Rust call below it.
        if self.current_thread == self.main_thread
            || self.rust_calls > self.current_thread.base_rust_calls
        {
            return self.rt_error("attempt to yield across metamethod/C-call boundary");
        }
        LuaError {
            kind: ErrorKind::Yield,
            value: Value::Nil,
        }
    }
}

//! The extension surface: how native libraries (the crate's users' own, and the Redis
//! runtime's `cjson`, `cmsgpack`, `struct`, `bit` and `redis` tables) are written.
//!
//! A native function is a plain `fn(&mut Ctx) -> Result<usize, Raised>`. It reads its arguments
//! from the [`Ctx`], pushes its results onto the Lua stack and returns how many it pushed. It is
//! called exactly as the standard library's own functions are, with no protected call, no
//! handle bookkeeping and no allocation, so it costs what a built-in costs.
//!
//! # Why handles cannot outlive a collection
//! Values are reached in two ways, and neither lets a reference to a Lua object survive a point
//! where the collector could free it:
//! - **Views** ([`ValueRef`], [`TableRef`], [`StrRef`]) borrow the `Ctx` immutably. While one
//!   exists, nothing that needs `&mut Ctx` can happen: no Lua code runs, nothing is allocated,
//!   no table changes, so no collection can run and everything the view reaches stays alive.
//!   They are for reading: arguments, tables to encode, strings to parse.
//! - **Stack slots** ([`Slot`]) name positions on the Lua stack, which the collector treats as
//!   roots. They are plain indices, checked on every use, for values that must live across
//!   calls into Lua or allocations: tables being built, results.
//!
//! Errors are raised by returning the [`Raised`] token that [`Ctx::error`] and friends give; the
//! error value itself waits in the state (rooted) until the function returns.
//!
//! ```
//! use lua_core::api::Lua;
//! use lua_core::native::{Ctx, Raised};
//!
//! /// `sum(...)`: the sum of its number arguments.
//! fn sum(ctx: &mut Ctx) -> Result<usize, Raised> {
//!     let mut total = 0.0;
//!     for n in 1..=ctx.arg_count() {
//!         total += ctx.check_number(n)?;
//!     }
//!     ctx.push_number(total);
//!     Ok(1)
//! }
//!
//! let lua = Lua::new();
//! lua.register_library("util", &[("sum", sum)]).unwrap();
//! assert_eq!(lua.load("return util.sum(1, 2, '3')").eval::<f64>().unwrap(), 6.0);
//! let err = lua.load("return util.sum(1, {})").eval::<f64>().unwrap_err();
//! assert!(err.to_string().contains("bad argument #2 to 'sum' (number expected, got table)"));
//! ```

mod args;
mod stack;
mod view;

pub use stack::Slot;
pub use view::{Opaque, StrRef, TableIter, TableRef, ValueRef};

pub use crate::value::ExtensionFn as NativeFunction;
pub use crate::value::NullPointer;
pub use crate::vm::ErrorKind;

use crate::value::Value;
use crate::vm::{LuaError, LuaResult, State};

/// The state as a native function sees it. Only reachable as `&mut Ctx` handed to a native
/// function (or to [`crate::api::Lua::enter`]).
#[repr(transparent)]
pub struct Ctx {
    state: State,
}

/// Proof that an error was raised: return it as `Err` from the native function. The error
/// value itself is kept (as a root) in the state until then.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use = "a raised error does nothing until it is returned from the native function"]
pub struct Raised {
    kind: ErrorKind,
}

impl Raised {
    /// What kind of error it is (runtime, memory, interrupt, ...).
    pub fn kind(self) -> ErrorKind {
        self.kind
    }
}

impl Ctx {
    /// The context over `state`.
    pub(crate) fn from_state(state: &mut State) -> &mut Ctx {
        // SAFETY: `Ctx` is `repr(transparent)` over `State`: same layout, and the returned
        // reference reborrows `state` exclusively for its whole lifetime.
        unsafe { &mut *(state as *mut State as *mut Ctx) }
    }

    pub(crate) fn state(&self) -> &State {
        &self.state
    }

    pub(crate) fn state_mut(&mut self) -> &mut State {
        &mut self.state
    }

    /// Keep `e`'s value until the native function returns, and give the token for it.
    pub(crate) fn keep(&mut self, e: LuaError) -> Raised {
        self.state.raised = e.value;
        Raised { kind: e.kind }
    }

    // ---- raising errors ------------------------------------------------------------------

    /// A runtime error with the caller's position in front of `msg` (`luaL_error`):
    /// `script.lua:3: msg`.
    pub fn error(&mut self, msg: impl AsRef<[u8]>) -> Raised {
        let e = self.state.native_error_bytes(msg.as_ref());
        self.keep(e)
    }

    /// A runtime error whose value is exactly `msg`, with no position.
    pub fn error_plain(&mut self, msg: impl AsRef<[u8]>) -> Raised {
        let e = self.state.plain_error(msg.as_ref());
        self.keep(e)
    }

    /// Raise the value in `slot` (of any type, as Lua's `error(v, 0)` does).
    pub fn raise(&mut self, slot: Slot) -> Raised {
        let v = self.value_at(slot).unwrap_or_default();
        let e = self.state.throw(v);
        self.keep(e)
    }

    /// `not enough memory`, the error a failed allocation raises.
    pub fn memory_error(&mut self) -> Raised {
        let e = self.state.memory_error();
        self.keep(e)
    }

    /// Fail with `not enough memory` unless `bytes` more fit under the memory limit: call it
    /// before building anything large outside the Lua heap.
    pub fn reserve(&mut self, bytes: usize) -> Result<(), Raised> {
        self.state.reserve_memory(bytes).map_err(|e| self.keep(e))
    }

    // ---- host data -----------------------------------------------------------------------

    /// The host's value of type `T` attached to the state (see
    /// [`crate::api::Lua::set_app_data`]).
    pub fn app_data<T: 'static>(&self) -> Option<&T> {
        self.state.app_data_ref::<T>()
    }

    /// As [`Ctx::app_data`], mutable.
    pub fn app_data_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.state.app_data_mut::<T>()
    }

    /// Bytes the Lua heap holds now.
    pub fn used_memory(&self) -> usize {
        self.state.used_memory()
    }

    // ---- libraries -----------------------------------------------------------------------

    /// A table of native functions, set as the global `name` (replacing any earlier value),
    /// and left on the stack; its slot is returned.
    pub fn register_library(
        &mut self,
        name: &str,
        functions: &[(&'static str, NativeFunction)],
    ) -> Result<Slot, Raised> {
        let t = self.new_table(0, functions.len())?;
        for &(fname, f) in functions {
            self.push_function(fname, f);
            self.set_field(t, fname)?;
        }
        self.push_copy(t)?;
        self.set_global(name)?;
        Ok(t)
    }

    /// Push a native function named `name` (the name argument errors give).
    pub fn push_function(&mut self, name: &'static str, f: NativeFunction) {
        let v = self.state.new_extension(name, f);
        self.state.push(v);
    }

    /// Push a native function whose upvalues are copies of the values in `upvalues`
    /// (`lua_pushcclosure`): each call of it reads them with [`Ctx::upvalue`]. This is how a
    /// library gives every function of one module table the same private state (lua-cjson's
    /// configuration), distinct from another instance's.
    pub fn push_closure(
        &mut self,
        name: &'static str,
        f: NativeFunction,
        upvalues: &[Slot],
    ) -> Result<Slot, Raised> {
        let mut values = Vec::with_capacity(upvalues.len());
        for &slot in upvalues {
            match self.value_at(slot) {
                Some(v) => values.push(std::cell::Cell::new(v)),
                None => return Err(self.error_plain("invalid stack slot")),
            }
        }
        // The values stay on the stack (rooted) while the closure is allocated.
        let c = crate::value::NativeClosure {
            kind: crate::value::NativeKind::Extension(f),
            name,
            upvalues: values.into_boxed_slice(),
            env: std::cell::Cell::new(self.state.globals),
        };
        let v = Value::NativeFunction(self.state.heap.alloc_native(c));
        self.state.push(v);
        Ok(self.top_slot())
    }

    /// A view of the running function's upvalue `n` (1-based, as `lua_upvalueindex(n)`);
    /// `nil` when it has no such upvalue.
    pub fn upvalue(&self, n: usize) -> ValueRef<'_> {
        match n.checked_sub(1) {
            Some(i) => ValueRef::new(self.state.native_upvalue(i)),
            None => ValueRef::Nil,
        }
    }
}

impl State {
    /// Call an extension function in the running native frame and turn its outcome into the
    /// VM's: results are the top `n` values (never more than the frame holds).
    #[inline]
    pub(crate) fn call_extension(&mut self, f: NativeFunction) -> LuaResult<usize> {
        let base = self.native_base();
        match f(Ctx::from_state(self)) {
            Ok(n) => Ok(n.min(self.top.saturating_sub(base))),
            Err(r) => Err(LuaError {
                kind: r.kind,
                value: std::mem::take(&mut self.raised),
            }),
        }
    }

    /// A native function value running an extension function.
    pub(crate) fn new_extension(&mut self, name: &'static str, f: NativeFunction) -> Value {
        let c = crate::value::NativeClosure {
            kind: crate::value::NativeKind::Extension(f),
            name,
            upvalues: Box::new([]),
            env: std::cell::Cell::new(self.globals),
        };
        Value::NativeFunction(self.heap.alloc_native(c))
    }
}

#[cfg(test)]
mod tests;

//! [`Thread`] handles: coroutines driven from Rust.

use super::context::Slot;
use super::error::{Error, Result};
use super::multi::{FromLuaMulti, IntoLuaMulti, MultiValue};
use super::{Lua, ThreadStatus, Value};
use crate::gc::Gc;
use crate::value::{LuaThread, Value as RawValue};
use crate::vm::{ErrorKind, LuaError, ResumeOutcome};
use std::rc::Rc;

/// A Lua coroutine, kept alive by this handle.
///
/// ```
/// use lua_core::api::{Function, Lua, ThreadStatus};
///
/// let lua = Lua::new();
/// let f: Function = lua.load("return function(a) local b = coroutine.yield(a + 1) return b * 2 end").eval().unwrap();
/// let co = lua.create_thread(f).unwrap();
/// assert_eq!(co.resume::<_, i64>(1).unwrap(), 2);
/// assert_eq!(co.status().unwrap(), ThreadStatus::Suspended);
/// assert_eq!(co.resume::<_, i64>(10).unwrap(), 20);
/// assert_eq!(co.status().unwrap(), ThreadStatus::Dead);
/// assert!(co.resume::<_, ()>(()).is_err());
/// ```
#[derive(Clone)]
pub struct Thread(pub(crate) Rc<Slot>);

impl Thread {
    fn thread(&self, inner: &super::context::Inner) -> Result<Gc<LuaThread>> {
        match self.0.raw_in(inner)? {
            RawValue::Thread(t) => Ok(t),
            _ => Err(Error::InvalidHandle),
        }
    }

    /// Start or continue the coroutine with `args` (`coroutine.resume`): the values it yields
    /// or returns. An error inside it comes back as [`Error::RuntimeError`] with the
    /// coroutine's own traceback, and leaves it dead; resuming a dead coroutine is an error
    /// too (`cannot resume dead coroutine`).
    pub fn resume<A: IntoLuaMulti, R: FromLuaMulti>(&self, args: A) -> Result<R> {
        let lua = Lua {
            inner: self.0.state()?,
        };
        let args = args.into_lua_multi(&lua)?;
        let inner = &lua.inner;
        let results = inner.with_state(|st| {
            let co = self.thread(inner)?;
            let raw_args = args
                .iter()
                .map(|v| v.to_raw(inner))
                .collect::<Result<Vec<_>>>()?;
            match st.resume(co, &raw_args) {
                Ok(ResumeOutcome::Values(values)) => values
                    .into_iter()
                    .map(|v| Value::from_raw(st, inner, v))
                    .collect::<Result<MultiValue>>(),
                Ok(ResumeOutcome::Error(value)) => {
                    // The dead coroutine keeps its frames where the error was raised (as in
                    // 5.1): its traceback is what `debug.traceback(co)` would give.
                    let traceback = st.with_thread(co, |s| s.traceback_from(0));
                    Err(inner.error_from_lua(
                        st,
                        LuaError {
                            kind: ErrorKind::Runtime,
                            value,
                        },
                        String::from_utf8_lossy(&traceback).into_owned(),
                    ))
                }
                Err(e) => Err(inner.error_from_lua(st, e, String::new())),
            }
        })?;
        R::from_lua_multi(results, &lua)
    }

    /// The coroutine's status (`coroutine.status`).
    pub fn status(&self) -> Result<ThreadStatus> {
        let inner = self.0.state()?;
        inner.with_state(|_| Ok(self.thread(&inner)?.status()))
    }
}

impl PartialEq for Thread {
    fn eq(&self, other: &Thread) -> bool {
        self.0.value.raw_equal(&other.0.value)
    }
}

impl std::fmt::Debug for Thread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::value::fmt_handle(f, &self.0.value)
    }
}

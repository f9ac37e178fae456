//! [`Function`] handles, and Rust closures turned into Lua functions.

use super::context::{Inner, Slot};
use super::error::Result;
use super::multi::{FromLuaMulti, IntoLuaMulti, MultiValue};
use super::{Lua, Value};
use crate::value::BoxedNativeFn;
use crate::vm::{LuaError, LuaResult, State};
use std::rc::Rc;

/// A Lua function (written in Lua or in Rust), kept alive by this handle.
///
/// ```
/// use lua_core::api::{Function, Lua};
///
/// let lua = Lua::new();
/// let f: Function = lua.load("return function(a, b) return a .. b, #a end").eval().unwrap();
/// let (s, n): (String, i64) = f.call(("ab", "cd")).unwrap();
/// assert_eq!((s.as_str(), n), ("abcd", 2));
/// ```
#[derive(Clone)]
pub struct Function(pub(crate) Rc<Slot>);

impl Function {
    /// Call the function in protected mode. An error it raises comes back as
    /// [`Error::RuntimeError`](super::Error::RuntimeError) (or the kind that fits).
    pub fn call<A: IntoLuaMulti, R: FromLuaMulti>(&self, args: A) -> Result<R> {
        let lua = Lua {
            inner: self.0.state()?,
        };
        let args = args.into_lua_multi(&lua)?;
        let results = lua.call_raw(&self.0, args)?;
        R::from_lua_multi(results, &lua)
    }
}

impl PartialEq for Function {
    fn eq(&self, other: &Function) -> bool {
        self.0.value.raw_equal(&other.0.value)
    }
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        super::value::fmt_handle(f, &self.0.value)
    }
}

/// A Rust callback on converted values: arguments in, results out.
pub(crate) type Callback = Rc<dyn Fn(&Lua, MultiValue) -> Result<MultiValue>>;

/// A Lua function running `callback`.
pub(crate) fn create_callback(lua: &Lua, callback: Callback) -> Result<Function> {
    let native = native_callback(&lua.inner, callback);
    let inner = &lua.inner;
    inner.with_state(|st| {
        let f = st.new_native_closure("?", native);
        match Value::from_raw(st, inner, f)? {
            Value::Function(f) => Ok(f),
            _ => Err(super::Error::InvalidHandle),
        }
    })
}

/// The native function the VM calls for a Rust callback: it gives the arguments handles, runs
/// the callback with the state lent to it, and pushes the results or raises its error.
fn native_callback(inner: &Inner, callback: Callback) -> BoxedNativeFn {
    let weak = inner.weak();
    Rc::new(move |state: &mut State| -> LuaResult<usize> {
        let Some(inner) = weak.upgrade() else {
            return Err(state.plain_error(b"the Lua state has been closed"));
        };
        let mut args = MultiValue::new();
        for i in 1..=state.arg_count() {
            let raw = state.arg(i);
            match Value::from_raw(state, &inner, raw) {
                Ok(v) => args.push_back(v),
                Err(e) => return Err(inner.raise(state, e)),
            }
        }
        let lua = Lua {
            inner: inner.clone(),
        };
        let results = inner.run_user_code(state, || callback(&lua, args))?;
        push_results(state, &inner, results)
    })
}

/// Push a callback's results as the native function's return values.
fn push_results(
    state: &mut State,
    inner: &Inner,
    results: MultiValue,
) -> std::result::Result<usize, LuaError> {
    state.ensure_stack(results.len())?;
    for v in results.iter() {
        match v.to_raw(inner) {
            Ok(raw) => state.push(raw),
            Err(e) => return Err(inner.raise(state, e)),
        }
    }
    Ok(results.len())
}

//! [`Function`] handles, and Rust closures turned into Lua functions.

use super::context::{Inner, Slot};
use super::convert::Plain;
use super::error::Result;
use super::multi::{FromLuaMulti, IntoLuaMulti, MultiValue, PlainList};
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
        let mut plain = PlainList::new();
        let results = if args.push_plain(&mut plain) {
            match self.call_plain::<R>(&lua.inner, &plain)? {
                Converted::Done(r) => return Ok(r),
                Converted::Values(values) => values,
            }
        } else {
            drop(plain);
            let args = args.into_lua_multi(&lua)?;
            lua.call_raw(&self.0, args)?
        };
        R::from_lua_multi(results, &lua)
    }

    /// The call with plain arguments (no handles made for them); the results converted from
    /// plain data when they all can be, else given handles for the general conversion.
    fn call_plain<R: FromLuaMulti>(
        &self,
        inner: &Inner,
        args: &[Plain<'_>],
    ) -> Result<Converted<R>> {
        inner.with_state(|st| {
            let f = self.0.raw_in(inner)?;
            inner.pcall_with(
                st,
                f,
                args.len(),
                |st| {
                    for &a in args {
                        let raw = Value::raw_of_plain(st, a)?;
                        st.push(raw);
                    }
                    Ok(())
                },
                |st, results| {
                    let mut plain = PlainList::new();
                    plain.extend(st.stack[results.clone()].iter().map(Value::plain_of));
                    if let Some(r) = R::from_plain_multi(&plain) {
                        return Ok(Converted::Done(r));
                    }
                    drop(plain);
                    results
                        .map(|i| Value::from_raw(st, inner, st.stack[i]))
                        .collect::<Result<MultiValue>>()
                        .map(Converted::Values)
                },
            )
        })
    }
}

/// Results converted on the fast path, or given handles for the general one.
enum Converted<R> {
    Done(R),
    Values(MultiValue),
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
    native_function(lua, native_callback(&lua.inner, callback))
}

/// A Lua function running the native function `native`.
pub(crate) fn native_function(lua: &Lua, native: BoxedNativeFn) -> Result<Function> {
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
        let args = argument_handles(state, &inner)?;
        let lua = Lua {
            inner: inner.clone(),
        };
        let results = inner.run_user_code(state, || callback(&lua, args))?;
        push_results(state, &inner, results)
    })
}

/// The native function the VM calls for `f`, made by [`Lua::create_function`]: plain
/// arguments (numbers, strings, booleans, nil) convert straight from the stack and plain
/// results go straight onto it, with no handle and no list in between; anything else takes
/// the general path of [`native_callback`].
pub(crate) fn typed_callback<A, R, F>(inner: &Inner, f: F) -> BoxedNativeFn
where
    A: FromLuaMulti,
    R: IntoLuaMulti,
    F: Fn(&Lua, A) -> Result<R> + 'static,
{
    let weak = inner.weak();
    Rc::new(move |state: &mut State| -> LuaResult<usize> {
        let Some(inner) = weak.upgrade() else {
            return Err(state.plain_error(b"the Lua state has been closed"));
        };
        let fast = {
            let mut plain = PlainList::new();
            let args = &state.stack[state.native_base()..state.top];
            plain.extend(args.iter().map(Value::plain_of));
            A::from_plain_multi(&plain)
        };
        // The general path's arguments get their handles here, where the state is at hand.
        let args = match fast {
            Some(args) => Ok(args),
            None => Err(argument_handles(state, &inner)?),
        };
        let lua = Lua {
            inner: inner.clone(),
        };
        let results = inner.run_user_code(state, || {
            let args = match args {
                Ok(args) => args,
                Err(values) => A::from_lua_args(values, 1, &lua)?,
            };
            f(&lua, args)
        })?;
        let mut plain = PlainList::new();
        if results.push_plain(&mut plain) {
            state.ensure_stack(plain.len())?;
            for &p in &plain {
                match Value::raw_of_plain(state, p) {
                    Ok(raw) => state.push(raw),
                    Err(e) => return Err(inner.raise(state, e)),
                }
            }
            return Ok(plain.len());
        }
        drop(plain);
        let values = inner.run_user_code(state, || results.into_lua_multi(&lua))?;
        push_results(state, &inner, values)
    })
}

/// The running native function's arguments, each given a handle (an error is raised in Lua).
fn argument_handles(state: &mut State, inner: &Inner) -> std::result::Result<MultiValue, LuaError> {
    let mut args = MultiValue::new();
    for i in 1..=state.arg_count() {
        let raw = state.arg(i);
        match Value::from_raw(state, inner, raw) {
            Ok(v) => args.push_back(v),
            Err(e) => return Err(inner.raise(state, e)),
        }
    }
    Ok(args)
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

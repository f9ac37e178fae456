//! [`Lua`]: one interpreter, the entry point of the embedding API.

use super::context::{lossy, quietly, Inner};
use super::convert::{FromLua, IntoLua};
use super::error::{Error, Result};
use super::function::{native_function, typed_callback};
use super::multi::{FromLuaMulti, IntoLuaMulti, MultiValue};
use super::{Chunk, Function, LuaString, MaybeSend, RegistryKey, Table, Thread, Value};
use crate::stdlib::{open_library, Library};
use crate::value::{StringHash, Value as RawValue};
use crate::vm::{HookEvent, HookFn, HookMask, State};
use std::rc::Rc;

/// The libraries [`Lua::new`] opens: none of them reaches the file system, the process or the
/// debug interface.
const SAFE_LIBRARIES: &[Library] = &[
    Library::Base,
    Library::Coroutine,
    Library::Table,
    Library::String,
    Library::Math,
];

/// The base library without `loadfile` and `dofile`, for [`Lua::new`].
const SAFE_BASE: &[&str] = &[
    "_G",
    "_VERSION",
    "assert",
    "collectgarbage",
    "error",
    "gcinfo",
    "getfenv",
    "getmetatable",
    "ipairs",
    "load",
    "loadstring",
    "newproxy",
    "next",
    "pairs",
    "pcall",
    "print",
    "rawequal",
    "rawget",
    "rawset",
    "select",
    "setfenv",
    "setmetatable",
    "tonumber",
    "tostring",
    "type",
    "unpack",
    "xpcall",
];

/// A Lua interpreter. Cloning gives another reference to the same interpreter; it is closed
/// when the last clone is dropped.
///
/// Rust closures registered with it (functions, hooks) receive a `&Lua` to use; capturing a
/// clone of the `Lua` in such a closure instead keeps the interpreter alive forever.
///
/// ```
/// use lua_core::api::Lua;
///
/// let lua = Lua::new();
/// lua.globals().set("greeting", "hello").unwrap();
/// let s: String = lua.load("return greeting .. ', world'").eval().unwrap();
/// assert_eq!(s, "hello, world");
/// ```
#[derive(Clone)]
pub struct Lua {
    pub(crate) inner: Rc<Inner>,
}

/// Options for [`Lua::new_with`]: per-library allow-lists and a memory limit.
///
/// ```
/// use lua_core::api::{Library, Lua, LuaOptions};
///
/// let options = LuaOptions::new().allow(Library::Base, &["print", "pairs", "type"]);
/// let lua = Lua::new_with(&[Library::Base, Library::String], options).unwrap();
/// assert!(lua.load("return loadstring == nil and string.rep ~= nil").eval::<bool>().unwrap());
/// ```
#[derive(Clone, Debug, Default)]
pub struct LuaOptions {
    allowed: Vec<(Library, Vec<String>)>,
    memory_limit: Option<usize>,
    binary_as_text: bool,
    string_hash: StringHash,
}

impl LuaOptions {
    /// No restrictions.
    pub fn new() -> LuaOptions {
        LuaOptions::default()
    }

    /// Open only the functions `names` of `library` (for the base library, names also cover
    /// `_G` and `_VERSION`).
    pub fn allow(mut self, library: Library, names: &[&str]) -> LuaOptions {
        self.allowed.retain(|(l, _)| *l != library);
        self.allowed
            .push((library, names.iter().map(|n| n.to_string()).collect()));
        self
    }

    /// Start with this memory limit, in bytes.
    pub fn memory_limit(mut self, bytes: usize) -> LuaOptions {
        self.memory_limit = Some(bytes);
        self
    }

    /// Read a chunk starting with the binary signature as source text (it then fails to
    /// parse), as Redis's Lua, which has no binary loader, does; by default such a chunk is
    /// refused as a precompiled chunk.
    pub fn binary_chunks_as_text(mut self) -> LuaOptions {
        self.binary_as_text = true;
        self
    }

    /// Hash strings with `hash` instead of Lua 5.1.5's function. The hash decides the order in
    /// which `pairs` and `next` visit a table's string keys, so an embedder that stands in for
    /// another Lua (Redis's hashes every byte of a string, Valkey's uses MurmurHash3) takes
    /// its function to visit keys in that Lua's order.
    ///
    /// ```
    /// use lua_core::api::{Library, Lua, LuaOptions, StringHash};
    ///
    /// let lua = Lua::new_with(&[Library::Base], LuaOptions::new().string_hash(StringHash::AllBytes)).unwrap();
    /// assert_eq!(lua.load("local t = {x = 1} return next(t)").eval::<String>().unwrap(), "x");
    /// ```
    pub fn string_hash(mut self, hash: StringHash) -> LuaOptions {
        self.string_hash = hash;
        self
    }
}

impl Default for Lua {
    fn default() -> Self {
        Lua::new()
    }
}

impl std::fmt::Debug for Lua {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Lua({:p})", Rc::as_ptr(&self.inner))
    }
}

impl Lua {
    /// An interpreter with the safe standard libraries: the base library (without `loadfile`
    /// and `dofile`), `coroutine`, `table`, `string` and `math`. No `io`, `os`, `debug`,
    /// `package` or `require`.
    pub fn new() -> Lua {
        let options = LuaOptions::new().allow(Library::Base, SAFE_BASE);
        let mut state = State::new();
        // Opening libraries into a fresh state only allocates, and no memory limit is set yet,
        // so this does not fail; were it to, the libraries opened so far would stay.
        let _ = open_libraries(&mut state, SAFE_LIBRARIES, &options);
        Lua {
            inner: Inner::new(state),
        }
    }

    /// An interpreter with exactly `libraries`, restricted by `options`' allow-lists.
    ///
    /// ```
    /// use lua_core::api::{Library, Lua, LuaOptions};
    ///
    /// let lua = Lua::new_with(&[Library::Base, Library::Os], LuaOptions::new().allow(Library::Os, &["clock"])).unwrap();
    /// assert!(lua.load("return os.time == nil and type(os.clock) == 'function'").eval::<bool>().unwrap());
    /// ```
    pub fn new_with(libraries: &[Library], options: LuaOptions) -> Result<Lua> {
        let mut state = State::with_string_hash(options.string_hash);
        open_libraries(&mut state, libraries, &options)?;
        state.set_memory_limit(options.memory_limit);
        state.binary_as_text = options.binary_as_text;
        Ok(Lua {
            inner: Inner::new(state),
        })
    }

    /// Prepare a chunk of source text for running. Its name (for error messages) is the source
    /// itself, as `loadstring` names chunks, until [`Chunk::set_name`] sets another.
    pub fn load(&self, source: impl AsRef<[u8]>) -> Chunk<'_> {
        Chunk::new(self, source.as_ref().to_vec())
    }

    /// The global environment table.
    pub fn globals(&self) -> Table {
        let inner = &self.inner;
        let r = inner.with_state(|st| {
            match Value::from_raw(st, inner, RawValue::Table(st.globals()))? {
                Value::Table(t) => Ok(t),
                _ => Err(Error::InvalidHandle),
            }
        });
        match r {
            Ok(t) => t,
            // Only reachable from code the API runs while it holds the state; hand out a handle
            // that reports the problem on use.
            Err(_) => Table(super::context::Slot::unrooted(inner.weak(), RawValue::Nil)),
        }
    }

    /// A new empty table.
    pub fn create_table(&self) -> Result<Table> {
        self.create_table_with_capacity(0, 0)
    }

    /// A new empty table with room for `array` sequence entries and `hash` other entries.
    pub fn create_table_with_capacity(&self, array: usize, hash: usize) -> Result<Table> {
        let inner = &self.inner;
        inner.with_state(|st| {
            // The parts are allocated up front; a rough size is enough to refuse a huge request.
            let estimate = array
                .saturating_add(hash.saturating_mul(2))
                .saturating_mul(std::mem::size_of::<RawValue>());
            st.reserve_memory(estimate)
                .map_err(|_| Error::MemoryError)?;
            let t = st.new_table_with(array, hash);
            table_of(Value::from_raw(st, inner, RawValue::Table(t))?)
        })
    }

    /// A new table with the given entries (set without metamethods).
    ///
    /// ```
    /// use lua_core::api::Lua;
    ///
    /// let lua = Lua::new();
    /// let t = lua.create_table_from([("a", 1), ("b", 2)]).unwrap();
    /// assert_eq!(t.get::<_, i32>("b").unwrap(), 2);
    /// ```
    pub fn create_table_from<K: IntoLua, V: IntoLua, I: IntoIterator<Item = (K, V)>>(
        &self,
        entries: I,
    ) -> Result<Table> {
        let t = self.create_table()?;
        for (k, v) in entries {
            t.raw_set(k, v)?;
        }
        Ok(t)
    }

    /// A new table holding `values` at keys 1, 2, ...
    ///
    /// ```
    /// use lua_core::api::Lua;
    ///
    /// let lua = Lua::new();
    /// let t = lua.create_sequence_from(["x", "y", "z"]).unwrap();
    /// assert_eq!(t.len().unwrap(), 3);
    /// ```
    pub fn create_sequence_from<V: IntoLua, I: IntoIterator<Item = V>>(
        &self,
        values: I,
    ) -> Result<Table> {
        let t = self.create_table()?;
        for (i, v) in values.into_iter().enumerate() {
            t.raw_set(i as f64 + 1.0, v)?;
        }
        Ok(t)
    }

    /// A Lua string with these bytes (any bytes: Lua strings are not necessarily UTF-8).
    pub fn create_string(&self, bytes: impl AsRef<[u8]>) -> Result<LuaString> {
        let inner = &self.inner;
        let bytes = bytes.as_ref();
        inner.with_state(|st| {
            st.reserve_memory(bytes.len())
                .map_err(|_| Error::MemoryError)?;
            let s = st.new_string(bytes);
            match Value::from_raw(st, inner, s)? {
                Value::String(s) => Ok(s),
                _ => Err(Error::InvalidHandle),
            }
        })
    }

    /// A Lua function that runs the Rust closure `f`. Its arguments convert to `A` (a value
    /// that does not convert raises `bad argument #n to '<name>' (...)` in Lua) and its result
    /// from `R`; an error it returns is raised in Lua (see [`Error`] for how each kind shows).
    ///
    /// ```
    /// use lua_core::api::{Error, Lua};
    ///
    /// let lua = Lua::new();
    /// let check = lua.create_function(|_, n: i64| {
    ///     if n < 0 { Err(Error::runtime("negative")) } else { Ok(n * 2) }
    /// }).unwrap();
    /// lua.globals().set("check", check).unwrap();
    /// let r: (bool, String) = lua.load("return pcall(check, -1)").eval().unwrap();
    /// assert_eq!(r, (false, "negative".to_string()));
    /// let r: String = lua.load("return select(2, pcall(check, 'x'))").eval().unwrap();
    /// assert_eq!(r, "bad argument #1 to '?' (number expected, got string)");
    /// ```
    pub fn create_function<A, R, F>(&self, f: F) -> Result<Function>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + MaybeSend + 'static,
    {
        let native = typed_callback(&self.inner, f);
        native_function(self, native)
    }

    /// A Lua function running `f`, which may change what it captured. A call made while it
    /// runs (from Lua code it calls) fails with [`Error::RecursiveMutCallback`].
    ///
    /// ```
    /// use lua_core::api::Lua;
    ///
    /// let lua = Lua::new();
    /// let mut calls = 0;
    /// let counter = lua
    ///     .create_function_mut(move |_, ()| {
    ///         calls += 1;
    ///         Ok(calls)
    ///     })
    ///     .unwrap();
    /// lua.globals().set("count", counter).unwrap();
    /// assert_eq!(lua.load("count() return count()").eval::<i64>().unwrap(), 2);
    /// ```
    pub fn create_function_mut<A, R, F>(&self, f: F) -> Result<Function>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: FnMut(&Lua, A) -> Result<R> + MaybeSend + 'static,
    {
        let f = std::cell::RefCell::new(f);
        self.create_function(move |lua, args: A| {
            let mut f = f
                .try_borrow_mut()
                .map_err(|_| Error::RecursiveMutCallback)?;
            (*f)(lua, args)
        })
    }

    /// A Lua function running the native function `f`, written against the extension surface
    /// ([`crate::native`]): it runs as the standard library's functions do, with no conversion
    /// or protected call around it. `name` is what argument errors call it.
    pub fn create_native_function(
        &self,
        name: &'static str,
        f: crate::native::NativeFunction,
    ) -> Result<Function> {
        let inner = &self.inner;
        inner.with_state(|st| {
            let v = st.new_extension(name, f);
            match Value::from_raw(st, inner, v)? {
                Value::Function(f) => Ok(f),
                _ => Err(Error::InvalidHandle),
            }
        })
    }

    /// A table of native functions (see [`crate::native`]), set as the global `name`.
    pub fn register_library(
        &self,
        name: &str,
        functions: &[(&'static str, crate::native::NativeFunction)],
    ) -> Result<Table> {
        self.enter(|ctx| {
            ctx.register_library(name, functions)?;
            Ok(())
        })?;
        self.globals().raw_get(name)
    }

    /// Run `f` with the state as a native function sees it ([`crate::native::Ctx`]): the
    /// fastest way for a host to push values, call Lua functions and read their results.
    /// Whatever `f` leaves on the stack is dropped afterwards; an error it raises comes back
    /// as an [`Error`].
    ///
    /// ```
    /// use lua_core::api::Lua;
    ///
    /// let lua = Lua::new();
    /// lua.load("function double(x) return x * 2 end").exec().unwrap();
    /// let r = lua.enter(|ctx| {
    ///     ctx.push_global("double");
    ///     ctx.push_number(21.0);
    ///     ctx.call(1, Some(1))?;
    ///     Ok(ctx.get(ctx.top_slot()).to_number())
    /// }).unwrap();
    /// assert_eq!(r, Some(42.0));
    /// ```
    pub fn enter<R>(
        &self,
        f: impl FnOnce(&mut crate::native::Ctx) -> std::result::Result<R, crate::native::Raised>,
    ) -> Result<R> {
        let inner = &self.inner;
        inner.with_state(|st| {
            let saved_top = st.top;
            let r = f(crate::native::Ctx::from_state(st));
            let out = match r {
                Ok(v) => Ok(v),
                Err(raised) => {
                    let value = std::mem::take(&mut st.raised);
                    let e = crate::vm::LuaError {
                        kind: raised.kind(),
                        value,
                    };
                    Err(inner.error_from_lua(st, e, String::new()))
                }
            };
            st.top = saved_top;
            out
        })
    }

    /// The value a script raised, for an [`Error::ErrorObject`] (a table given to `error`
    /// comes back as that table), while the state still keeps it; `None` for other errors.
    ///
    /// ```
    /// use lua_core::api::{Lua, Table};
    ///
    /// let lua = Lua::new();
    /// let err = lua.load("error({code = 42})").exec().unwrap_err();
    /// let raised: Table = lua.error_value(&err).unwrap().unwrap().as_table().unwrap().clone();
    /// assert_eq!(raised.get::<_, i64>("code").unwrap(), 42);
    /// ```
    pub fn error_value(&self, error: &Error) -> Result<Option<super::Value>> {
        let Error::ErrorObject { id, .. } = error else {
            return Ok(None);
        };
        let inner = &self.inner;
        inner.with_state(|st| match inner.error_object(*id) {
            Some(raw) => super::Value::from_raw(st, inner, raw).map(Some),
            None => Ok(None),
        })
    }

    /// Attach a host value to the state, one per type (replacing an earlier one of type
    /// `T`); native functions reach it with [`crate::native::Ctx::app_data`].
    pub fn set_app_data<T: MaybeSend + 'static>(&self, value: T) -> Result<()> {
        self.inner.with_state(|st| {
            st.set_app_data(value);
            Ok(())
        })
    }

    /// Make `source` the generator behind `math.random` and `math.randomseed` (glibc's `rand()`
    /// by default, as lua5.1 on Linux).
    pub fn set_random_source(&self, source: Box<dyn super::RandomSource>) -> Result<()> {
        self.inner.with_state(|st| {
            crate::stdlib::set_random_source(st, source);
            Ok(())
        })
    }

    /// Detach the host value of type `T`.
    pub fn remove_app_data<T: 'static>(&self) -> Result<Option<T>> {
        self.inner.with_state(|st| Ok(st.remove_app_data::<T>()))
    }

    /// A coroutine that will run `f` (`coroutine.create`).
    pub fn create_thread(&self, f: Function) -> Result<Thread> {
        let inner = &self.inner;
        inner.with_state(|st| {
            let raw = f.0.raw_in(inner)?;
            let co = st.new_thread(raw);
            match Value::from_raw(st, inner, RawValue::Thread(co))? {
                Value::Thread(t) => Ok(t),
                _ => Err(Error::InvalidHandle),
            }
        })
    }

    /// Keep `value` alive under a key Rust holds; the value is released when the key is dropped
    /// or passed to [`Lua::remove_registry_value`].
    ///
    /// ```
    /// use lua_core::api::Lua;
    ///
    /// let lua = Lua::new();
    /// let key = lua.create_registry_value(lua.create_table().unwrap()).unwrap();
    /// lua.gc_collect().unwrap();
    /// let t: lua_core::api::Table = lua.registry_value(&key).unwrap();
    /// t.set(1, "still here").unwrap();
    /// lua.remove_registry_value(key).unwrap();
    /// ```
    pub fn create_registry_value<T: IntoLua>(&self, value: T) -> Result<RegistryKey> {
        let value = value.into_lua(self)?;
        let inner = &self.inner;
        inner.with_state(|st| {
            let raw = value.to_raw(inner)?;
            let slot = match raw {
                RawValue::Nil | RawValue::Boolean(_) | RawValue::Number(_) => {
                    super::context::Slot::unrooted(inner.weak(), raw)
                }
                _ => inner.new_slot(st, raw)?,
            };
            Ok(RegistryKey(slot))
        })
    }

    /// The value kept under `key`.
    pub fn registry_value<T: FromLua>(&self, key: &RegistryKey) -> Result<T> {
        let inner = &self.inner;
        let v = inner.with_state(|st| {
            let raw = key.0.raw_in(inner)?;
            Value::from_raw(st, inner, raw)
        })?;
        T::from_lua(v, self)
    }

    /// Release the value kept under `key` (dropping the key does the same).
    pub fn remove_registry_value(&self, key: RegistryKey) -> Result<()> {
        key.0.raw_in(&self.inner)?;
        drop(key);
        Ok(())
    }

    /// Store `value` in the registry under `name`, where Lua code cannot reach it.
    pub fn set_named_registry_value<T: IntoLua>(&self, name: &str, value: T) -> Result<()> {
        let value = value.into_lua(self)?;
        let inner = &self.inner;
        inner.with_state(|st| {
            let raw = value.to_raw(inner)?;
            let registry = st.registry();
            let key = st.new_string(name.as_bytes());
            quietly(st, |st| st.raw_set(registry, key, raw))
                .map_err(|e| inner.error_from_lua(st, e, String::new()))
        })
    }

    /// The value stored under `name` by [`Lua::set_named_registry_value`] (`nil` if none).
    pub fn named_registry_value<T: FromLua>(&self, name: &str) -> Result<T> {
        let inner = &self.inner;
        let v = inner.with_state(|st| {
            let registry = st.registry();
            let raw = st.get_field(registry, name);
            Value::from_raw(st, inner, raw)
        })?;
        T::from_lua(v, self)
    }

    /// Call `f` on the events in `mask` (replacing any earlier hook). Returning
    /// [`Error::Interrupted`] stops the running script; `pcall` cannot catch it. Any other
    /// error is raised in the script as a runtime error at the current instruction. Hooks are
    /// not called from inside a hook. Steps of pattern matching (`string.find`, `match`,
    /// `gmatch`, `gsub`) count as instructions, so a budget also stops a script stuck in one
    /// long match (`debug.sethook`'s hooks count only instructions, as in Lua 5.1).
    ///
    /// ```
    /// use lua_core::api::{Error, HookMask, Lua};
    ///
    /// let lua = Lua::new();
    /// let mask = HookMask { every_nth_instruction: Some(1000), ..Default::default() };
    /// lua.set_hook(mask, |_, _| Err(Error::Interrupted)).unwrap();
    /// let r = lua.load("pcall(function() while true do end end)").exec();
    /// assert!(matches!(r, Err(Error::Interrupted)));
    /// ```
    pub fn set_hook<F>(&self, mask: HookMask, f: F) -> Result<()>
    where
        F: Fn(&Lua, HookEvent) -> Result<()> + MaybeSend + 'static,
    {
        let weak = self.inner.weak();
        let hook: HookFn = Rc::new(move |state: &mut State, event| {
            let Some(inner) = weak.upgrade() else {
                return Ok(());
            };
            let lua = Lua {
                inner: inner.clone(),
            };
            inner.run_user_code(state, || f(&lua, event))
        });
        self.inner.with_state(|st| {
            st.set_host_hook(mask, hook);
            Ok(())
        })
    }

    /// The line the innermost running Lua function is at, if one runs (from a hook: where the
    /// script was interrupted).
    pub fn current_line(&self) -> Option<i64> {
        self.inner
            .with_state(|st| Ok(st.innermost_lua_line()))
            .ok()
            .flatten()
    }

    /// Remove the hook.
    pub fn remove_hook(&self) -> Result<()> {
        self.inner.with_state(|st| {
            st.remove_hook();
            Ok(())
        })
    }

    /// Limit the heap to `limit` bytes (`None`: no limit); returns the previous limit. Past
    /// the limit, allocations fail with `not enough memory`, which scripts may catch.
    pub fn set_memory_limit(&self, limit: Option<usize>) -> Result<Option<usize>> {
        self.inner.with_state(|st| {
            let previous = st.heap().limit();
            st.set_memory_limit(limit);
            Ok(previous)
        })
    }

    /// Bytes the heap holds now.
    pub fn used_memory(&self) -> usize {
        // A read: no collection step first (as `collectgarbage("count")` takes none).
        self.inner
            .with_state_if_free(|st| st.used_memory())
            .unwrap_or(0)
    }

    /// Run a full garbage collection.
    pub fn gc_collect(&self) -> Result<()> {
        self.inner.with_state(|st| {
            st.collect_garbage();
            Ok(())
        })
    }

    /// Send what `print` writes to `out` instead of standard output.
    pub fn set_stdout(&self, out: super::Output) -> Result<()> {
        self.inner.with_state(|st| {
            st.flush_stdout();
            st.set_stdout(out);
            Ok(())
        })
    }

    /// Convert a Rust value to a Lua value.
    pub fn pack<T: IntoLua>(&self, value: T) -> Result<Value> {
        value.into_lua(self)
    }

    /// Convert a Lua value to a Rust value.
    pub fn unpack<T: FromLua>(&self, value: Value) -> Result<T> {
        T::from_lua(value, self)
    }

    /// Convert Rust values to a list of Lua values.
    pub fn pack_multi<T: IntoLuaMulti>(&self, values: T) -> Result<MultiValue> {
        values.into_lua_multi(self)
    }

    /// Convert a list of Lua values to Rust values.
    pub fn unpack_multi<T: FromLuaMulti>(&self, values: MultiValue) -> Result<T> {
        T::from_lua_multi(values, self)
    }

    /// Call the raw function `f` with `args` in protected mode and give the results handles.
    pub(crate) fn call_raw(
        &self,
        f: &super::context::Slot,
        args: MultiValue,
    ) -> Result<MultiValue> {
        let inner = &self.inner;
        inner.with_state(|st| {
            let f = f.raw_in(inner)?;
            let raw_args = args
                .iter()
                .map(|v| v.to_raw(inner))
                .collect::<Result<Vec<_>>>()?;
            let results = inner.pcall(st, f, &raw_args)?;
            results
                .into_iter()
                .map(|r| Value::from_raw(st, inner, r))
                .collect()
        })
    }
}

fn table_of(v: Value) -> Result<Table> {
    match v {
        Value::Table(t) => Ok(t),
        _ => Err(Error::InvalidHandle),
    }
}

/// Open `libraries` into `state` under `options`' allow-lists.
fn open_libraries(state: &mut State, libraries: &[Library], options: &LuaOptions) -> Result<()> {
    for &lib in libraries {
        let names: Option<Vec<&str>> = options
            .allowed
            .iter()
            .find(|(l, _)| *l == lib)
            .map(|(_, names)| names.iter().map(|n| n.as_str()).collect());
        if let Err(e) = open_library(state, lib, names.as_deref()) {
            return Err(match e.kind {
                crate::vm::ErrorKind::Memory => Error::MemoryError,
                _ => Error::runtime(lossy(&state.error_text(&e))),
            });
        }
        if let Some(names) = names {
            refuse_unknown_names(state, lib, &names)?;
        }
    }
    Ok(())
}

/// An allow-list naming something its library does not have is a mistake (a misspelled
/// name would otherwise leave the function out silently): refuse it.
fn refuse_unknown_names(state: &mut State, lib: Library, names: &[&str]) -> Result<()> {
    let table = match lib.global_name() {
        None => state.globals(),
        Some(global) => match state.get_global(global) {
            RawValue::Table(t) => t,
            _ => return Ok(()),
        },
    };
    for name in names {
        if state.get_field(table, name).is_nil() {
            let library = lib.global_name().unwrap_or("base");
            return Err(Error::runtime(format!(
                "the allow-list of library '{library}' names '{name}', which it does not have"
            )));
        }
    }
    Ok(())
}

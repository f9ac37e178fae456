//! [`Chunk`]: source text on its way to running.

use super::error::{Error, Result};
use super::multi::{FromLuaMulti, IntoLuaMulti};
use super::{Function, Lua, Table, Value};
use crate::value::Value as RawValue;

/// A chunk of Lua source prepared by [`Lua::load`]; nothing is compiled until it runs.
///
/// ```
/// use lua_core::api::{Error, Lua};
///
/// let lua = Lua::new();
/// lua.load("x = 1 + 1").set_name("=setup").exec().unwrap();
/// assert_eq!(lua.globals().get::<_, i64>("x").unwrap(), 2);
///
/// let err = lua.load("error('boom')").set_name("=setup").exec().unwrap_err();
/// assert!(matches!(err, Error::RuntimeError { ref message, .. } if message == "setup:1: boom"));
/// ```
pub struct Chunk<'lua> {
    lua: &'lua Lua,
    source: Vec<u8>,
    name: Option<Vec<u8>>,
    environment: Option<Table>,
}

impl<'lua> Chunk<'lua> {
    pub(crate) fn new(lua: &'lua Lua, source: Vec<u8>) -> Chunk<'lua> {
        Chunk {
            lua,
            source,
            name: None,
            environment: None,
        }
    }

    /// The chunk name used in error messages and tracebacks, as Lua 5.1 reads it: `=name` shows
    /// as `name`, `@file.lua` as `file.lua`, anything else as `[string "..."]`.
    pub fn set_name(mut self, name: impl AsRef<[u8]>) -> Chunk<'lua> {
        self.name = Some(name.as_ref().to_vec());
        self
    }

    /// Run the chunk with `env` as its global environment (`setfenv`) instead of the globals.
    ///
    /// ```
    /// use lua_core::api::Lua;
    ///
    /// let lua = Lua::new();
    /// let env = lua.create_table().unwrap();
    /// lua.load("y = 5").set_environment(env.clone()).exec().unwrap();
    /// assert_eq!(env.get::<_, i64>("y").unwrap(), 5);
    /// assert!(lua.globals().get::<_, Option<i64>>("y").unwrap().is_none());
    /// ```
    pub fn set_environment(mut self, env: Table) -> Chunk<'lua> {
        self.environment = Some(env);
        self
    }

    /// Compile the chunk into a function without running it.
    pub fn into_function(self) -> Result<Function> {
        self.compile(&self.source)
    }

    /// Run the chunk, discarding what it returns.
    pub fn exec(self) -> Result<()> {
        self.into_function()?.call(())
    }

    /// Run the chunk as an expression (`return <source>`) when it reads as one, else as
    /// statements, and convert what it returns.
    ///
    /// ```
    /// use lua_core::api::Lua;
    ///
    /// let lua = Lua::new();
    /// assert_eq!(lua.load("1 + 2").eval::<i64>().unwrap(), 3);
    /// assert_eq!(lua.load("local a = 2; return a * a").eval::<i64>().unwrap(), 4);
    /// ```
    pub fn eval<R: FromLuaMulti>(self) -> Result<R> {
        let mut expression = b"return ".to_vec();
        expression.extend_from_slice(&self.source);
        let f = match self.compile(&expression) {
            Ok(f) => f,
            Err(Error::SyntaxError { .. }) => self.compile(&self.source)?,
            Err(e) => return Err(e),
        };
        f.call(())
    }

    /// Run the chunk with `args` (its `...`) and convert what it returns.
    ///
    /// ```
    /// use lua_core::api::Lua;
    ///
    /// let lua = Lua::new();
    /// let n: i64 = lua.load("local a, b = ...; return a * b").call((6, 7)).unwrap();
    /// assert_eq!(n, 42);
    /// ```
    pub fn call<A: IntoLuaMulti, R: FromLuaMulti>(self, args: A) -> Result<R> {
        self.into_function()?.call(args)
    }

    fn compile(&self, source: &[u8]) -> Result<Function> {
        let inner = &self.lua.inner;
        let name = self.name.as_deref().unwrap_or(&self.source);
        inner.with_state(|st| {
            let f = st
                .load(source, name)
                .map_err(|e| inner.error_from_lua(st, e, String::new()))?;
            if let Some(env) = &self.environment {
                if let (RawValue::LuaFunction(cl), RawValue::Table(t)) = (f, env.0.raw_in(inner)?) {
                    cl.set_env(t);
                }
            }
            match Value::from_raw(st, inner, f)? {
                Value::Function(f) => Ok(f),
                _ => Err(Error::InvalidHandle),
            }
        })
    }
}

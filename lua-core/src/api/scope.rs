//! Functions that borrow from the stack: [`Lua::scope`] (mlua's `scope`).
//!
//! A Lua function may be called at any time while the state lives, so
//! [`Lua::create_function`] takes only `'static` closures. Inside a scope, a closure may
//! borrow anything that outlives the scope: the functions made from it work while the scope
//! runs, and when it ends (normally, by error or by panic) each closure is dropped, so nothing
//! borrowed is used afterwards; calling such a function then fails with
//! [`Error::CallbackDestructed`].

use super::function::{create_callback, Callback};
use super::{Error, FromLuaMulti, Function, IntoLuaMulti, Lua, MultiValue, Result};
use std::cell::RefCell;
use std::marker::PhantomData;
use std::rc::Rc;

/// A callback that may borrow what lives for `'s`.
type ScopedCallback<'s> = Rc<dyn Fn(&Lua, MultiValue) -> Result<MultiValue> + 's>;

/// The closure of a scoped function, present until its scope ends.
type Slot = Rc<RefCell<Option<Callback>>>;

/// Makes functions that may borrow data living at least `'scope` (see [`Lua::scope`]).
pub struct Scope<'lua, 'scope> {
    lua: &'lua Lua,
    slots: RefCell<Vec<Slot>>,
    /// Invariant in `'scope`: the scope cannot be treated as a shorter one, so its closures
    /// can borrow only what outlives the whole `Lua::scope` call (which drops them).
    _scope: PhantomData<fn(&'scope ()) -> &'scope ()>,
}

impl Lua {
    /// Run `f` with a [`Scope`] whose functions may borrow from the caller's stack.
    ///
    /// ```
    /// use lua_core::api::Lua;
    ///
    /// let lua = Lua::new();
    /// let mut log = Vec::new();
    /// let sum: i64 = lua
    ///     .scope(|scope| {
    ///         let record = scope.create_function_mut(|_, line: String| {
    ///             log.push(line);
    ///             Ok(())
    ///         })?;
    ///         lua.globals().set("record", record)?;
    ///         lua.load("record('a') record('b') return 1 + 2").eval()
    ///     })
    ///     .unwrap();
    /// assert_eq!((sum, log), (3, vec!["a".to_string(), "b".to_string()]));
    /// // The function outlives the scope, its closure does not.
    /// assert!(lua.load("record('c')").exec().is_err());
    /// ```
    pub fn scope<'scope, R>(
        &self,
        f: impl for<'s> FnOnce(&'s Scope<'_, 'scope>) -> Result<R>,
    ) -> Result<R> {
        let scope = Scope {
            lua: self,
            slots: RefCell::new(Vec::new()),
            _scope: PhantomData,
        };
        f(&scope)
        // `scope` drops here, before anything `'scope` borrowed can end.
    }
}

impl<'scope> Scope<'_, 'scope> {
    /// As [`Lua::create_function`], for a closure that may borrow what outlives the scope.
    pub fn create_function<A, R, F>(&self, f: F) -> Result<Function>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: Fn(&Lua, A) -> Result<R> + 'scope,
    {
        let scoped: ScopedCallback<'scope> =
            Rc::new(move |lua, args| f(lua, A::from_lua_args(args, 1, lua)?)?.into_lua_multi(lua));
        // SAFETY: only the lifetime bound changes (`'scope` to `'static`); the layout of the
        // `Rc<dyn Fn>` is the same. The closure is kept only in a slot of this scope, and
        // taken out of it (dropped) when the scope drops, which `Lua::scope` does before it
        // returns: `'scope` outlives that call (it is a parameter of it, and `Scope` is
        // invariant in it), so nothing the closure borrows ends while it can run or be
        // dropped. A call in progress holds its own clone only for the call's duration, and
        // calls made while the scope lives end before it does (they run inside `f`).
        let callback: Callback = unsafe {
            std::mem::transmute::<ScopedCallback<'scope>, ScopedCallback<'static>>(scoped)
        };
        let slot: Slot = Rc::new(RefCell::new(Some(callback)));
        self.slots.borrow_mut().push(slot.clone());
        create_callback(
            self.lua,
            Rc::new(move |lua, args| {
                let callback = slot.borrow().clone().ok_or(Error::CallbackDestructed)?;
                callback(lua, args)
            }),
        )
    }

    /// As [`Lua::create_function_mut`], for a closure that may borrow what outlives the scope.
    pub fn create_function_mut<A, R, F>(&self, f: F) -> Result<Function>
    where
        A: FromLuaMulti,
        R: IntoLuaMulti,
        F: FnMut(&Lua, A) -> Result<R> + 'scope,
    {
        let f = RefCell::new(f);
        self.create_function(move |lua, args: A| {
            let mut f = f
                .try_borrow_mut()
                .map_err(|_| Error::RecursiveMutCallback)?;
            (*f)(lua, args)
        })
    }
}

impl Drop for Scope<'_, '_> {
    fn drop(&mut self) {
        // Take every closure out first, then drop them: a closure's drop (of what it
        // captured) cannot reach a slot that is still borrowed here.
        let taken: Vec<Option<Callback>> = self
            .slots
            .get_mut()
            .drain(..)
            .map(|slot| slot.borrow_mut().take())
            .collect();
        drop(taken);
    }
}

//! Moving a whole state to another thread (feature `send`).
//!
//! A [`Lua`] and its handles share the state through reference counts that are not atomic,
//! so neither is `Send`. With the `send` feature every Rust value a state can keep (functions,
//! hooks, userdata, app data, the `print` output, the random source) must be `Send`
//! ([`MaybeSend`](super::MaybeSend)), and a state that no handle points into may be wrapped in
//! a [`SendLua`], which is `Send`: [`Lua::into_send`] checks, at run time, that the `Lua` is
//! the only one of its state and that no handle exists, and gives the `Lua` back otherwise.

use super::Lua;
use std::rc::Rc;

/// A state on its way to another thread: no handle to it and no other `Lua` exists.
pub struct SendLua(Lua);

// SAFETY: what makes `Lua` not `Send` is state shared through non-atomic counts (`Rc`,
// `Weak`, `Cell`) and raw pointers into the collected heap. `into_send` lets a state go only
// when nothing outside it shares any of that: its `Rc<Inner>` has one strong reference (this
// `Lua`), and no handle exists (every handle is a slot, counted in `live_handles`, including
// handles captured by closures the state keeps). The remaining weak references to `Inner`
// (its own, and those of the native closures and hooks it made) live inside the state and
// move with it, as do the handles the API keeps for itself (userdata metatables, kept error
// values, which `inside_handles_unshared` checks have no clone outside). Every Rust value the
// host handed to the state was required to be `Send` (the `MaybeSend` bounds the `send`
// feature turns on); the standard library's own values (files and their shared slots, the
// list of open files) are reachable only through the state. So after the move, only the
// receiving thread can reach any part of the state.
unsafe impl Send for SendLua {}

impl Lua {
    /// Wrap this state for a move to another thread; the `Lua` back, unchanged, when another
    /// `Lua` of the same state or any handle (a `Table`, `Function`, `LuaString`, ... kept by
    /// the host or captured by a function the state holds) still exists.
    pub fn into_send(self) -> std::result::Result<SendLua, Lua> {
        let alone = Rc::strong_count(&self.inner) == 1;
        let no_handles = self.inner.live_handles.get() == 0 && self.inner.inside_handles_unshared();
        if alone && no_handles {
            Ok(SendLua(self))
        } else {
            Err(self)
        }
    }
}

impl SendLua {
    /// The state, on the thread it arrived at.
    pub fn into_lua(self) -> Lua {
        self.0
    }
}

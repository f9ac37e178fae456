//! The shared core behind [`Lua`](super::Lua) and every handle: who may touch the `State` and
//! when, the slots that keep handle targets alive, protected calls, and the translation of
//! errors between the VM and Rust.
//!
//! # Access to the state
//! The `State` is boxed once and reached through `current`, a pointer that is either the box
//! itself or, while a Rust callback or hook runs, the `&mut State` the VM handed to that
//! callback (`lend`). API code touches the state only inside [`Inner::with_state`], which holds
//! the `busy` flag for the duration: it never runs user code (conversions, callbacks) while it
//! holds the state, so two live `&mut State` never exist at once; a nested attempt is refused
//! with [`Error::StateBusy`] instead. User code runs either outside `with_state`, or inside a
//! callback, where `lend` has made the callback's own state reference the current one.
//!
//! # Slots
//! Every handle owns one entry of `refs`, a table stored in the registry (so marked by every
//! collection). Dropping a handle queues its entry; the queue is cleared at the next
//! `with_state`, because a handle may be dropped while the state is busy (for example by the
//! sweep of a Rust closure that captured it).

use super::error::{Error, Result};
use crate::gc::Gc;
use crate::value::{Table, Value as RawValue};
use crate::vm::{ErrorKind, LuaError, State, MULTRET};
use std::cell::{Cell, RefCell};
use std::ptr::NonNull;
use std::rc::{Rc, Weak};
use std::sync::Arc;

/// Registry key of the table holding the handles' slots.
const REFS_KEY: &str = "lua-core.api.refs";

/// The message handler of protected calls records the traceback here.
struct LastTraceback(Option<String>);

pub(crate) struct Inner {
    /// The boxed state; freed when the last `Lua` goes away.
    owned: NonNull<State>,
    /// The state reference API calls use (see the module comment).
    current: Cell<NonNull<State>>,
    /// A `with_state` is in progress in the current callback level.
    busy: Cell<bool>,
    /// How many callbacks or hooks are running (states lent by the VM): inside one, the VM's
    /// frames and the native code that called back may hold values no collection would see.
    lend_depth: Cell<u32>,
    weak_self: Weak<Inner>,
    /// Handles (slots, rooted or not) that exist: what a state moving to another thread must
    /// not leave behind (see `SendLua`).
    pub(crate) live_handles: Cell<usize>,
    /// The slot table (rooted in the registry).
    refs: Gc<Table>,
    free_slots: RefCell<Vec<i64>>,
    next_slot: Cell<i64>,
    /// Slots of dropped handles, cleared at the next `with_state`.
    released: RefCell<Vec<i64>>,
    /// The message handler of protected calls (rooted in `refs`).
    traceback_handler: RawValue,
    /// Native helpers that run a metamethod-aware get/set inside a protected call.
    get_helper: RawValue,
    set_helper: RawValue,
    /// The Lua message of the last error a Rust callback raised, and the Rust error behind it.
    /// With the count of caught errors when it was raised: a match on the text counts only
    /// while no error has been caught since (else the callback's error was handled, and an
    /// error with the same text is another one).
    callback_error: RefCell<Option<(Vec<u8>, Arc<Error>, u64)>>,
    /// The panic of a callback, on its way out of the VM.
    pending_panic: RefCell<Option<Box<dyn std::any::Any + Send>>>,
    /// The last error values that were neither strings nor numbers, by their
    /// `Error::ErrorObject` id (oldest first).
    error_objects: RefCell<std::collections::VecDeque<(u64, Rc<Slot>)>>,
    next_error_id: Cell<u64>,
    /// One metatable per userdata type, built on first use.
    pub(crate) userdata_metatables: RefCell<Vec<(std::any::TypeId, super::Table)>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        // SAFETY: `owned` came from `Box::leak` in `Inner::new` and is freed only here. No
        // `with_state` can be running: each one holds a strong reference to this `Inner`.
        drop(unsafe { Box::from_raw(self.owned.as_ptr()) });
    }
}

/// Fixed slots for values the API itself keeps alive.
const HANDLER_SLOT: i64 = 1;
const GET_SLOT: i64 = 2;
const SET_SLOT: i64 = 3;
const FIRST_FREE_SLOT: i64 = 4;

impl Inner {
    /// Take ownership of `state` (libraries already opened).
    pub(crate) fn new(mut state: State) -> Rc<Inner> {
        let refs = state.new_table();
        let registry = state.registry();
        let recorder = state.new_native("traceback", record_traceback);
        let traceback_handler =
            state.new_native_with_upvalues("traceback", traceback_handler, vec![recorder]);
        let get_helper = state.new_native("get", get_helper);
        let set_helper = state.new_native("set", set_helper);
        // Raw stores of non-nil keys into tables that are not read-only, with no size limit
        // near, cannot fail.
        let _ = state.set_field(registry, REFS_KEY, RawValue::Table(refs));
        let _ = state.raw_set_int(refs, HANDLER_SLOT, traceback_handler);
        let _ = state.raw_set_int(refs, GET_SLOT, get_helper);
        let _ = state.raw_set_int(refs, SET_SLOT, set_helper);
        let owned = NonNull::from(Box::leak(Box::new(state)));
        Rc::new_cyclic(|weak| Inner {
            owned,
            current: Cell::new(owned),
            busy: Cell::new(false),
            lend_depth: Cell::new(0),
            weak_self: weak.clone(),
            live_handles: Cell::new(0),
            refs,
            free_slots: RefCell::new(Vec::new()),
            next_slot: Cell::new(FIRST_FREE_SLOT),
            released: RefCell::new(Vec::new()),
            traceback_handler,
            get_helper,
            set_helper,
            callback_error: RefCell::new(None),
            pending_panic: RefCell::new(None),
            error_objects: RefCell::new(std::collections::VecDeque::new()),
            next_error_id: Cell::new(1),
            userdata_metatables: RefCell::new(Vec::new()),
        })
    }

    pub(crate) fn weak(&self) -> Weak<Inner> {
        self.weak_self.clone()
    }

    /// Whether a handle created with `weak` belongs to this state.
    pub(crate) fn owns(&self, weak: &Weak<Inner>) -> bool {
        Weak::ptr_eq(weak, &self.weak_self)
    }

    /// Run `f` with exclusive access to the state. `f` must not run user code.
    pub(crate) fn with_state<R>(&self, f: impl FnOnce(&mut State) -> Result<R>) -> Result<R> {
        if self.busy.get() {
            return Err(Error::StateBusy);
        }
        self.busy.set(true);
        let _busy = BusyGuard(&self.busy);
        // SAFETY: `current` points to the live state (the box, or the reference lent by the
        // callback running now, which outlives this call). `busy` guarantees no other reference
        // obtained here is live, and the lender does not use its own reference until `lend`
        // returns.
        let st = unsafe { &mut *self.current.get().as_ptr() };
        self.clear_released(st);
        self.collect_if_due(st)?;
        let r = f(st);
        // A callback panicked somewhere below: the VM has unwound cleanly (the panic travelled
        // as an uncatchable error); now let it continue into the caller.
        if let Some(payload) = self.pending_panic.borrow_mut().take() {
            std::panic::resume_unwind(payload);
        }
        r
    }

    /// Run `f`, which only reads the state, with access to it: `None` when the state is
    /// busy. No collection runs and no released slot is cleared, so this costs a flag; what
    /// `f` reads must not be held past it.
    pub(crate) fn with_state_if_free<R>(&self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        if self.busy.get() {
            return None;
        }
        self.busy.set(true);
        let _busy = BusyGuard(&self.busy);
        // SAFETY: as in `with_state`: `current` points to the live state, and `busy`
        // guarantees no other reference obtained here is live.
        let st = unsafe { &mut *self.current.get().as_ptr() };
        Some(f(st))
    }

    /// The API's collection point, as each of Lua 5.1's `lua_new*` calls checks the collector:
    /// without it, a host that only allocates from Rust (a script's KEYS and ARGV before a
    /// `return 1`) would grow the heap without bound, since only running Lua code reaches the
    /// VM's own safe points. It runs at the start of an outermost `with_state`, where every
    /// value the API holds is in a handle's slot or on the Lua stack; inside a callback it
    /// waits for the VM's next safe point.
    fn collect_if_due(&self, st: &mut State) -> Result<()> {
        if self.lend_depth.get() != 0 || st.heap.is_stopped() || !st.heap.should_collect() {
            return Ok(());
        }
        st.collect_garbage();
        st.run_finalizers()
            .map_err(|e| self.error_from_lua(st, e, String::new()))
    }

    /// Run user code `f` (a callback or a hook) while the VM is inside a call that handed it
    /// `state`: API calls made by `f` use that reference. An error `f` returns becomes the error
    /// it raises in Lua; a panic is caught and carried out of the VM as an error no `pcall`
    /// catches, to be resumed by the `with_state` that entered the VM.
    pub(crate) fn run_user_code<R>(
        &self,
        state: &mut State,
        f: impl FnOnce() -> Result<R>,
    ) -> std::result::Result<R, LuaError> {
        let outcome = self.lend(state, || {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        });
        match outcome {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.raise(state, e)),
            Err(payload) => {
                *self.pending_panic.borrow_mut() = Some(payload);
                let value = state.new_string(b"a Rust callback panicked");
                Err(LuaError {
                    kind: ErrorKind::Interrupt,
                    value,
                })
            }
        }
    }

    fn lend<R>(&self, state: &mut State, f: impl FnOnce() -> R) -> R {
        let lent = NonNull::from(state);
        self.lend_depth.set(self.lend_depth.get() + 1);
        let _restore = LendGuard {
            inner: self,
            previous: self.current.replace(lent),
            was_busy: self.busy.replace(false),
        };
        f()
    }

    // ---- slots ---------------------------------------------------------------------------

    /// A slot holding `v`, for a new handle.
    pub(crate) fn new_slot(&self, st: &mut State, v: RawValue) -> Result<Rc<Slot>> {
        let index = match self.free_slots.borrow_mut().pop() {
            Some(i) => i,
            None => {
                let i = self.next_slot.get();
                self.next_slot.set(i + 1);
                i
            }
        };
        if let Err(e) = quietly(st, |st| st.raw_set_int(self.refs, index, v)) {
            self.free_slots.borrow_mut().push(index);
            return Err(self.error_from_lua(st, e, String::new()));
        }
        self.live_handles.set(self.live_handles.get() + 1);
        Ok(Rc::new(Slot {
            inner: self.weak(),
            counted: Cell::new(true),
            index,
            value: v,
        }))
    }

    fn release(&self, index: i64) {
        self.released.borrow_mut().push(index);
    }

    fn clear_released(&self, st: &mut State) {
        let released = std::mem::take(&mut *self.released.borrow_mut());
        for index in released {
            // Storing nil into an existing slot of a table that is never read-only cannot fail.
            let _ = quietly(st, |st| st.raw_set_int(self.refs, index, RawValue::Nil));
            self.free_slots.borrow_mut().push(index);
        }
    }

    // ---- calls ---------------------------------------------------------------------------

    /// Call `f` with `args` in protected mode, with a message handler that records the
    /// traceback (`lua_pcall`). The raw results must be given handles before anything can
    /// collect.
    pub(crate) fn pcall(
        &self,
        st: &mut State,
        f: RawValue,
        args: &[RawValue],
    ) -> Result<Vec<RawValue>> {
        self.pcall_with(
            st,
            f,
            args.len(),
            |st| {
                for a in args {
                    st.push(*a);
                }
                Ok(())
            },
            |st, results| Ok(st.stack[results].to_vec()),
        )
    }

    /// Call `f` in protected mode as [`Inner::pcall`] does, with `push_args` pushing its
    /// `nargs` arguments and `read` taking the results from the stack positions it is given,
    /// where they stay (seen by the collector) until it returns.
    pub(crate) fn pcall_with<T>(
        &self,
        st: &mut State,
        f: RawValue,
        nargs: usize,
        push_args: impl FnOnce(&mut State) -> Result<()>,
        read: impl FnOnce(&mut State, std::ops::Range<usize>) -> Result<T>,
    ) -> Result<T> {
        quietly(st, |st| st.ensure_stack(nargs + 2))
            .map_err(|e| self.error_from_lua(st, e, String::new()))?;
        let base = st.top;
        st.push(self.traceback_handler);
        st.push(f);
        if let Err(e) = push_args(st) {
            st.top = base;
            return Err(e);
        }
        match st.app_data_mut::<LastTraceback>() {
            Some(last) => last.0 = None,
            None => st.set_app_data(LastTraceback(None)),
        }
        let r = st.pcall_at(base + 1, nargs, MULTRET, Some(base));
        let out = match r {
            Ok(()) => {
                let results = base + 1..st.top;
                read(st, results)
            }
            Err(e) => {
                let traceback = st
                    .app_data_mut::<LastTraceback>()
                    .and_then(|t| t.0.take())
                    .unwrap_or_default();
                Err(self.error_from_lua(st, e, traceback))
            }
        };
        st.top = base;
        out
    }

    /// `t[k]` with metamethods, in protected mode.
    pub(crate) fn get(&self, st: &mut State, t: RawValue, k: RawValue) -> Result<RawValue> {
        let r = self.pcall(st, self.get_helper, &[t, k])?;
        Ok(r.first().copied().unwrap_or_default())
    }

    /// `t[k] = v` with metamethods, in protected mode.
    pub(crate) fn set(&self, st: &mut State, t: RawValue, k: RawValue, v: RawValue) -> Result<()> {
        self.pcall(st, self.set_helper, &[t, k, v])?;
        Ok(())
    }

    // ---- errors --------------------------------------------------------------------------

    /// The Rust form of an error the VM raised.
    pub(crate) fn error_from_lua(&self, st: &mut State, e: LuaError, traceback: String) -> Error {
        let text = st.error_text(&e);
        match e.kind {
            ErrorKind::Syntax => Error::syntax(lossy(&text)),
            ErrorKind::Memory => Error::MemoryError,
            ErrorKind::Interrupt => Error::Interrupted,
            ErrorKind::Runtime | ErrorKind::ErrorHandler | ErrorKind::Yield => {
                let from_callback = match (&*self.callback_error.borrow(), e.value) {
                    (Some((msg, cause, caught)), RawValue::String(s))
                        if s.as_bytes() == msg.as_slice() && *caught == st.errors_caught =>
                    {
                        Some(cause.clone())
                    }
                    _ => None,
                };
                match from_callback {
                    Some(cause) => {
                        *self.callback_error.borrow_mut() = None;
                        Error::CallbackError {
                            message: lossy(&text),
                            cause,
                            traceback,
                        }
                    }
                    None => {
                        let kept = match e.value {
                            RawValue::String(_) | RawValue::Number(_) => None,
                            value => self.keep_error_object(st, value),
                        };
                        let message = lossy(&text);
                        match kept {
                            Some(id) => Error::ErrorObject {
                                message,
                                traceback,
                                id,
                            },
                            None => Error::RuntimeError { message, traceback },
                        }
                    }
                }
            }
        }
    }

    /// Keep a raised value for [`Inner::error_object`]; its id, or `None` when no slot could
    /// be made (out of memory).
    fn keep_error_object(&self, st: &mut State, value: RawValue) -> Option<u64> {
        let slot = self.new_slot(st, value).ok()?;
        let id = self.next_error_id.get();
        self.next_error_id.set(id + 1);
        let mut kept = self.error_objects.borrow_mut();
        if kept.len() == super::KEPT_ERROR_OBJECTS {
            kept.pop_front();
        }
        slot.keep_inside();
        kept.push_back((id, slot));
        Some(id)
    }

    /// Whether the handles the API keeps inside the state are its alone (no clone of them
    /// exists outside), as a move to another thread needs.
    #[cfg(feature = "send")]
    pub(crate) fn inside_handles_unshared(&self) -> bool {
        let metatables = self.userdata_metatables.borrow();
        let errors = self.error_objects.borrow();
        metatables.iter().all(|(_, t)| Rc::strong_count(&t.0) == 1)
            && errors.iter().all(|(_, slot)| Rc::strong_count(slot) == 1)
    }

    /// The raised value behind `Error::ErrorObject { id, .. }`, while it is kept.
    pub(crate) fn error_object(&self, id: u64) -> Option<RawValue> {
        self.error_objects
            .borrow()
            .iter()
            .find(|(kept, _)| *kept == id)
            .map(|(_, slot)| slot.value)
    }

    /// Turn the error a Rust callback or hook returned into the error it raises in Lua.
    pub(crate) fn raise(&self, st: &mut State, e: Error) -> LuaError {
        match e {
            Error::Interrupted => {
                let value = st.new_string(b"interrupted");
                LuaError {
                    kind: ErrorKind::Interrupt,
                    value,
                }
            }
            Error::MemoryError => st.memory_error(),
            // A raised value passing through Rust goes on as itself.
            Error::ErrorObject {
                id, ref message, ..
            } => match self.error_object(id) {
                Some(value) => st.throw(value),
                None => st.plain_error(message.as_bytes()),
            },
            // Lua errors passing through Rust keep their message (it has its position already).
            Error::RuntimeError { message, .. } | Error::SyntaxError { message, .. } => {
                st.plain_error(message.as_bytes())
            }
            Error::CallbackError { message, cause, .. } => {
                let err = st.plain_error(message.as_bytes());
                self.record_callback_error(st, &err, cause);
                err
            }
            Error::BadArgument {
                position,
                ref cause,
            } => {
                let err = st.arg_error(position, &cause.argument_message());
                self.record_callback_error(st, &err, Arc::new(e));
                err
            }
            other => {
                let err = st.native_error(&other.to_string());
                self.record_callback_error(st, &err, Arc::new(other));
                err
            }
        }
    }

    fn record_callback_error(&self, st: &State, err: &LuaError, cause: Arc<Error>) {
        if let RawValue::String(s) = err.value {
            *self.callback_error.borrow_mut() =
                Some((s.as_bytes().to_vec(), cause, st.errors_caught));
        }
    }
}

pub(crate) fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Run `f` with no message handler installed, for operations that run no Lua code but may
/// raise (a write to a read-only table): a handler of the script that called into Rust must not
/// see errors the API returns to Rust.
pub(crate) fn quietly<R>(st: &mut State, f: impl FnOnce(&mut State) -> R) -> R {
    let saved = st.error_handler.take();
    let r = f(st);
    st.error_handler = saved;
    r
}

struct BusyGuard<'a>(&'a Cell<bool>);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

struct LendGuard<'a> {
    inner: &'a Inner,
    previous: NonNull<State>,
    was_busy: bool,
}

impl Drop for LendGuard<'_> {
    fn drop(&mut self) {
        self.inner.current.set(self.previous);
        self.inner.busy.set(self.was_busy);
        self.inner.lend_depth.set(self.inner.lend_depth.get() - 1);
    }
}

/// One entry of the slot table, owned by the handles that share it.
pub(crate) struct Slot {
    pub(crate) inner: Weak<Inner>,
    /// Counted in `Inner::live_handles`: a handle the host may hold. Handles the API keeps
    /// inside the state for itself are not (see `Slot::keep_inside`).
    counted: Cell<bool>,
    index: i64,
    /// The value in the slot; valid while the slot exists and the state is alive.
    pub(crate) value: RawValue,
}

impl Slot {
    /// A slot-less holder for a value that needs no rooting (nil, booleans, numbers).
    pub(crate) fn unrooted(inner: Weak<Inner>, value: RawValue) -> Rc<Slot> {
        if let Some(inner) = inner.upgrade() {
            inner.live_handles.set(inner.live_handles.get() + 1);
        }
        Rc::new(Slot {
            inner,
            counted: Cell::new(true),
            index: 0,
            value,
        })
    }

    /// Mark a handle the API keeps inside the state for itself (the state's own, moving with
    /// it): it no longer counts as one the host holds.
    pub(crate) fn keep_inside(&self) {
        if self.counted.replace(false) {
            if let Some(inner) = self.inner.upgrade() {
                inner
                    .live_handles
                    .set(inner.live_handles.get().saturating_sub(1));
            }
        }
    }

    /// The state this slot belongs to, if it is still alive.
    pub(crate) fn state(&self) -> Result<Rc<Inner>> {
        self.inner.upgrade().ok_or(Error::StateClosed)
    }

    /// The value, for use with `inner`'s state.
    pub(crate) fn raw_in(&self, inner: &Inner) -> Result<RawValue> {
        if inner.owns(&self.inner) {
            Ok(self.value)
        } else {
            Err(Error::ToLuaConversionError {
                from: "handle",
                to: "value",
                message: Some("the value belongs to another Lua state".into()),
            })
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(inner) = self.inner.upgrade() {
            if self.counted.get() {
                inner
                    .live_handles
                    .set(inner.live_handles.get().saturating_sub(1));
            }
            if self.index != 0 {
                inner.release(self.index);
            }
        }
    }
}

/// The message handler of protected calls: records the traceback and leaves the error value as
/// it is. The traceback is taken by a function the handler calls, as a handler calling
/// `debug.traceback(msg, 2)` takes it, so that its first part has the same length.
fn traceback_handler(state: &mut State) -> crate::vm::LuaResult<usize> {
    let recorder = state.native_upvalue(0);
    state.call_function(recorder, &[])?;
    let v = state.arg(1);
    state.push(v);
    Ok(1)
}

/// Record the traceback from two levels up: past itself and the handler that called it.
fn record_traceback(state: &mut State) -> crate::vm::LuaResult<usize> {
    let text = lossy(&state.traceback(2));
    state.set_app_data(LastTraceback(Some(text)));
    Ok(0)
}

fn get_helper(state: &mut State) -> crate::vm::LuaResult<usize> {
    let v = state.get_index(state.arg(1), state.arg(2), None)?;
    state.push(v);
    Ok(1)
}

fn set_helper(state: &mut State) -> crate::vm::LuaResult<usize> {
    state.set_index(state.arg(1), state.arg(2), state.arg(3), None)?;
    Ok(0)
}

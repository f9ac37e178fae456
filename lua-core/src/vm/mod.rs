//! The virtual machine: interpreter state, call frames, dispatch, metamethods, errors.
//!
//! Stack layout of a Lua call (as in Lua 5.1):
//! ```text
//!   func | fixed args ... | (varargs) | base: R(0) R(1) ... R(max_stack_size-1)
//! ```
//! For a function without varargs `base = func + 1`. For a vararg function the fixed
//! parameters are copied above the actual arguments and `base` points there, leaving the extra
//! arguments below `base` where `VARARG` finds them.
//! A native function's frame is `func | args ...` with `base = func + 1`; it pushes its results
//! and returns how many.

mod arith;
mod call;
mod collect;
mod coroutine;
mod debug;
pub(crate) mod dump;
mod error;
mod execute;
mod hook;
mod load;
mod meta;

pub use error::{ErrorKind, LuaError, LuaResult};

pub use coroutine::ResumeOutcome;
pub(crate) use debug::Level;
pub use hook::{HookEvent, HookFn, HookMask};
pub(crate) use load::file_chunk;
pub use meta::to_number;

use crate::gc::{Gc, Heap};
use crate::value::{
    ExecContext, LuaClosure, LuaStr, LuaThread, LuaType, NativeClosure, NativeFn, NativeKind,
    Table, ThreadStatus, UpVal, Value,
};
use std::cell::Cell;

/// Lua 5.1's limit on nested calls that go through Rust (metamethods, `pcall`, library callbacks).
pub(crate) const MAX_RUST_CALLS: u32 = 200;
/// Lua 5.1's LUAI_MAXCALLS. Its frame array doubles as it fills; `stack overflow` is raised when
/// a doubling passes this limit (first at 16384 frames), and the doubled array then leaves room
/// for message handlers, up to "error in error handling".
pub(crate) const MAX_CALLS: usize = 20000;
/// The frame-array size at which the first `stack overflow` happens.
pub(crate) const INITIAL_FRAME_CAPACITY: usize = 16384;
/// Stack slots a native function may use beyond its arguments before it must check.
pub(crate) const NATIVE_MIN_STACK: usize = 20;
/// Largest Lua stack, in slots (512 MB). lua5.1 sets no such limit, only its call depth;
/// this one is far past what the call-depth limit lets real programs reach (1,000 nested
/// calls each passing 7,000 varargs need 7 million), and stack memory counts against the
/// memory limit like any other.
pub(crate) const MAX_STACK: usize = 1 << 25;
/// `nresults` meaning "all of them".
pub(crate) const MULTRET: i32 = -1;

/// Metamethod events, in Lua 5.1's order.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Tm {
    Index = 0,
    NewIndex,
    Gc,
    Mode,
    Eq,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Unm,
    Len,
    Lt,
    Le,
    Concat,
    Call,
}

const TM_NAMES: [&str; 17] = [
    "__index",
    "__newindex",
    "__gc",
    "__mode",
    "__eq",
    "__add",
    "__sub",
    "__mul",
    "__div",
    "__mod",
    "__pow",
    "__unm",
    "__len",
    "__lt",
    "__le",
    "__concat",
    "__call",
];

/// One active call.
#[derive(Clone, Copy)]
pub(crate) struct CallInfo {
    /// Stack index of the called function.
    pub(crate) func: usize,
    /// First register (Lua) or first argument (native).
    pub(crate) base: usize,
    /// End of the frame's registers (Lua), or the stack top reserved (native).
    pub(crate) top: usize,
    /// Index of the next instruction (Lua frames).
    pub(crate) pc: usize,
    /// Results the caller wants, or `MULTRET`.
    pub(crate) nresults: i32,
    /// Calls this frame replaced by tail calls (for tracebacks).
    pub(crate) tailcalls: u32,
    /// The running closure, for Lua frames.
    pub(crate) closure: Option<Gc<LuaClosure>>,
    /// Returning from this frame ends the `execute` loop that started it (it was entered from
    /// Rust rather than by a Lua CALL).
    pub(crate) entry: bool,
}

/// A Lua interpreter: one heap, one global environment, one main stack.
pub struct State {
    pub(crate) stack: Vec<Value>,
    /// First free stack slot (the end of a native frame's arguments/results, or the end of
    /// variable results in a Lua frame).
    pub(crate) top: usize,
    pub(crate) frames: Vec<CallInfo>,
    /// Open upvalues, ordered by stack index (lowest first).
    pub(crate) open_upvals: Vec<Gc<UpVal>>,
    pub(crate) heap: Heap,
    pub(crate) globals: Gc<Table>,
    pub(crate) registry: Gc<Table>,
    /// Metatables of the non-table types (string, number, ...), indexed by `LuaType`.
    pub(crate) type_metatables: [Option<Gc<Table>>; 9],
    pub(crate) tm_names: [Gc<LuaStr>; 17],
    /// Nesting of calls made through Rust (limits Rust stack depth).
    pub(crate) rust_calls: u32,
    /// Read chunks starting with ESC as source text (as Redis's patched Lua does, which has
    /// no binary loader), rather than refusing them as binary.
    pub(crate) binary_as_text: bool,
    /// Size of Lua 5.1's frame array this state emulates (see `MAX_CALLS`).
    pub(crate) frame_capacity: usize,
    /// Stack index of the message handler installed by `xpcall`, if any.
    pub(crate) error_handler: Option<usize>,
    /// Where `print` and the CLI write; replaceable by embedders.
    pub(crate) stdout: Box<dyn std::io::Write>,
    /// The thread whose context is the one above (`stack`, `frames`, ...).
    pub(crate) current_thread: Gc<LuaThread>,
    pub(crate) main_thread: Gc<LuaThread>,
    /// Unreachable userdata whose `__gc` is still to be called (roots until then).
    pub(crate) pending_finalizers: Vec<Gc<crate::value::UserData>>,
    /// Finalizers are being run, or a message handler is running: finalizers wait, so that
    /// an erroring `__gc` cannot recurse into itself or into error handling.
    pub(crate) finalizers_blocked: bool,
    /// The debug hook and the cached mask of its events (tested per instruction).
    pub(crate) hook: Option<hook::Hook>,
    pub(crate) hook_mask: u8,
    /// Instructions left before the next count hook, for the running thread (each thread
    /// counts on its own, as in Lua 5.1).
    pub(crate) hook_countdown: u32,
    /// Errors that Lua code or a native function caught (`pcall`, `xpcall`,
    /// `coroutine.resume`, the native surface's `pcall`): the API uses it to tell a Rust
    /// callback's error, still on its way out, from a later error with the same text.
    pub(crate) errors_caught: u64,
    /// A hook is running (hooks are not called from inside hooks).
    pub(crate) in_hook: bool,
    /// Host and library data attached to the state, one value per type, found by comparing
    /// type ids (a `redis.call` looks its host up here on every call: one dynamic type check
    /// for the match, not one per entry).
    app_data: Vec<(std::any::TypeId, Box<dyn std::any::Any>)>,
    /// The error value an extension function raised, kept here (a root) until the function
    /// returns its `Raised` token (see `crate::native`).
    pub(crate) raised: Value,
}

impl Default for State {
    fn default() -> Self {
        Self::new()
    }
}

impl State {
    /// A state with no libraries opened.
    pub fn new() -> State {
        State::with_string_hash(crate::value::StringHash::default())
    }

    /// A state with no libraries opened whose strings are hashed by `hash` (which decides
    /// `pairs` order).
    pub fn with_string_hash(hash: crate::value::StringHash) -> State {
        let mut heap = Heap::new(hash);
        let globals = heap.alloc_table(Table::new(0, 2));
        let registry = heap.alloc_table(Table::new(0, 2));
        let tm_names = TM_NAMES.map(|n| heap.intern(n.as_bytes()));
        let mut main = LuaThread::new(ExecContext::new(
            globals,
            Vec::new(),
            INITIAL_FRAME_CAPACITY,
        ));
        main.status = ThreadStatus::Running;
        main.started = true;
        let main_thread = heap.alloc_thread(main);
        State {
            stack: vec![Value::Nil; 64],
            top: 0,
            frames: Vec::with_capacity(16),
            open_upvals: Vec::new(),
            heap,
            globals,
            registry,
            type_metatables: [None; 9],
            tm_names,
            rust_calls: 0,
            binary_as_text: false,
            frame_capacity: INITIAL_FRAME_CAPACITY,
            error_handler: None,
            stdout: Box::new(std::io::stdout()),
            pending_finalizers: Vec::new(),
            finalizers_blocked: false,
            hook: None,
            hook_mask: 0,
            hook_countdown: 0,
            errors_caught: 0,
            in_hook: false,
            current_thread: main_thread,
            main_thread,
            app_data: Vec::new(),
            raised: Value::Nil,
        }
    }

    pub fn globals(&self) -> Gc<Table> {
        self.globals
    }

    pub fn registry(&self) -> Gc<Table> {
        self.registry
    }

    pub fn heap(&self) -> &Heap {
        &self.heap
    }

    pub fn heap_mut(&mut self) -> &mut Heap {
        &mut self.heap
    }

    /// Replace the writer that `print` uses.
    pub fn set_stdout(&mut self, out: Box<dyn std::io::Write>) {
        self.stdout = out;
    }

    pub(crate) fn stdout(&mut self) -> &mut dyn std::io::Write {
        &mut *self.stdout
    }

    /// Attach a value of type `T`, replacing any earlier one of that type.
    pub fn set_app_data<T: 'static>(&mut self, value: T) {
        let id = std::any::TypeId::of::<T>();
        self.app_data.retain(|(d, _)| *d != id);
        self.app_data.push((id, Box::new(value)));
    }

    /// The attached value of type `T`, if any.
    pub fn app_data_mut<T: 'static>(&mut self) -> Option<&mut T> {
        let id = std::any::TypeId::of::<T>();
        self.app_data
            .iter_mut()
            .find(|(d, _)| *d == id)
            .and_then(|(_, data)| data.downcast_mut::<T>())
    }

    pub(crate) fn app_data_ref<T: 'static>(&self) -> Option<&T> {
        let id = std::any::TypeId::of::<T>();
        self.app_data
            .iter()
            .find(|(d, _)| *d == id)
            .and_then(|(_, data)| data.downcast_ref::<T>())
    }

    /// Detach and return the attached value of type `T`.
    pub(crate) fn remove_app_data<T: 'static>(&mut self) -> Option<T> {
        let id = std::any::TypeId::of::<T>();
        let i = self.app_data.iter().position(|(d, _)| *d == id)?;
        self.app_data
            .swap_remove(i)
            .1
            .downcast::<T>()
            .ok()
            .map(|b| *b)
    }

    // ---- object creation -----------------------------------------------------------------

    /// The interned string with these bytes.
    #[inline]
    pub fn intern(&mut self, bytes: &[u8]) -> Gc<LuaStr> {
        self.heap.intern(bytes)
    }

    /// A string value that may be large: fails with "not enough memory" when it would pass
    /// the memory limit or the allocator cannot provide it, instead of ending the process.
    pub fn try_new_string(&mut self, bytes: &[u8]) -> LuaResult<Value> {
        self.try_new_str(bytes).map(Value::String)
    }

    /// As `try_new_string`, returning the string itself (a pointer, cheaper to pass back
    /// through a `Result` than a whole value).
    pub(crate) fn try_new_str(&mut self, bytes: &[u8]) -> LuaResult<Gc<LuaStr>> {
        self.reserve_memory(bytes.len())?;
        match self.heap.try_intern(bytes) {
            Some(s) => Ok(s),
            None => Err(self.memory_error()),
        }
    }

    /// As `try_new_str`, for a string of `len` bytes that `fill` writes in place: the limit is
    /// checked before anything is allocated, and the bytes are never copied.
    pub(crate) fn try_new_str_filled(
        &mut self,
        len: usize,
        fill: impl FnOnce(&mut [u8]),
    ) -> LuaResult<Gc<LuaStr>> {
        self.reserve_memory(len)?;
        match self.heap.try_intern_filled(len, fill) {
            Some(s) => Ok(s),
            None => Err(self.memory_error()),
        }
    }

    pub fn new_string(&mut self, bytes: &[u8]) -> Value {
        Value::String(self.heap.intern(bytes))
    }

    pub fn new_table(&mut self) -> Gc<Table> {
        self.heap.new_table(0, 0)
    }

    pub fn new_table_with(&mut self, array: usize, hash: usize) -> Gc<Table> {
        self.heap.new_table(array, hash)
    }

    /// A native function with the global table as its environment.
    pub fn new_native(&mut self, name: &'static str, func: NativeFn) -> Value {
        self.new_native_with_upvalues(name, func, Vec::new())
    }

    pub fn new_native_with_upvalues(
        &mut self,
        name: &'static str,
        func: NativeFn,
        upvalues: Vec<Value>,
    ) -> Value {
        let c = NativeClosure {
            kind: NativeKind::Builtin(func),
            name,
            upvalues: upvalues.into_iter().map(Cell::new).collect(),
            env: Cell::new(self.globals),
        };
        Value::NativeFunction(self.heap.alloc_native(c))
    }

    /// A native function that is a Rust closure.
    pub fn new_native_closure(
        &mut self,
        name: &'static str,
        f: crate::value::BoxedNativeFn,
    ) -> Value {
        let c = NativeClosure {
            kind: NativeKind::Boxed(f),
            name,
            upvalues: Box::new([]),
            env: Cell::new(self.globals),
        };
        Value::NativeFunction(self.heap.alloc_native(c))
    }

    // ---- raw table access with memory accounting -----------------------------------------

    /// `t[k] = v` without metamethods. Fails on a nil/NaN key, a read-only table, or growth
    /// past the size limit.
    pub fn raw_set(&mut self, t: Gc<Table>, k: Value, v: Value) -> LuaResult<()> {
        if t.readonly {
            return Err(self.rt_error("Attempt to modify a readonly table"));
        }
        self.host_set(t, k, v)
    }

    /// `t[k] = v` without metamethods, made even when `t` is read-only (its read-only flag
    /// guards it from scripts, not from the host).
    pub(crate) fn host_set(&mut self, t: Gc<Table>, k: Value, v: Value) -> LuaResult<()> {
        let before = t.parts_size();
        let r = t.borrow_mut().set(k, v);
        self.heap.resized(before, t.parts_size());
        r.map_err(|e| self.rt_error(e.message()))
    }

    /// `t[k] = v` for a key known to be absent from `t` (and not nil or NaN): skips the lookup.
    pub(crate) fn raw_insert_absent(&mut self, t: Gc<Table>, k: Value, v: Value) -> LuaResult<()> {
        let before = t.parts_size();
        let r = t.borrow_mut().new_key(k, v);
        self.heap.resized(before, t.parts_size());
        r.map_err(|e| self.rt_error(e.message()))
    }

    pub fn raw_set_int(&mut self, t: Gc<Table>, k: i64, v: Value) -> LuaResult<()> {
        if t.readonly {
            return Err(self.rt_error("Attempt to modify a readonly table"));
        }
        let before = t.parts_size();
        let r = t.borrow_mut().set_int(k, v);
        self.heap.resized(before, t.parts_size());
        r.map_err(|e| self.rt_error(e.message()))
    }

    /// Set a string-keyed field (for building library tables).
    pub fn set_field(&mut self, t: Gc<Table>, name: &str, v: Value) -> LuaResult<()> {
        let k = self.new_string(name.as_bytes());
        self.raw_set(t, k, v)
    }

    /// `t[name]`, raw. The name is looked up, not interned: a string never created is no
    /// table's key, and a read allocates nothing.
    pub fn get_field(&self, t: Gc<Table>, name: impl AsRef<[u8]>) -> Value {
        match self.heap.find_interned(name.as_ref()) {
            Some(k) => t.get_str(k),
            None => Value::Nil,
        }
    }

    /// Set a global variable (raw).
    pub fn set_global(&mut self, name: &str, v: Value) -> LuaResult<()> {
        let g = self.globals;
        self.set_field(g, name, v)
    }

    pub fn get_global(&mut self, name: &str) -> Value {
        let g = self.globals;
        self.get_field(g, name)
    }

    /// The metatable of any value.
    pub fn metatable_of(&self, v: &Value) -> Option<Gc<Table>> {
        match v {
            Value::Table(t) => t.metatable(),
            Value::UserData(u) => u.metatable(),
            _ => self.type_metatables[v.lua_type() as usize],
        }
    }

    pub fn set_type_metatable(&mut self, ty: LuaType, mt: Option<Gc<Table>>) {
        self.type_metatables[ty as usize] = mt;
    }

    // ---- the native-function calling convention -------------------------------------------

    #[inline]
    pub(crate) fn native_base(&self) -> usize {
        self.frames.last().map_or(0, |f| f.base)
    }

    /// Number of arguments passed to the running native function.
    #[inline]
    pub fn arg_count(&self) -> usize {
        self.top - self.native_base()
    }

    /// Argument `i` (1-based) of the running native function, `nil` when absent.
    #[inline]
    pub fn arg(&self, i: usize) -> Value {
        match (self.native_base() + i).checked_sub(1) {
            Some(idx) if i >= 1 && idx < self.top => self.stack[idx],
            _ => Value::Nil,
        }
    }

    /// Overwrite argument `i` (1-based, must exist).
    pub(crate) fn set_arg(&mut self, i: usize, v: Value) {
        match (self.native_base() + i).checked_sub(1) {
            Some(idx) if i >= 1 && idx < self.top => self.stack[idx] = v,
            _ => {}
        }
    }

    /// Push a value (a native function's result, or a call argument).
    #[inline]
    pub fn push(&mut self, v: Value) {
        if self.top >= self.stack.len() {
            self.grow_stack(1);
        }
        self.stack[self.top] = v;
        self.top += 1;
    }

    /// Make sure `n` more slots exist above `top`.
    pub(crate) fn ensure_stack(&mut self, n: usize) -> LuaResult<()> {
        if self.top + n > MAX_STACK {
            return Err(self.rt_error("stack overflow"));
        }
        if self.top + n > self.stack.len() {
            self.check_stack_memory(self.top + n)?;
            self.grow_stack(n);
        }
        Ok(())
    }

    fn grow_stack(&mut self, n: usize) {
        let needed = self.top + n;
        let new_len = needed.max(self.stack.len() * 2);
        self.resize_stack(new_len);
    }

    /// Lengthen the running thread's stack, counting its memory in the heap (a coroutine's
    /// stack is given back when the coroutine is collected, by the size it has then).
    pub(crate) fn resize_stack(&mut self, new_len: usize) {
        let before = self.stack.capacity();
        self.stack.resize(new_len, Value::Nil);
        let slot = std::mem::size_of::<Value>();
        self.heap
            .resized(before * slot, self.stack.capacity() * slot);
    }

    /// Refuse a stack of `len` slots that the memory limit cannot hold.
    pub(crate) fn check_stack_memory(&mut self, len: usize) -> LuaResult<()> {
        let growth = len.saturating_sub(self.stack.capacity());
        if self
            .heap
            .would_exceed(growth * std::mem::size_of::<Value>())
        {
            return Err(self.memory_error());
        }
        Ok(())
    }

    /// Drop the running native function's values above `n` arguments (like `lua_settop`).
    pub fn set_top(&mut self, n: usize) {
        let new_top = self.native_base() + n;
        while self.top < new_top {
            self.push(Value::Nil);
        }
        self.top = new_top;
    }

    /// Upvalue `i` (0-based) of the running native function.
    pub fn native_upvalue(&self, i: usize) -> Value {
        let Some(frame) = self.frames.last() else {
            return Value::Nil;
        };
        match self.stack[frame.func] {
            Value::NativeFunction(f) => f.upvalues.get(i).map_or(Value::Nil, |c| c.get()),
            _ => Value::Nil,
        }
    }

    pub fn set_native_upvalue(&self, i: usize, v: Value) {
        let Some(frame) = self.frames.last() else {
            return;
        };
        if let Value::NativeFunction(f) = self.stack[frame.func] {
            if let Some(c) = f.upvalues.get(i) {
                c.set(v);
            }
        }
    }
}

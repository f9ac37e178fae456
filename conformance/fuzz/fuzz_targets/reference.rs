//! lua5.1 (Debian's liblua5.1) run in process, for the differential target: a state of its
//! own per program with a counting allocator and an instruction-count hook.
//!
//! The hook stops a program by `lua_error`, which `longjmp`s out of `budget_hook`. That frame
//! owns nothing that needs dropping (it only makes FFI calls on plain values), so no Rust
//! destructor is skipped; the state is closed by `lua_close`, which frees what the program
//! left behind.

use std::cell::Cell;
use std::ffi::{c_char, c_int, c_void};

use super::{INSTRUCTION_BUDGET, PRELUDE, REFERENCE_MEMORY};

#[repr(C)]
struct LuaState {
    _private: [u8; 0],
}

/// `lua_Debug`: only its address is used here; the size covers the C struct.
#[repr(C)]
struct LuaDebug {
    _opaque: [u8; 256],
}

type Alloc = unsafe extern "C" fn(*mut c_void, *mut c_void, usize, usize) -> *mut c_void;
type Hook = unsafe extern "C" fn(*mut LuaState, *mut LuaDebug);

const LUA_MASKCOUNT: c_int = 1 << 3;
const LUA_MULTRET: c_int = -1;

#[link(name = "lua5.1")]
extern "C" {
    fn lua_newstate(f: Alloc, ud: *mut c_void) -> *mut LuaState;
    fn lua_close(l: *mut LuaState);
    fn luaL_openlibs(l: *mut LuaState);
    fn luaL_loadbuffer(l: *mut LuaState, b: *const c_char, sz: usize, name: *const c_char)
        -> c_int;
    fn lua_pcall(l: *mut LuaState, nargs: c_int, nresults: c_int, errfunc: c_int) -> c_int;
    fn lua_sethook(l: *mut LuaState, f: Hook, mask: c_int, count: c_int) -> c_int;
    fn lua_tolstring(l: *mut LuaState, idx: c_int, len: *mut usize) -> *const c_char;
    fn lua_pushlstring(l: *mut LuaState, s: *const c_char, len: usize);
    fn lua_pushvalue(l: *mut LuaState, idx: c_int);
    fn lua_gettop(l: *mut LuaState) -> c_int;
    fn lua_error(l: *mut LuaState) -> c_int;
}

extern "C" {
    fn realloc(p: *mut c_void, size: usize) -> *mut c_void;
    fn free(p: *mut c_void);
    fn srand(seed: u32);
}

/// What the allocator counts for one state.
struct Heap {
    used: usize,
    refused: bool,
    /// Extra bytes given to every block, to move objects to other addresses (see `run`).
    pad: usize,
}

thread_local! {
    static BUDGET_REACHED: Cell<bool> = const { Cell::new(false) };
}

/// lua5.1's allocator contract (`lua_Alloc`), over the C heap, refusing past the budget.
unsafe extern "C" fn counting_alloc(
    ud: *mut c_void,
    ptr: *mut c_void,
    osize: usize,
    nsize: usize,
) -> *mut c_void {
    // SAFETY: `ud` is the `Heap` that `run` passed to `lua_newstate`, alive until `lua_close`
    // returns, and only this state's calls (on this thread) reach it.
    let heap = unsafe { &mut *(ud as *mut Heap) };
    let old = if ptr.is_null() { 0 } else { osize };
    if nsize == 0 {
        heap.used -= old;
        // SAFETY: a block this function returned earlier.
        unsafe { free(ptr) };
        return std::ptr::null_mut();
    }
    if nsize > old && heap.used + (nsize - old) > REFERENCE_MEMORY {
        heap.refused = true;
        return std::ptr::null_mut();
    }
    // SAFETY: `ptr` is null or a block this function returned; the padding only grows it.
    let block = unsafe { realloc(ptr, nsize + heap.pad) };
    if !block.is_null() {
        heap.used = heap.used + nsize - old;
    }
    block
}

/// Stops the program: after the first stop it fires on every instruction, so a program that
/// catches the error with `pcall` is stopped again at once outside it.
unsafe extern "C" fn budget_hook(l: *mut LuaState, _ar: *mut LuaDebug) {
    BUDGET_REACHED.with(|b| b.set(true));
    // SAFETY: `l` is the running thread the hook was called for; `lua_error` does not return.
    unsafe {
        lua_sethook(l, budget_hook, LUA_MASKCOUNT, 1);
        let text = b"instruction budget reached";
        lua_pushlstring(l, text.as_ptr().cast(), text.len());
        lua_error(l);
    }
}

/// The string at `idx`, if it is one (or a number).
fn string_at(l: *mut LuaState, idx: c_int) -> Option<Vec<u8>> {
    let mut len = 0usize;
    // SAFETY: `l` is a live state and `idx` a valid index; the bytes are copied before any
    // further call can collect the string.
    unsafe {
        let p = lua_tolstring(l, idx, &mut len);
        (!p.is_null()).then(|| std::slice::from_raw_parts(p.cast::<u8>(), len).to_vec())
    }
}

/// Run `source` in a fresh lua5.1 state: what it printed and its outcome line, or `None` when
/// the instruction or memory budget was reached. `pad` shifts every allocation's successor by
/// that many 16-byte units, giving the program's objects other addresses.
pub fn run(source: &[u8], pad: usize) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut heap = Box::new(Heap {
        used: 0,
        refused: false,
        pad: pad * 16,
    });
    BUDGET_REACHED.with(|b| b.set(false));
    // SAFETY: every call below is made on the state created here, with the stack layout each
    // one documents; the state is closed before `heap` is dropped.
    unsafe {
        // math.random is C's rand(): start it where a fresh lua5.1 process starts it.
        srand(1);
        let l = lua_newstate(counting_alloc, (&mut *heap as *mut Heap).cast());
        if l.is_null() {
            return None;
        }
        luaL_openlibs(l);
        let name = b"=prelude\0";
        let mut result = None;
        // Stack after the prelude: [run, printed].
        if luaL_loadbuffer(l, PRELUDE.as_ptr().cast(), PRELUDE.len(), name.as_ptr().cast()) == 0
            && lua_pcall(l, 0, 2, 0) == 0
            && lua_gettop(l) == 2
        {
            lua_sethook(l, budget_hook, LUA_MASKCOUNT, INSTRUCTION_BUDGET as c_int);
            lua_pushvalue(l, 1);
            lua_pushlstring(l, source.as_ptr().cast(), source.len());
            if lua_pcall(l, 1, 1, 0) == 0 {
                let outcome = string_at(l, -1);
                lua_sethook(l, budget_hook, 0, 0);
                lua_pushvalue(l, 2);
                if lua_pcall(l, 0, LUA_MULTRET, 0) == 0 {
                    result = string_at(l, -1).zip(outcome);
                }
            }
        }
        lua_close(l);
        if heap.refused || BUDGET_REACHED.with(|b| b.get()) {
            return None;
        }
        result
    }
}

//! The engine callbacks the server calls (`ValkeyModuleScriptingEngineMethods`): each turns
//! its raw arguments into safe values, hands them to [`Engine`], and turns the outcome back
//! into what the server expects. The unsafe code of the engine is here and in `module.rs`.
//!
//! Ownership across the boundary: the arrays and `CompiledFunction` structures the server
//! receives are allocated with the server's allocator (`ValkeyModule_Alloc`), since the server
//! frees the arrays itself; each `CompiledFunction` and the [`Compiled`] box behind its
//! `function` pointer are freed by `free_function`, the only place the server gives them back.

use crate::engine::{flag_bits, Compiled, Engine};
use crate::ffi::{self, CompiledFunction, LazyEnvReset, MemoryInfo, ModuleCtx, ModuleString};
use crate::module::{self, api, string_bytes, Context, RunState};
use redis_runtime::Subsystem;
use smallvec::SmallVec;
use std::ffi::{c_char, c_int, c_void};
use std::time::Duration;

/// The methods table registered with the server.
pub fn methods() -> ffi::EngineMethods {
    ffi::EngineMethods {
        version: ffi::ENGINE_ABI_VERSION,
        compile_code: Some(compile_code),
        free_function: Some(free_function),
        call_function: Some(call_function),
        get_function_memory_overhead: Some(function_memory_overhead),
        reset_env: Some(reset_env),
        get_memory_info: Some(get_memory_info),
        debugger_enable: Some(debugger_enable),
        debugger_disable: Some(debugger_nothing),
        debugger_start: Some(debugger_start),
        debugger_end: Some(debugger_nothing),
    }
}

/// The subsystem a callback names: `FUNCTION`, or else `EVAL` (the server only passes `ALL`
/// to `get_memory_info`, which handles it first).
fn subsystem(raw: c_int) -> Subsystem {
    if raw == ffi::SUBSYSTEM_FUNCTION {
        Subsystem::Functions
    } else {
        Subsystem::Eval
    }
}

/// The engine behind the server's `engine_ctx`, in its cell: a callback can arrive while
/// another runs (the server serves clients from inside a running script's tick), so each
/// callback borrows the engine through the cell and answers without it when it is taken.
///
/// # Safety
/// `engine_ctx` is the pointer registered in `OnLoad` (a leaked `Box<EngineCell>`), which
/// stays valid until `OnUnload`; the server calls the callbacks from its main thread.
unsafe fn engine<'a>(engine_ctx: *mut c_void) -> &'a EngineCell {
    // SAFETY: forwarded from the caller; only shared references are made.
    unsafe { &*engine_ctx.cast::<EngineCell>() }
}

/// What `engine_ctx` points at.
pub type EngineCell = std::cell::RefCell<Engine>;

/// The error of a callback that found the engine in use by another (a script running).
const ENGINE_BUSY: &[u8] = b"ERR the Lua engine is busy running a script";

/// The server strings of an array the server passed (`count` of them, or none when `items`
/// is null).
///
/// # Safety
/// `items` holds `count` live server strings (or is null).
unsafe fn server_strings<'a>(
    items: *mut *mut ModuleString,
    count: usize,
) -> &'a [*mut ModuleString] {
    if items.is_null() || count == 0 {
        return &[];
    }
    // SAFETY: forwarded from the caller.
    unsafe { std::slice::from_raw_parts(items.cast_const(), count) }
}

/// Fill `out` with the bytes of `strings` (in place: a returned list of inline capacity
/// would be copied on every call).
///
/// # Safety
/// Each of `strings` is a live server string, alive as long as the slices put in `out`.
unsafe fn fill_bytes(out: &mut SmallVec<[&[u8]; 8]>, strings: &[*mut ModuleString]) {
    // SAFETY: forwarded from the caller.
    out.extend(strings.iter().map(|&s| unsafe { string_bytes(s) }));
}

/// Allocate one `CompiledFunction` with the server's allocator; `None` if it has no memory.
fn new_compiled_function(
    compiled: Compiled,
    name: Option<&[u8]>,
    desc: Option<&[u8]>,
    f_flags: u64,
) -> Option<*mut CompiledFunction> {
    let raw = {
        // SAFETY: a plain allocation of the structure's size.
        unsafe { (api().alloc)(std::mem::size_of::<CompiledFunction>()) }
    }
    .cast::<CompiledFunction>();
    if raw.is_null() {
        return None;
    }
    let value = CompiledFunction {
        version: ffi::COMPILED_FUNCTION_VERSION,
        name: name.map_or(std::ptr::null_mut(), module::new_string),
        function: Box::into_raw(Box::new(compiled)).cast(),
        desc: desc.map_or(std::ptr::null_mut(), module::new_string),
        f_flags,
    };
    // SAFETY: `raw` is a fresh allocation of the right size (the server's allocator aligns
    // for any type).
    unsafe { raw.write(value) };
    Some(raw)
}

/// An array of `functions` for the server, in its allocator.
fn compiled_array(functions: Vec<*mut CompiledFunction>) -> *mut *mut CompiledFunction {
    let bytes = std::mem::size_of::<*mut CompiledFunction>();
    // SAFETY: a zeroed allocation of `len` pointers.
    let array =
        unsafe { (api().calloc)(functions.len().max(1), bytes) }.cast::<*mut CompiledFunction>();
    if array.is_null() {
        return array;
    }
    for (i, f) in functions.into_iter().enumerate() {
        // SAFETY: `i` is below the allocated length.
        unsafe { array.add(i).write(f) };
    }
    array
}

unsafe extern "C" fn compile_code(
    module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    subsystem_raw: c_int,
    code: *const c_char,
    code_len: usize,
    timeout: usize,
    out_count: *mut usize,
    err: *mut *mut ModuleString,
) -> *mut *mut CompiledFunction {
    // SAFETY: the server passes its engine context, a code buffer of `code_len` bytes, a live
    // module context and writable out-parameters, for the duration of this call.
    let (cell, code, ctx) = unsafe {
        let code = if code.is_null() {
            &[][..]
        } else {
            std::slice::from_raw_parts(code.cast::<u8>(), code_len)
        };
        (engine(engine_ctx), code, Context::new(module_ctx))
    };
    let outcome = match cell.try_borrow_mut() {
        Ok(mut engine) => compile(&mut engine, ctx, subsystem(subsystem_raw), code, timeout),
        Err(_) => Err(ENGINE_BUSY.to_vec()),
    };
    match outcome {
        Ok(functions) => {
            let count = functions.len();
            let array = compiled_array(functions);
            if !out_count.is_null() {
                // SAFETY: a writable out-parameter (see above).
                unsafe { out_count.write(if array.is_null() { 0 } else { count }) };
            }
            array
        }
        Err(message) => {
            if !err.is_null() {
                // SAFETY: a writable out-parameter; the server takes the string.
                unsafe { err.write(module::new_string(&message)) };
            }
            std::ptr::null_mut()
        }
    }
}

/// Compile a script or load a library: the functions for the server, or the error message.
fn compile(
    engine: &mut Engine,
    ctx: Context,
    subsystem: Subsystem,
    code: &[u8],
    timeout_ms: usize,
) -> Result<Vec<*mut CompiledFunction>, Vec<u8>> {
    match subsystem {
        Subsystem::Eval => engine.compile_script(code).and_then(|compiled| {
            let f = new_compiled_function(compiled, None, None, 0);
            f.map(|f| vec![f])
                .ok_or_else(|| b"ERR out of memory".to_vec())
        }),
        Subsystem::Functions => engine
            .load_library(ctx, code, Duration::from_millis(timeout_ms as u64))
            .and_then(|loaded| {
                let mut made = Vec::with_capacity(loaded.len());
                for f in &loaded {
                    let desc = f.description.as_deref();
                    match new_compiled_function(f.compiled, Some(&f.name), desc, flag_bits(f.flags))
                    {
                        Some(raw) => made.push(raw),
                        None => {
                            // SAFETY: each was made just above and never handed out.
                            made.iter()
                                .for_each(|&raw| unsafe { drop_compiled_function(raw) });
                            return Err(b"ERR out of memory".to_vec());
                        }
                    }
                }
                Ok(made)
            }),
    }
}

/// Free a `CompiledFunction` made by [`new_compiled_function`], with its strings and box.
///
/// # Safety
/// `raw` came from [`new_compiled_function`] and is not used afterwards.
unsafe fn drop_compiled_function(raw: *mut CompiledFunction) {
    // SAFETY: forwarded from the caller: every pointer inside was made by this module.
    unsafe {
        let f = raw.read();
        module::free_string(f.name);
        module::free_string(f.desc);
        if !f.function.is_null() {
            drop(Box::from_raw(f.function.cast::<Compiled>()));
        }
        (api().free)(raw.cast());
    }
}

unsafe extern "C" fn free_function(
    _module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    _subsystem: c_int,
    function: *mut CompiledFunction,
) {
    if function.is_null() {
        return;
    }
    // SAFETY: the server gives back a function `compile_code` made, once.
    unsafe {
        let compiled = (*function).function.cast::<Compiled>();
        if !compiled.is_null() {
            // Taken by a running script: the function stays in its interpreter until the next
            // reset (a leak of one entry, never a dangling one).
            if let Ok(mut engine) = engine(engine_ctx).try_borrow_mut() {
                engine.free(*compiled);
            }
        }
        drop_compiled_function(function);
    }
}

unsafe extern "C" fn call_function(
    module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    server_ctx: *mut ffi::ServerRuntimeCtx,
    function: *mut CompiledFunction,
    _subsystem: c_int,
    keys: *mut *mut ModuleString,
    nkeys: usize,
    args: *mut *mut ModuleString,
    nargs: usize,
) {
    // SAFETY: the server passes live contexts, a function `compile_code` made, and arrays of
    // `nkeys` and `nargs` live strings, for the duration of this call.
    let (cell, ctx, run, compiled, key_strings, arg_strings) = unsafe {
        (
            engine(engine_ctx),
            Context::new(module_ctx),
            RunState::new(server_ctx),
            function
                .as_ref()
                .and_then(|f| f.function.cast::<Compiled>().as_ref().copied()),
            server_strings(keys, nkeys),
            server_strings(args, nargs),
        )
    };
    let (mut keys, mut args) = (SmallVec::new(), SmallVec::new());
    // SAFETY: the strings live for this call (above).
    unsafe {
        fill_bytes(&mut keys, key_strings);
        fill_bytes(&mut args, arg_strings);
    }
    let (reply, counted) = match (compiled, cell.try_borrow_mut()) {
        (Some(compiled), Ok(mut engine)) => {
            engine.call(ctx, run, compiled, &keys, key_strings, &args)
        }
        (None, _) => (redis_runtime::Reply::error("ERR no such script"), false),
        (_, Err(_)) => (redis_runtime::Reply::Error(ENGINE_BUSY.to_vec()), false),
    };
    match reply {
        redis_runtime::Reply::Error(text) => ctx.reply_error(&text, !counted),
        reply => ctx.reply(&reply),
    }
}

unsafe extern "C" fn function_memory_overhead(
    _module_ctx: *mut ModuleCtx,
    function: *mut CompiledFunction,
) -> usize {
    let mut bytes = std::mem::size_of::<CompiledFunction>() + std::mem::size_of::<Compiled>();
    if !function.is_null() {
        // SAFETY: a live function `compile_code` made.
        unsafe {
            bytes += string_bytes((*function).name).len();
            bytes += string_bytes((*function).desc).len();
        }
    }
    bytes
}

/// Nothing is left to do on the server's background thread: the interpreter was replaced
/// (and the old one freed) on the main thread, where its memory belongs.
unsafe extern "C" fn reset_done(_context: *mut c_void) {}

unsafe extern "C" fn reset_env(
    module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    subsystem_raw: c_int,
    asynchronous: c_int,
) -> *mut LazyEnvReset {
    // SAFETY: the server's engine and module contexts, live for this call.
    let (cell, ctx) = unsafe { (engine(engine_ctx), Context::new(module_ctx)) };
    let reset = match cell.try_borrow_mut() {
        Ok(mut engine) => engine.reset(subsystem(subsystem_raw)),
        Err(_) => Err("a script is running".to_string()),
    };
    if let Err(e) = reset {
        ctx.log(
            "warning",
            format!("resetting the Lua engine failed: {e}").as_bytes(),
        );
    }
    if asynchronous == 0 {
        return std::ptr::null_mut();
    }
    // SAFETY: a zeroed allocation the server frees after calling the callback.
    let reset =
        unsafe { (api().calloc)(1, std::mem::size_of::<LazyEnvReset>()) }.cast::<LazyEnvReset>();
    if !reset.is_null() {
        // SAFETY: a fresh allocation of the right size.
        unsafe {
            reset.write(LazyEnvReset {
                context: std::ptr::null_mut(),
                callback: Some(reset_done),
            })
        };
    }
    reset
}

unsafe extern "C" fn get_memory_info(
    _module_ctx: *mut ModuleCtx,
    engine_ctx: *mut c_void,
    subsystem_raw: c_int,
) -> MemoryInfo {
    // SAFETY: the server's engine context.
    let cell = unsafe { engine(engine_ctx) };
    // Asked while a script runs: the figure is unknown for that moment.
    let used_memory = match (cell.try_borrow(), subsystem_raw) {
        (Ok(engine), ffi::SUBSYSTEM_ALL) => {
            engine.used_memory(&[Subsystem::Eval, Subsystem::Functions])
        }
        (Ok(engine), raw) => engine.used_memory(&[subsystem(raw)]),
        (Err(_), _) => 0,
    };
    MemoryInfo {
        version: ffi::MEMORY_INFO_VERSION,
        used_memory,
        engine_memory_overhead: std::mem::size_of::<Engine>(),
    }
}

/// `SCRIPT DEBUG`: the debugger is not available in this engine.
unsafe extern "C" fn debugger_enable(
    _module_ctx: *mut ModuleCtx,
    _engine_ctx: *mut c_void,
    _subsystem: c_int,
    _commands: *mut *const c_void,
    _commands_len: *mut usize,
) -> c_int {
    ffi::DEBUG_NOT_SUPPORTED
}

unsafe extern "C" fn debugger_nothing(
    _module_ctx: *mut ModuleCtx,
    _engine_ctx: *mut c_void,
    _subsystem: c_int,
) {
}

unsafe extern "C" fn debugger_start(
    _module_ctx: *mut ModuleCtx,
    _engine_ctx: *mut c_void,
    _subsystem: c_int,
    _source: *mut ModuleString,
) {
}

//! The Redis scripting runtime as Valkey's Lua scripting engine: a module that `MODULE LOAD`
//! takes (after `MODULE UNLOAD lua`, or with `--loadmodule` on a server built without its own
//! engine) and registers as the `LUA` engine, so EVAL, EVALSHA, SCRIPT, FUNCTION and FCALL
//! run on this runtime while the server keeps its cluster, replication and persistence.
//!
//! Layers, bottom up: `ffi` (the hand-written declarations of the module API and the
//! scripting-engine structures), `module` (the safe wrappers: calls, replies, strings, log),
//! `callbacks` (the engine callbacks, raw arguments to safe values), `engine` (both
//! interpreters and what each callback does) and `host` (the server as the runtime's `Host`).

mod callbacks;
mod engine;
mod ffi;
mod host;
mod module;

use engine::Engine;
use module::Context;
use std::ffi::c_int;
use std::sync::atomic::{AtomicPtr, Ordering};

/// The module's name (`MODULE LIST`, log lines `<lua> ...`): the one Valkey's own engine has,
/// so this one replaces it.
const MODULE_NAME: &std::ffi::CStr = c"lua";
/// The engine's name, matched against shebangs (`#!lua`) ignoring case.
const ENGINE_NAME: &std::ffi::CStr = c"LUA";

/// The registered engine, kept to unregister and free it on unload.
static ENGINE: AtomicPtr<callbacks::EngineCell> = AtomicPtr::new(std::ptr::null_mut());

/// Called by the server on `MODULE LOAD` (or `--loadmodule`).
///
/// # Safety
/// Called by the server with its module context.
#[no_mangle]
pub unsafe extern "C" fn ValkeyModule_OnLoad(
    ctx: *mut ffi::ModuleCtx,
    _argv: *mut *mut ffi::ModuleString,
    _argc: c_int,
) -> c_int {
    // SAFETY: `ctx` is the load context.
    if unsafe { module::init(ctx) }.is_err() {
        return ffi::ERR;
    }
    // SAFETY: the context is live for this call.
    let context = unsafe { Context::new(ctx) };
    match load(context) {
        Ok(()) => ffi::OK,
        Err(message) => {
            context.log("warning", message.as_bytes());
            ffi::ERR
        }
    }
}

fn load(ctx: Context) -> Result<(), String> {
    let api = module::api();
    // SAFETY: plain calls with the live load context and static C strings.
    let busy = unsafe { (api.is_module_name_busy)(MODULE_NAME.as_ptr()) } != 0;
    if busy {
        return Err("a module named lua is loaded already (MODULE UNLOAD lua first)".into());
    }
    // SAFETY: as above.
    unsafe { (api.set_module_attribs)(ctx.raw(), MODULE_NAME.as_ptr(), 1, ffi::APIVER_1) };
    let field = |name: &str| ctx.server_info_field("server", name);
    let dialect = redis_runtime::Dialect::valkey(
        &field("server_name").unwrap_or_else(|| "valkey".into()),
        &field("valkey_version").unwrap_or_default(),
        &field("redis_version").unwrap_or_default(),
    );
    let engine = Box::into_raw(Box::new(callbacks::EngineCell::new(Engine::new(dialect)?)));
    let mut methods = callbacks::methods();
    // SAFETY: the server copies the methods table and keeps `engine` as its engine context
    // until `OnUnload` unregisters it.
    let registered = unsafe {
        (api.register_scripting_engine)(
            ctx.raw(),
            ENGINE_NAME.as_ptr(),
            engine.cast(),
            &mut methods,
        )
    };
    if module::status(registered).is_err() {
        // SAFETY: the server refused it, so nothing else holds the engine.
        drop(unsafe { Box::from_raw(engine) });
        return Err("the server refused to register the LUA scripting engine".into());
    }
    ENGINE.store(engine, Ordering::SeqCst);
    Ok(())
}

/// Called by the server on `MODULE UNLOAD lua`.
///
/// # Safety
/// Called by the server with its module context.
#[no_mangle]
pub unsafe extern "C" fn ValkeyModule_OnUnload(ctx: *mut ffi::ModuleCtx) -> c_int {
    let api = module::api();
    // SAFETY: the live unload context and a static C string.
    let unregistered = unsafe { (api.unregister_scripting_engine)(ctx, ENGINE_NAME.as_ptr()) };
    if module::status(unregistered).is_err() {
        return ffi::ERR;
    }
    let engine = ENGINE.swap(std::ptr::null_mut(), Ordering::SeqCst);
    if !engine.is_null() {
        // SAFETY: the server no longer knows the engine; this was its only owner.
        drop(unsafe { Box::from_raw(engine) });
    }
    ffi::OK
}

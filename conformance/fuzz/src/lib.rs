//! What the fuzz targets share: a Lua state under an instruction and memory budget, with
//! Redis's libraries opened, so that any input ends (in an error at worst) quickly.

use lua_core::api::{Error, HookMask, Lua};
use redis_runtime::ExtraLibrary;

/// Instructions a fuzzed script may run before it is stopped.
pub const INSTRUCTION_BUDGET: u32 = 200_000;
/// Heap bytes a fuzzed script may use beyond the fresh state's.
pub const MEMORY_BUDGET: usize = 32 * 1024 * 1024;

/// A state with the safe standard libraries and Redis's four, a memory limit, and a hook that
/// stops any script after [`INSTRUCTION_BUDGET`] instructions.
pub fn budgeted_lua() -> Lua {
    let lua = Lua::new();
    lua.enter(|ctx| {
        for library in ExtraLibrary::ALL {
            library.open(ctx)?;
        }
        Ok(())
    })
    .expect("libraries open");
    let limit = lua.used_memory() + MEMORY_BUDGET;
    lua.set_memory_limit(Some(limit)).expect("limit");
    let mask = HookMask {
        every_nth_instruction: Some(INSTRUCTION_BUDGET),
        ..Default::default()
    };
    lua.set_hook(mask, |_, _| Err(Error::Interrupted))
        .expect("hook");
    lua
}

/// Run `script` with the fuzz input as the global `input` (a string). Every outcome is
/// acceptable except a crash, a hang or a panic; the result is ignored.
pub fn run_with_input(lua: &Lua, script: &str, input: &[u8]) {
    let Ok(s) = lua.create_string(input) else {
        return;
    };
    if lua.globals().set("input", s).is_err() {
        return;
    }
    let _ = lua.load(script).exec();
}

thread_local! {
    static SHARED: Lua = budgeted_lua();
}

/// [`run_with_input`] in one state kept for the whole campaign: for targets whose scripts
/// only call library functions (no globals changed), building a state per input would be most
/// of the time.
pub fn run_shared(script: &str, input: &[u8]) {
    SHARED.with(|lua| run_with_input(lua, script, input));
}

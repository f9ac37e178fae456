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
    static SHARED: (Lua, std::cell::RefCell<Vec<(&'static str, lua_core::api::Function)>>) =
        (budgeted_lua(), std::cell::RefCell::new(Vec::new()));
}

/// Call `script` (compiled once, kept) with the fuzz input as `input`, in one state kept for
/// the whole campaign: for targets whose scripts only call library functions (no globals
/// changed), building a state and compiling per input would be most of the time.
pub fn run_shared(script: &'static str, input: &[u8]) {
    SHARED.with(|(lua, compiled)| {
        let cached = compiled
            .borrow()
            .iter()
            .find(|(s, _)| std::ptr::eq(*s, script))
            .map(|(_, f)| f.clone());
        let function = match cached {
            Some(f) => f,
            None => {
                let source = format!("local input = ... {script}");
                let f = lua
                    .load(source)
                    .into_function()
                    .expect("the target's script compiles");
                compiled.borrow_mut().push((script, f.clone()));
                f
            }
        };
        if let Ok(s) = lua.create_string(input) {
            let _ = function.call::<_, ()>(s);
        }
    });
}

//! Differential fuzzing of the interpreter against lua5.1 itself: the input is a Lua program,
//! run in our interpreter and in Debian's liblua5.1 (linked into this fuzz binary only), each
//! under an instruction and memory budget; what the program prints, and how it ends (its
//! result, its error message, or its compile error), must be the same.
//!
//! The program runs without the libraries whose results depend on the machine or the moment
//! (`io`, `os`, `package`, file loading, `collectgarbage`, the hook functions of `debug`),
//! without binary chunks (lua5.1 runs them unverified: a mutated one can corrupt its memory,
//! so `load` is gone and `loadstring` refuses them), and with a `print` that collects its lines. Addresses (`table: 0x...`) are blanked before the
//! comparison. A run that reaches either budget proves nothing and is not compared; nor is a
//! program whose lua5.1 output changes when only its objects' addresses change (the order of
//! tables keyed by tables, say), which a second lua5.1 run with shifted allocations detects.
//!
//! Needs `liblua5.1-0-dev` (the shared library and its link name `lua5.1`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use lua_core::api::{Error, Function, HookMask, Library, Lua, LuaOptions};
use std::cell::Cell;
use std::rc::Rc;

mod reference;

/// Instructions either interpreter may run for one input.
const INSTRUCTION_BUDGET: u32 = 200_000;
/// Heap bytes lua5.1 may allocate; ours gets twice as much, so that a program within lua5.1's
/// budget is within ours too (a difference in where each runs out would not be a finding).
const REFERENCE_MEMORY: usize = 32 << 20;

/// Run on both sides: hides the machine-dependent libraries, replaces `print` by a collector,
/// and returns the function running a source and the one returning what was printed. Each
/// outcome is one line: `compile: <message>`, `ok`, `error: <message>` or `error object: <type>`.
pub const PRELUDE: &str = r#"
local out = {}
local tostring, select, concat, type, pcall, loadstring =
  tostring, select, table.concat, type, pcall, loadstring
print = function(...)
  local parts = {}
  for i = 1, select('#', ...) do parts[i] = tostring((select(i, ...))) end
  out[#out + 1] = concat(parts, '\t')
end
io, os, package, require, module, dofile, loadfile, collectgarbage, gcinfo, load = nil
-- lua5.1 runs binary chunks unverified: a mutated one can corrupt its memory.
local raw_loadstring = loadstring
loadstring = function(s, ...)
  if type(s) == 'string' and s:byte(1) == 27 then return nil, 'binary chunk' end
  return raw_loadstring(s, ...)
end
debug.sethook, debug.gethook, debug.getregistry, debug.debug = nil
local function run(source)
  local f, err = loadstring(source, '=input')
  if not f then return 'compile: ' .. err end
  local ok, e = pcall(f)
  if ok then return 'ok' end
  local t = type(e)
  if t == 'string' or t == 'number' then return 'error: ' .. e end
  return 'error object: ' .. t
end
local function printed() return concat(out, '\n') end
return run, printed
"#;

/// How one interpreter ended a program: what it printed and its outcome line, or `None` when
/// a budget was reached (nothing to compare).
type Outcome = Option<(Vec<u8>, Vec<u8>)>;

fn run_ours(source: &[u8]) -> Outcome {
    // Every library, opened in lua5.1's order (which decides the order of `pairs(_G)`).
    let lua = Lua::new_with(Library::ALL, LuaOptions::new()).ok()?;
    let (run, printed): (Function, Function) = lua.load(PRELUDE).set_name("=prelude").call(()).ok()?;
    let limit = lua.used_memory() + 2 * REFERENCE_MEMORY;
    lua.set_memory_limit(Some(limit)).ok()?;
    let stopped = Rc::new(Cell::new(false));
    let flag = stopped.clone();
    let mask = HookMask {
        every_nth_instruction: Some(INSTRUCTION_BUDGET),
        ..Default::default()
    };
    lua.set_hook(mask, move |_, _| {
        flag.set(true);
        Err(Error::Interrupted)
    })
    .ok()?;
    let source = lua.create_string(source).ok()?;
    let outcome = run.call::<_, lua_core::api::LuaString>(source);
    if stopped.get() {
        return None;
    }
    let outcome = outcome.ok()?.as_bytes().ok()?.to_vec();
    lua.remove_hook().ok()?;
    let printed = printed.call::<_, lua_core::api::LuaString>(()).ok()?;
    let printed = printed.as_bytes().ok()?.to_vec();
    Some((printed, outcome))
}

/// Blank every `0x` followed by hex digits: addresses differ between any two runs.
fn blank_addresses(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i..].starts_with(b"0x") {
            let digits = text[i + 2..]
                .iter()
                .take_while(|c| c.is_ascii_hexdigit())
                .count();
            if digits > 0 {
                out.extend_from_slice(b"0x?");
                i += 2 + digits;
                continue;
            }
        }
        out.push(text[i]);
        i += 1;
    }
    out
}

fn normalized(outcome: Outcome) -> Option<(Vec<u8>, Vec<u8>)> {
    outcome.map(|(printed, end)| (blank_addresses(&printed), blank_addresses(&end)))
}

/// An outcome as text, for messages.
fn shown(outcome: &Outcome) -> Option<(String, String)> {
    outcome.as_ref().map(|(printed, end)| {
        (
            String::from_utf8_lossy(printed).into_owned(),
            String::from_utf8_lossy(end).into_owned(),
        )
    })
}

fuzz_target!(|source: &[u8]| {
    let theirs = normalized(reference::run(source, 0));
    if std::env::var_os("DIFFERENTIAL_SHOW").is_some() {
        // For triage: `DIFFERENTIAL_SHOW=1 lua_differential file.lua` shows both sides.
        let ours = normalized(run_ours(source));
        eprintln!("lua5.1: {:?}\nours:   {:?}", shown(&theirs), shown(&ours));
    }
    let Some(theirs) = theirs else {
        return;
    };
    let Some(ours) = normalized(run_ours(source)) else {
        return;
    };
    if ours == theirs {
        return;
    }
    // A program whose output follows its objects' addresses is not a finding.
    match normalized(reference::run(source, 1)) {
        Some(again) if again == theirs => {}
        _ => return,
    }
    panic!(
        "lua5.1 and ours differ on\n{}\n--- lua5.1 printed\n{}\n--- and ended with\n{}\n--- ours printed\n{}\n--- and ended with\n{}",
        String::from_utf8_lossy(source),
        String::from_utf8_lossy(&theirs.0),
        String::from_utf8_lossy(&theirs.1),
        String::from_utf8_lossy(&ours.0),
        String::from_utf8_lossy(&ours.1),
    );
});

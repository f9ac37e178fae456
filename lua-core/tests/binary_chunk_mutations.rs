//! Crafted binary chunks never crash the process: the dumps of the compiler test programs,
//! mutated (bytes changed, inserted, removed, cut), are loaded and, when the loader and its
//! verifier accept them, run in an empty environment under an instruction and memory budget.
//! The test passes when nothing panics or aborts; it also checks that mutated chunks do get
//! past the verifier and run, so the VM itself is exercised on code the compiler never made.

use lua_core::api::{Error, HookMask, Library, Lua, LuaOptions};
use std::cell::Cell;
use std::fs;
use std::path::Path;
use std::rc::Rc;

/// A fixed xorshift generator: the same mutations on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const MUTATIONS_PER_CHUNK: usize = 300;

fn mutate(rng: &mut Rng, chunk: &[u8]) -> Vec<u8> {
    let mut m = chunk.to_vec();
    // Past the 12-byte header most of the time: a bad header is refused at once.
    let pick = |rng: &mut Rng, len: usize| {
        if len > 12 && rng.below(10) != 0 {
            12 + rng.below(len - 12)
        } else {
            rng.below(len)
        }
    };
    for _ in 0..=rng.below(3) {
        if m.is_empty() {
            break;
        }
        let at = pick(rng, m.len());
        match rng.below(6) {
            0 => m[at] ^= 1 << rng.below(8),
            1 => m[at] = rng.next() as u8,
            2 => m[at] = m[at].wrapping_add(1),
            3 => m.insert(at, rng.next() as u8),
            4 => {
                m.remove(at);
            }
            _ => m.truncate(at),
        }
    }
    m
}

/// A fresh interpreter with the libraries a mutated chunk can reach through its environment.
fn sandbox() -> (Lua, Rc<Cell<u64>>) {
    let libraries = [
        Library::Base,
        Library::String,
        Library::Table,
        Library::Math,
    ];
    let lua = Lua::new_with(&libraries, LuaOptions::new().memory_limit(32 << 20)).unwrap();
    let steps = Rc::new(Cell::new(0u64));
    let counter = steps.clone();
    let mask = HookMask {
        every_nth_instruction: Some(1000),
        ..Default::default()
    };
    lua.set_hook(mask, move |_, _| {
        counter.set(counter.get() + 1);
        if counter.get() > 200 {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    })
    .unwrap();
    (lua, steps)
}

const RUN_MUTANT: &str = r#"
local chunk = ...
local f = loadstring(chunk, "=mutant")
if not f then return "refused" end
-- Only harmless functions are reachable: no output, no files, no loading of more code.
local env = {
  pairs = pairs, ipairs = ipairs, next = next, type = type, tostring = tostring,
  tonumber = tonumber, select = select, unpack = unpack, error = error, pcall = pcall,
  rawget = rawget, rawset = rawset, setmetatable = setmetatable, getmetatable = getmetatable,
  string = {format = string.format, sub = string.sub, byte = string.byte, char = string.char},
  table = {insert = table.insert, concat = table.concat, sort = table.sort},
  math = {floor = math.floor, max = math.max, min = math.min},
}
setfenv(f, env)
pcall(f, 1, "two", {})
return "ran"
"#;

#[test]
fn mutated_dumps_never_crash() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bytecode");
    let mut sources: Vec<_> = fs::read_dir(&dir)
        .expect("tests/bytecode exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "lua"))
        .collect();
    sources.sort();
    assert!(sources.len() > 20, "too few programs in {}", dir.display());

    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut refused, mut ran) = (0usize, 0usize);
    for path in &sources {
        let source = fs::read(path).unwrap();
        let (lua, _) = sandbox();
        let dump: Option<lua_core::api::LuaString> = lua
            .load(
                b"local src = ... local f = loadstring(src) return f and string.dump(f)".as_slice(),
            )
            .call(lua.create_string(&source).unwrap())
            .unwrap();
        let Some(dump) = dump else { continue };
        let dump = dump.as_bytes().unwrap().to_vec();
        for _ in 0..MUTATIONS_PER_CHUNK {
            let mutant = mutate(&mut rng, &dump);
            let (lua, _) = sandbox();
            let runner = lua.load(RUN_MUTANT).set_name("=runner");
            let arg = lua.create_string(&mutant).unwrap();
            match runner.call::<_, String>(arg) {
                Ok(outcome) if outcome == "ran" => ran += 1,
                Ok(_) => refused += 1,
                // Interrupted by the budget, or out of memory: both are clean stops.
                Err(_) => ran += 1,
            }
        }
    }
    eprintln!("mutated chunks: {ran} loaded and ran, {refused} refused");
    assert!(ran > 100, "too few mutants got past the verifier ({ran})");
    assert!(refused > 100, "too few mutants were refused ({refused})");
}

//! Lexer and compiler on arbitrary bytes: compiling never crashes, whatever the input.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lua = lua_core::api::Lua::new();
    let _ = lua.load(data).into_function();
});

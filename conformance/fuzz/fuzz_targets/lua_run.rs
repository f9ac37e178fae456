//! The VM on arbitrary programs under an instruction and memory budget: any source either fails
//! to compile or runs to an end (a result, an error, the budget).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let lua = fuzz::budgeted_lua();
    let _ = lua.load(data).exec();
});

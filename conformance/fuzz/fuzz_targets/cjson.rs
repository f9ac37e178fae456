//! cjson.decode on arbitrary bytes, and encode of whatever it decoded.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fuzz::run_shared(
        "local ok, v = pcall(cjson.decode, input) if ok then cjson.encode(v) end",
        data,
    );
});

//! struct.pack/unpack/size with arbitrary formats: the first byte says how much of the input
//! is the format, the rest is the data to unpack.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fuzz::run_shared(
        "local n = input:byte(1) or 0 \
         local fmt, body = input:sub(2, n + 1), input:sub(n + 2) \
         pcall(struct.size, fmt) \
         local r = {pcall(struct.unpack, fmt, body)} \
         if r[1] then pcall(struct.pack, fmt, unpack(r, 2)) end \
         pcall(struct.pack, fmt, 1, 2, 'abc', 3.5, -1)",
        data,
    );
});

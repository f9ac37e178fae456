//! cmsgpack.unpack on arbitrary bytes, and pack of whatever it unpacked.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fuzz::run_shared(
        "local r = {pcall(cmsgpack.unpack, input)} if r[1] then pcall(cmsgpack.pack, unpack(r, 2)) end \
         pcall(cmsgpack.unpack_limit, input, 3) pcall(cmsgpack.unpack_one, input, 1)",
        data,
    );
});

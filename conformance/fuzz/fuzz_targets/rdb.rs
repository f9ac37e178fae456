//! Loading an RDB file (and a DUMP payload) from arbitrary bytes: refused or loaded, never a
//! crash or an allocation the size a corrupt length field asks for.
#![no_main]
use libfuzzer_sys::fuzz_target;
use server::db::encoding::Limits;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let _ = server::rdb::snapshot::load(data, 16, &limits, 1_700_000_000_000);
    let _ = server::rdb::snapshot::read_dump_value(data, &limits);
});

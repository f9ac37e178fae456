//! Loading an RDB file (and a DUMP payload) from arbitrary bytes: refused or loaded, never a
//! crash or an allocation the size a corrupt length field asks for. The same bytes fed in
//! chunks (a replica's diskless load) must load as the whole file does.
#![no_main]
use libfuzzer_sys::fuzz_target;
use server::db::encoding::Limits;
use server::rdb::incremental::IncrementalLoad;
use server::rdb::load::{load, read_dump_value};

const NOW_MS: i64 = 1_700_000_000_000;

fuzz_target!(|data: &[u8]| {
    let limits = Limits::default();
    let whole = load(data, 16, &limits, NOW_MS);
    let _ = read_dump_value(data, &limits);

    // Chunk sizes from 1 to 64 bytes, chosen by the input's length, so each input is also
    // read cut at many places.
    let chunk = data.len() % 64 + 1;
    let mut incremental = IncrementalLoad::new(16, &limits, NOW_MS, None);
    let mut finished = None;
    let mut pieces = data.chunks(chunk).peekable();
    while let Some(piece) = pieces.next() {
        match incremental.feed(piece, pieces.peek().is_none()) {
            Ok(Some(done)) => {
                finished = Some(Ok(done));
                break;
            }
            Ok(None) => {}
            Err(error) => {
                finished = Some(Err(error));
                break;
            }
        }
    }
    if let Ok(whole) = whole {
        match finished {
            Some(Ok(done)) => {
                assert_eq!(done.loaded.keys_loaded, whole.keys_loaded);
                assert_eq!(done.loaded.consumed, whole.consumed);
            }
            _ => panic!("the whole file loads but the same bytes in chunks do not"),
        }
    }
});

//! The RESP request parser on arbitrary bytes, request after request, as a connection's input
//! buffer is parsed.
#![no_main]
use libfuzzer_sys::fuzz_target;
use server::resp::request::{parse, Args, Limits, Parsed};

fuzz_target!(|data: &[u8]| {
    for unauthenticated in [false, true] {
        let limits = Limits {
            max_bulk: 512 * 1024 * 1024,
            unauthenticated,
        };
        let mut args = Args::default();
        let mut rest = data;
        // Each request consumes at least one byte, so this ends.
        while !rest.is_empty() {
            match parse(rest, limits, &mut args) {
                Parsed::Request { consumed } if consumed > 0 && consumed <= rest.len() => {
                    let _ = args.slices(rest);
                    rest = &rest[consumed..];
                }
                Parsed::Request { .. } => panic!("a request consumed nothing or too much"),
                Parsed::Incomplete { .. } | Parsed::Error(_) => break,
            }
        }
    }
});

//! The `struct` library (pack, unpack, size as Redis 7.0 bundles them): every case of
//! `cases/struct.cases` run against the Rust library, focused checks of the options, the C
//! conversions and every error text, huge sizes and counts, and a pseudo-random round trip.

use lua_core::api::{Bytes, Error, Lua, Table, Value};
use redis_runtime::libs::lua_struct;

/// A fresh state with the standard libraries and `struct`, made read-only as Redis makes it.
fn state() -> Lua {
    let lua = Lua::new();
    lua.enter(|ctx| {
        lua_struct::open(ctx)?;
        Ok(())
    })
    .unwrap();
    let table: Table = lua.globals().get("struct").unwrap();
    table.set_readonly(true).unwrap();
    lua
}

/// Run `script` as Redis names it (`user_script`) and give its first result.
fn run(lua: &Lua, script: &str) -> Result<Value, Error> {
    lua.load(script).set_name("=user_script").eval::<Value>()
}

fn eval_bytes(script: &str) -> Vec<u8> {
    state().load(script).eval::<Bytes>().unwrap().0
}

fn eval_numbers(script: &str) -> Vec<f64> {
    let lua = state();
    let t: Table = lua.load(script).eval().unwrap();
    t.sequence_values::<f64>().map(|v| v.unwrap()).collect()
}

/// The message of the error `script` raises.
fn error_of(script: &str) -> String {
    match run(&state(), script) {
        Err(Error::RuntimeError { message, .. }) => message,
        other => panic!("{script}: expected a runtime error, got {other:?}"),
    }
}

// ---- the golden cases ------------------------------------------------------------------------
mod golden;

use golden::{parse_cases, reply_text, without_script_suffix};

#[test]
fn golden_cases() {
    let cases = parse_cases(include_str!("cases/struct.cases"));
    assert!(cases.len() > 150, "parsed only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let got = reply_text(run(&state(), &case.script));
        if got != without_script_suffix(&case.reply) {
            failures.push(format!(
                "{}\n  expected {}\n  got      {}",
                case.name, case.reply, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---- pack ------------------------------------------------------------------------------------

#[test]
fn pack_integer_widths_and_orders() {
    let cases: &[(&str, &[u8])] = &[
        ("'<h', -2", b"\xfe\xff"),
        ("'>h', -2", b"\xff\xfe"),
        ("'<i3', 0x123456", b"\x56\x34\x12"),
        ("'>I3', 0x123456", b"\x12\x34\x56"),
        ("'<l', -1", b"\xff\xff\xff\xff\xff\xff\xff\xff"),
        ("'>T', 258", b"\0\0\0\0\0\0\x01\x02"),
        // Bytes past the 8 of a C long are zero, even for negative numbers.
        ("'<i10', -1", b"\xff\xff\xff\xff\xff\xff\xff\xff\0\0"),
        ("'>i10', -1", b"\0\0\xff\xff\xff\xff\xff\xff\xff\xff"),
        ("'i0', 5", b""),
    ];
    for (args, want) in cases {
        assert_eq!(
            eval_bytes(&format!("return struct.pack({args})")),
            *want,
            "{args}"
        );
    }
}

#[test]
fn pack_converts_numbers_as_c_casts_do() {
    let cases: &[(&str, &[u8])] = &[
        ("2^64", b"\0\0\0\0\0\0\0\0"),
        ("2^63 + 2^12", b"\0\x10\0\0\0\0\0\x80"),
        ("-2^63", b"\0\0\0\0\0\0\0\x80"),
        ("-1e300", b"\0\0\0\0\0\0\0\x80"),
        ("0/0", b"\0\0\0\0\0\0\0\x80"),
        ("1/0", b"\0\0\0\0\0\0\0\0"),
        ("-1.9", b"\xff\xff\xff\xff\xff\xff\xff\xff"),
        ("1.9", b"\x01\0\0\0\0\0\0\0"),
    ];
    for (value, want) in cases {
        let got = eval_bytes(&format!("return struct.pack('<i8', {value})"));
        assert_eq!(got, *want, "{value}");
    }
}

#[test]
fn pack_floats_and_strings() {
    assert_eq!(eval_bytes("return struct.pack('<f', 1.5)"), b"\0\0\xc0\x3f");
    assert_eq!(
        eval_bytes("return struct.pack('>f', 1e300)"),
        b"\x7f\x80\0\0"
    );
    assert_eq!(
        eval_bytes("return struct.pack('>d', 0.1)"),
        b"\x3f\xb9\x99\x99\x99\x99\x99\x9a"
    );
    assert_eq!(eval_bytes("return struct.pack('c0', 'a\\0b')"), b"a\0b");
    assert_eq!(
        eval_bytes("return struct.pack('c2s', 'xyz', 12)"),
        b"xy12\0"
    );
}

#[test]
fn pack_alignment() {
    let cases: &[(&str, &[u8])] = &[
        ("'!<b d', 1, 0", b"\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0"),
        ("'!2<b i4', 1, 2", b"\x01\0\x02\0\0\0"),
        // A size that is not a power of 2 aligns by the C formula: 2 bytes of padding here.
        ("'!8<b i3', 1, 2", b"\x01\0\0\x02\0\0"),
        ("'!4<b c3 s i2', 1, 'abc', '', 2", b"\x01abc\0\0\x02\0"),
        (
            "'!1073741824<b d', 1, 0",
            b"\x01\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(
            eval_bytes(&format!("return struct.pack({args})")),
            *want,
            "{args}"
        );
    }
}

#[test]
fn format_ends_at_first_zero_byte() {
    assert_eq!(eval_bytes("return struct.pack('b\\0b', 1, 2)"), b"\x01");
    assert_eq!(eval_numbers("return {struct.size('b\\0z')}"), [1.0]);
    assert_eq!(
        eval_numbers("return {struct.unpack('b\\0b', '\\1\\2')}"),
        [1.0, 2.0]
    );
}

// ---- unpack ----------------------------------------------------------------------------------

#[test]
fn unpack_sign_extension_of_wide_integers() {
    // Only 8 bytes are kept; the sign bit tested is where the C shift count wraps to.
    let nine = "'\\128' .. string.rep('\\0', 8)";
    assert_eq!(
        eval_numbers(&format!("return {{struct.unpack('<i9', {nine})}}")),
        [-128.0, 10.0]
    );
    assert_eq!(
        eval_numbers(&format!("return {{struct.unpack('<I9', {nine})}}")),
        [128.0, 10.0]
    );
    assert_eq!(
        eval_numbers(
            "return {struct.unpack('>i16', string.rep('\\0', 8) .. string.rep('\\255', 8))}"
        ),
        [-1.0, 17.0]
    );
    assert_eq!(
        eval_numbers("return {struct.unpack('<i0', '')}"),
        [0.0, 1.0]
    );
}

#[test]
fn unpack_c0_sizes() {
    let lua = state();
    let strings = |script: &str| -> Vec<Value> {
        let t: Table = lua.load(script).eval().unwrap();
        t.sequence_values::<Value>().map(|v| v.unwrap()).collect()
    };
    let as_text = |v: &Value| match v {
        Value::String(s) => String::from_utf8(s.as_bytes().unwrap().to_vec()).unwrap(),
        Value::Number(n) => n.to_string(),
        other => format!("{other:?}"),
    };
    let cases = [
        // A previous string that reads as a number is a size too.
        ("return {struct.unpack('c1 c0', '2abc')}", "ab 4"),
        ("return {struct.unpack('c5 c0', ' 0x2 abc')}", "ab 8"),
        // Sizes are converted as C converts a double to size_t: 2.9 is 2, inf is 0.
        (
            "return {struct.unpack('<d c0', struct.pack('<d', 2.9) .. 'abc')}",
            "ab 11",
        ),
        (
            "return {struct.unpack('<d c0', struct.pack('<d', 1/0) .. 'abc')}",
            " 9",
        ),
    ];
    for (script, want) in cases {
        let got: Vec<String> = strings(script).iter().map(as_text).collect();
        assert_eq!(got.join(" "), want, "{script}");
    }
    for data in [
        "struct.pack('<d', 0/0) .. 'abc'",
        "struct.pack('<d', -1) .. 'abc'",
    ] {
        let msg = error_of(&format!("return struct.unpack('<d c0', {data})"));
        assert_eq!(
            msg,
            "user_script:1: bad argument #2 to 'unpack' (data string too short)"
        );
    }
}

#[test]
fn unpack_start_positions() {
    assert_eq!(
        eval_numbers("return {struct.unpack('', 'abc', -1)}"),
        [-1.0]
    );
    assert_eq!(
        eval_numbers("return {struct.unpack('', 'abc', 1e300)}"),
        [-(2f64.powi(63))]
    );
    assert_eq!(eval_numbers("return {struct.unpack('', 'abc', 4)}"), [4.0]);
    // Every option checks the position, spaces included, before anything else.
    for fmt in [" ", "y", "x"] {
        let msg = error_of(&format!("return struct.unpack('{fmt}', 'abc', 100)"));
        assert_eq!(
            msg,
            "user_script:1: bad argument #2 to 'unpack' (data string too short)"
        );
    }
}

#[test]
fn unpack_stops_at_the_native_stack_limit() {
    // Two arguments plus the results must leave room for two more values under 8000.
    let count = |n: usize, extra: &str| {
        format!("return #{{struct.unpack(string.rep('b', {n}), string.rep('\\1', 8000){extra})}}")
    };
    let ok: f64 = state().load(count(7997, "")).eval().unwrap();
    assert_eq!(ok, 7998.0);
    let ok: f64 = state().load(count(7996, ", 1")).eval().unwrap();
    assert_eq!(ok, 7997.0);
    let too_many = "user_script:1: stack overflow (too many results)";
    assert_eq!(error_of(&count(7998, "")), too_many);
    assert_eq!(error_of(&count(7997, ", 1")), too_many);
    // Items without a value do not count.
    let skips =
        "local ok, v, p = pcall(struct.unpack, string.rep('x', 1e6) .. 'b', string.rep('\\1', 2e6))
        return {ok and 1 or 0, v, p}";
    assert_eq!(eval_numbers(skips), [1.0, 1.0, 1_000_002.0]);
}

// ---- size ------------------------------------------------------------------------------------

#[test]
fn size_of_formats() {
    let cases = [
        ("''", 0.0),
        ("'bhilTfd'", 35.0),
        ("'!4 b i2 c3 d'", 16.0),
        ("'! i'", 4.0),
        ("'!'", 0.0),
        // Letters and digits that are not options are skipped.
        ("'bqz9'", 1.0),
        ("'c2147483647c2147483647'", 4294967294.0),
    ];
    for (fmt, want) in cases {
        assert_eq!(
            eval_numbers(&format!("return {{struct.size({fmt})}}")),
            [want],
            "{fmt}"
        );
    }
}

// ---- errors ----------------------------------------------------------------------------------

#[test]
fn error_texts() {
    let cases = [
        (
            "struct.pack()",
            "bad argument #1 to 'pack' (string expected, got no value)",
        ),
        (
            "struct.pack(nil)",
            "bad argument #1 to 'pack' (string expected, got nil)",
        ),
        (
            "struct.pack('z')",
            "bad argument #1 to 'pack' (invalid format option 'z')",
        ),
        (
            "struct.pack(12)",
            "bad argument #1 to 'pack' (invalid format option '1')",
        ),
        (
            "struct.pack('bx4b', 1, 2)",
            "bad argument #1 to 'pack' (invalid format option '4')",
        ),
        (
            "struct.pack('=i')",
            "bad argument #1 to 'pack' (invalid format option '=')",
        ),
        // A missing value reads `nil`: the C function has pushed one past its arguments.
        (
            "struct.pack('i')",
            "bad argument #2 to 'pack' (number expected, got nil)",
        ),
        (
            "struct.pack('b s', 1)",
            "bad argument #3 to 'pack' (string expected, got nil)",
        ),
        (
            "struct.pack('d', 'x')",
            "bad argument #2 to 'pack' (number expected, got string)",
        ),
        (
            "struct.pack('c', {})",
            "bad argument #2 to 'pack' (string expected, got table)",
        ),
        (
            "struct.pack('c5', 'abc')",
            "bad argument #3 to 'pack' (string too short)",
        ),
        (
            "struct.pack('c2147483647', 'a')",
            "bad argument #3 to 'pack' (string too short)",
        ),
        (
            "struct.pack('i33', 1)",
            "integral size 33 is larger than limit of 32",
        ),
        (
            "struct.pack('i2147483647', 1)",
            "integral size 2147483647 is larger than limit of 32",
        ),
        ("struct.pack('i2147483648', 1)", "integral size overflow"),
        ("struct.pack('c99999999999', 'a')", "integral size overflow"),
        ("struct.pack('!2147483648 d', 1)", "integral size overflow"),
        ("struct.pack('!3 i', 1)", "alignment 3 is not a power of 2"),
        ("struct.pack('!0 i', 1)", "alignment 0 is not a power of 2"),
        (
            "struct.unpack()",
            "bad argument #1 to 'unpack' (string expected, got no value)",
        ),
        (
            "struct.unpack('b')",
            "bad argument #2 to 'unpack' (string expected, got no value)",
        ),
        (
            "struct.unpack('b', nil)",
            "bad argument #2 to 'unpack' (string expected, got nil)",
        ),
        (
            "struct.unpack('b', 'a', 0)",
            "bad argument #3 to 'unpack' (offset must be 1 or greater)",
        ),
        (
            "struct.unpack('b', 'a', 'x')",
            "bad argument #3 to 'unpack' (number expected, got string)",
        ),
        (
            "struct.unpack('y', 'abc')",
            "bad argument #1 to 'unpack' (invalid format option 'y')",
        ),
        (
            "struct.unpack('i4', 'abc')",
            "bad argument #2 to 'unpack' (data string too short)",
        ),
        (
            "struct.unpack('c0', 'abc')",
            "format 'c0' needs a previous size",
        ),
        (
            "struct.unpack('c2 c0', 'abcd')",
            "format 'c0' needs a previous size",
        ),
        ("struct.unpack('s', 'abc')", "unfinished string in data"),
        (
            "struct.unpack('i33', 'abc')",
            "integral size 33 is larger than limit of 32",
        ),
        (
            "struct.size()",
            "bad argument #1 to 'size' (string expected, got no value)",
        ),
        (
            "struct.size('s')",
            "bad argument #1 to 'size' (option 's' has no fixed size)",
        ),
        (
            "struct.size('c0')",
            "bad argument #1 to 'size' (option 'c0' has no fixed size)",
        ),
        (
            "struct.size('=')",
            "bad argument #1 to 'size' (invalid format option '=')",
        ),
        ("struct.size('!3')", "alignment 3 is not a power of 2"),
        ("struct.size('c2147483648')", "integral size overflow"),
    ];
    for (call, want) in cases {
        assert_eq!(
            error_of(&format!("return {call}")),
            format!("user_script:1: {want}"),
            "{call}"
        );
    }
}

#[test]
fn errors_name_the_function_as_called() {
    assert_eq!(
        error_of("local p = struct.pack return p('z')"),
        "user_script:1: bad argument #1 to 'p' (invalid format option 'z')"
    );
    let got = eval_bytes("local ok, e = pcall(struct.unpack, 'i4', 'ab') return e");
    assert_eq!(got, b"bad argument #2 to '?' (data string too short)");
}

#[test]
fn invalid_option_byte_is_quoted_raw() {
    let got = eval_bytes("local ok, e = pcall(struct.pack, 'b\\200', 1) return e");
    assert_eq!(
        got,
        b"bad argument #1 to '?' (invalid format option '\xc8')"
    );
    let got = eval_bytes("local ok, e = pcall(struct.size, '\\255') return e");
    assert_eq!(
        got,
        b"bad argument #1 to '?' (invalid format option '\xff')"
    );
}

/// Run `script` in a fresh state holding `s` (1 MB) and `f` (9 MB of `x`), with room for 4 MB
/// more; describe the outcome briefly (results can be megabytes long).
fn run_with_4mb_to_spare(script: &str) -> String {
    let lua = state();
    lua.load("s = string.rep('a', 1e6) f = string.rep('x', 9e6)")
        .exec()
        .unwrap();
    lua.set_memory_limit(Some(lua.used_memory() + 4_000_000))
        .unwrap();
    match lua.load(script).eval::<Value>() {
        Ok(Value::String(s)) => format!("string of {}", s.len().unwrap()),
        Ok(other) => format!("{}", other.type_name()),
        Err(Error::MemoryError) => "not enough memory".to_string(),
        Err(e) => format!("error {e}"),
    }
}

#[test]
fn output_beyond_the_memory_limit_is_refused() {
    let many_strings = "local t = {} for i = 1, 100 do t[i] = s end
        return struct.pack(string.rep('c0', 100), unpack(t))";
    assert_eq!(run_with_4mb_to_spare(many_strings), "not enough memory");
    assert_eq!(
        run_with_4mb_to_spare("return struct.pack(f)"),
        "not enough memory"
    );
    assert_eq!(
        run_with_4mb_to_spare("return struct.pack('c0c0', s, s)"),
        "string of 2000000"
    );
}

// ---- pseudo-random round trip ----------------------------------------------------------------

/// A small deterministic generator (xorshift64*), so runs repeat exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// One item of a format and a Lua expression for a value it packs and unpacks unchanged.
    fn item(&mut self) -> (String, String) {
        match self.below(9) {
            0 => ("b".into(), format!("{}", self.below(256) as i64 - 128)),
            1 => ("H".into(), format!("{}", self.below(65536))),
            2 => ("i".into(), format!("{}", self.next() as i32)),
            3 => {
                let width = 1 + self.below(7) as u32;
                let bits = self.next() >> (64 - 8 * width);
                (format!("I{width}"), format!("{bits}"))
            }
            4 => ("l".into(), format!("{}", (self.next() as i64) >> 12)),
            5 => ("f".into(), format!("{}", self.below(1 << 20) as f64 / 64.0)),
            6 => (
                "d".into(),
                format!("{:e}", f64::from_bits(self.next() >> 2)),
            ),
            7 => {
                let len = self.below(6);
                let text: String = (0..len)
                    .map(|_| (b'a' + self.below(26) as u8) as char)
                    .collect();
                (
                    format!("c{}", len.max(1)),
                    format!("'{}'", if len == 0 { "q" } else { &text }),
                )
            }
            _ => ("s".into(), format!("'s{}'", self.below(1000))),
        }
    }
}

#[test]
fn random_formats_round_trip() {
    let lua = state();
    let check: lua_core::api::Function = lua
        .load(
            "return function(fmt, ...)
                local packed = struct.pack(fmt, ...)
                local back = {struct.unpack(fmt, packed)}
                local n = select('#', ...)
                for i = 1, n do
                    if back[i] ~= select(i, ...) then
                        return 'value ' .. i .. ': ' .. tostring(back[i]) .. ' vs ' .. tostring((select(i, ...)))
                    end
                end
                if back[n + 1] ~= #packed + 1 then return 'next position ' .. tostring(back[n + 1]) end
                if not fmt:find('s') and struct.size(fmt) ~= #packed then return 'size' end
                return 'ok'
            end",
        )
        .eval()
        .unwrap();
    lua.globals().set("check", check).unwrap();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    for _ in 0..2000 {
        let mut fmt = match rng.below(4) {
            0 => String::from("<"),
            1 => String::from(">"),
            2 => format!("!{}", 1 << rng.below(5)),
            _ => String::from("! >"),
        };
        let mut values = Vec::new();
        for _ in 0..1 + rng.below(8) {
            let (opt, value) = rng.item();
            fmt.push(' ');
            fmt.push_str(&opt);
            values.push(value);
        }
        let call = format!("return check('{fmt}', {})", values.join(", "));
        let verdict: String = lua.load(&call).eval().unwrap();
        assert_eq!(verdict, "ok", "{call}");
    }
}

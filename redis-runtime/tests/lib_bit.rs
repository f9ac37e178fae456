//! The `bit` library (Lua BitOp as Redis 7.0 bundles it): every case of `cases/bit.cases` run
//! against the Rust library, plus focused checks of the normalisation, `tohex`, the error texts
//! and a pseudo-random comparison with a plain Rust model of the operations.

use lua_core::api::{Error, Lua, Table, Value};
use redis_runtime::libs::bit;

/// A fresh state with the standard libraries and `bit`, made read-only as Redis makes it.
fn state() -> Lua {
    let lua = Lua::new();
    lua.enter(|ctx| {
        bit::open(ctx)?;
        Ok(())
    })
    .unwrap();
    let table: Table = lua.globals().get("bit").unwrap();
    table.set_readonly(true).unwrap();
    lua
}

/// Run `script` as Redis names it (`user_script`) and give its first result.
fn run(lua: &Lua, script: &str) -> Result<Value, Error> {
    lua.load(script).set_name("=user_script").eval::<Value>()
}

fn eval_string(script: &str) -> String {
    let lua = state();
    lua.load(script).eval::<String>().unwrap()
}

fn eval_number(script: &str) -> f64 {
    let lua = state();
    lua.load(script).eval::<f64>().unwrap()
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

/// Cases that depend on the Redis sandbox rather than on the library.
const SANDBOX_CASES: &[&str] = &[
    // `print` is not a global inside Redis scripts.
    "tobit function",
];

#[test]
fn golden_cases() {
    let text = include_str!("cases/bit.cases");
    let cases = parse_cases(text);
    assert!(cases.len() > 100, "parsed only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in cases
        .iter()
        .filter(|c| !SANDBOX_CASES.contains(&c.name.as_str()))
    {
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

// ---- normalisation -----------------------------------------------------------------------------

#[test]
fn tobit_rounds_to_even_and_wraps() {
    let cases = [
        ("0.5", 0.0),
        ("1.5", 2.0),
        ("2.5", 2.0),
        ("-2.5", -2.0),
        ("2^31", -2147483648.0),
        ("2^32 + 7", 7.0),
        ("-2^32 - 7", -7.0),
        ("2^52 + 0.5", 0.0),
        ("2^53 + 2", 1.0),
        ("1e20", 2025163840.0),
        ("1e300", -2013235812.0),
        ("0/0", 0.0),
        ("1/0", 0.0),
        ("-1/0", 0.0),
        ("' 0x10 '", 16.0),
    ];
    for (arg, want) in cases {
        assert_eq!(
            eval_number(&format!("return bit.tobit({arg})")),
            want,
            "{arg}"
        );
    }
}

#[test]
fn tobit_negative_zero_gives_positive_zero() {
    assert_eq!(
        eval_string("return string.format('%g', bit.tobit(-0.0))"),
        "0"
    );
}

#[test]
fn tobit_keeps_nan_payload_bits() {
    // The addition keeps a NaN's payload, whose low 32 bits become the result (as in C).
    let lua = state();
    let nan_with_payload = f64::from_bits(0x7ff8_0000_0000_0005);
    lua.globals().set("x", nan_with_payload).unwrap();
    assert_eq!(lua.load("return bit.tobit(x)").eval::<f64>().unwrap(), 5.0);
}

// ---- tohex -------------------------------------------------------------------------------------

#[test]
fn tohex_widths() {
    let cases = [
        ("0x12345678", "12345678"),
        ("-1", "ffffffff"),
        ("0xabcdef01, 4", "ef01"),
        ("0xabcdef01, -4", "EF01"),
        ("0xabcdef01, 0", ""),
        ("0xabcdef01, 12", "abcdef01"),
        ("0xabcdef01, -12", "ABCDEF01"),
        ("0xabcdef01, 2.5", "01"),
        ("0xabcdef01, 2^32 - 2", "01"),
        ("65535, -2147483648", "0000FFFF"),
        ("65535, 2^31", "0000FFFF"),
        ("65535, 2147483647", "0000ffff"),
        ("255, '3'", "0ff"),
    ];
    for (args, want) in cases {
        assert_eq!(
            eval_string(&format!("return bit.tohex({args})")),
            want,
            "{args}"
        );
    }
}

// ---- errors ------------------------------------------------------------------------------------

#[test]
fn argument_errors() {
    let cases = [
        (
            "bit.tobit()",
            "bad argument #1 to 'tobit' (number expected, got no value)",
        ),
        (
            "bit.tobit(nil)",
            "bad argument #1 to 'tobit' (number expected, got nil)",
        ),
        (
            "bit.tobit('abc')",
            "bad argument #1 to 'tobit' (number expected, got string)",
        ),
        (
            "bit.tobit('')",
            "bad argument #1 to 'tobit' (number expected, got string)",
        ),
        (
            "bit.tobit(true)",
            "bad argument #1 to 'tobit' (number expected, got boolean)",
        ),
        (
            "bit.tobit(print)",
            "bad argument #1 to 'tobit' (number expected, got function)",
        ),
        (
            "bit.tohex(1, nil)",
            "bad argument #2 to 'tohex' (number expected, got nil)",
        ),
        (
            "bit.tohex(1, {})",
            "bad argument #2 to 'tohex' (number expected, got table)",
        ),
        (
            "bit.bnot(nil)",
            "bad argument #1 to 'bnot' (number expected, got nil)",
        ),
        (
            "bit.bor()",
            "bad argument #1 to 'bor' (number expected, got no value)",
        ),
        // The operands after the first are read from the last one down.
        (
            "bit.band(1, {}, nil, 4)",
            "bad argument #3 to 'band' (number expected, got nil)",
        ),
        (
            "bit.bxor(1, false)",
            "bad argument #2 to 'bxor' (number expected, got boolean)",
        ),
        (
            "bit.lshift(1)",
            "bad argument #2 to 'lshift' (number expected, got no value)",
        ),
        (
            "bit.rshift(1, {})",
            "bad argument #2 to 'rshift' (number expected, got table)",
        ),
        (
            "bit.arshift(1)",
            "bad argument #2 to 'arshift' (number expected, got no value)",
        ),
        (
            "bit.rol(1)",
            "bad argument #2 to 'rol' (number expected, got no value)",
        ),
        (
            "bit.ror(1)",
            "bad argument #2 to 'ror' (number expected, got no value)",
        ),
        (
            "bit.bswap()",
            "bad argument #1 to 'bswap' (number expected, got no value)",
        ),
    ];
    for (call, want) in cases {
        assert_eq!(
            error_of(&format!("return {call}")),
            format!("user_script:1: {want}")
        );
    }
}

#[test]
fn error_through_pcall_names_no_function() {
    let got = eval_string("local ok, e = pcall(bit.band, 1, 'z') return tostring(ok) .. ' ' .. e");
    assert_eq!(
        got,
        "false bad argument #2 to '?' (number expected, got string)"
    );
}

#[test]
fn registration_order_and_readonly() {
    let names = eval_string(
        "local t = {} for k in pairs(bit) do t[#t+1] = k end return table.concat(t, ' ')",
    );
    let mut sorted: Vec<&str> = names.split(' ').collect();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        [
            "arshift", "band", "bnot", "bor", "bswap", "bxor", "lshift", "rol", "ror", "rshift",
            "tobit", "tohex"
        ]
    );
    assert!(error_of("bit.x = 1").ends_with("Attempt to modify a readonly table"));
}

#[test]
fn many_operands() {
    // As many arguments as a call can take: no limit of the library's own.
    let got = eval_number(
        "local t = {} for i = 1, 7000 do t[i] = -1 end t[7000] = 0x0f return bit.band(unpack(t))",
    );
    assert_eq!(got, 15.0);
}

// ---- pseudo-random comparison with a Rust model ----------------------------------------------

/// A small deterministic generator (xorshift64*), so runs repeat exactly.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number a script could pass: integers of any sign and size below 2^51, halves, and
    /// values beyond 32 bits.
    fn operand(&mut self) -> f64 {
        let r = self.next();
        let magnitude = (r >> 13) as f64 / (1u64 << (r % 40)) as f64;
        let value = match r % 4 {
            0 => magnitude.trunc(),
            1 => magnitude.trunc() + 0.5,
            2 => (r >> 32) as u32 as f64,
            _ => (r >> 32) as i32 as f64,
        };
        if r & 1 << 20 != 0 {
            -value
        } else {
            value
        }
    }
}

/// BitOp's operand for `x` (|x| < 2^51): rounded half to even, then wrapped to 32 bits.
fn model_bits(x: f64) -> u32 {
    x.round_ties_even() as i64 as u32
}

fn model(op: &str, a: u32, b: u32) -> u32 {
    let n = b & 31;
    match op {
        "band" => a & b,
        "bor" => a | b,
        "bxor" => a ^ b,
        "lshift" => a << n,
        "rshift" => a >> n,
        "arshift" => ((a as i32) >> n) as u32,
        "rol" => a.rotate_left(n),
        "ror" => a.rotate_right(n),
        _ => unreachable!(),
    }
}

#[test]
fn random_operands_match_the_model() {
    let lua = state();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let ops = [
        "band", "bor", "bxor", "lshift", "rshift", "arshift", "rol", "ror",
    ];
    let f: lua_core::api::Function = lua
        .load("return function(op, a, b) return bit[op](a, b), bit.tobit(a), bit.bnot(a), bit.bswap(a), bit.tohex(a) end")
        .eval()
        .unwrap();
    for i in 0..5000 {
        let op = ops[i % ops.len()];
        let (a, b) = (rng.operand(), rng.operand());
        let (result, tobit, bnot, bswap, hex): (f64, f64, f64, f64, String) =
            f.call((op, a, b)).unwrap();
        let (ma, mb) = (model_bits(a), model_bits(b));
        assert_eq!(result, model(op, ma, mb) as i32 as f64, "{op}({a}, {b})");
        assert_eq!(tobit, ma as i32 as f64, "tobit({a})");
        assert_eq!(bnot, !ma as i32 as f64, "bnot({a})");
        assert_eq!(bswap, ma.swap_bytes() as i32 as f64, "bswap({a})");
        assert_eq!(hex, format!("{ma:08x}"), "tohex({a})");
    }
}

//! Unit tests of the compiler that need generated sources too large for golden files. The
//! expected messages and listings were taken from lua5.1 / luac5.1.

use super::{compile, compile_at_depth};
use crate::bytecode::{list_proto, Constant, OpCode};

fn message(source: &[u8], chunkname: &str) -> String {
    match compile(source, chunkname.as_bytes()) {
        Ok(_) => "OK".to_string(),
        Err(e) => e.to_string(),
    }
}

fn repeat(piece: &str, n: usize) -> String {
    piece.repeat(n)
}

#[test]
fn constant_table_overflow() {
    let items: Vec<String> = (0..262_150).map(|i| i.to_string()).collect();
    let source = format!("local t = {{{}}}", items.join(","));
    assert_eq!(
        message(source.as_bytes(), "@k.lua"),
        "constant table overflow"
    );
}

#[test]
fn too_many_local_variable_entries() {
    let source: String = (0..32_800)
        .map(|i| format!("do local a{i} end\n"))
        .collect();
    assert_eq!(
        message(source.as_bytes(), "@l.lua"),
        "too many local variables"
    );
}

#[test]
fn control_structure_too_long() {
    let body = repeat("x = y\n", 70_000);
    let source = format!("if x then\n{body}end\n");
    assert_eq!(
        message(source.as_bytes(), "@cs.lua"),
        "cs.lua:70003: control structure too long near '<eof>'"
    );
    let source = format!("while x do\n{body}end\n");
    assert_eq!(
        message(source.as_bytes(), "@cs.lua"),
        "cs.lua:70002: control structure too long near 'end'"
    );
}

#[test]
fn huge_constructor_stores_its_block_number_in_the_next_word() {
    let items = vec!["1"; 26_000].join(",");
    let source = format!("local t = {{{items}, f()}}");
    let proto = compile(source.as_bytes(), b"@big.lua").expect("compiles");
    let listing = list_proto(&proto, false);
    let setlists: Vec<&str> = listing.lines().filter(|l| l.contains("SETLIST")).collect();
    assert_eq!(
        setlists.get(setlists.len().saturating_sub(3)..),
        Some(
            &[
                "\t26477\t[1]\tSETLIST  \t0 50 0\t; 519",
                "\t26529\t[1]\tSETLIST  \t0 50 0\t; 520",
                "\t26533\t[1]\tSETLIST  \t0 0 0\t; 521",
            ][..]
        )
    );
}

/// Sources nested `levels` deep in each way the grammar recurses.
fn nested_sources(levels: usize) -> Vec<(&'static str, String)> {
    vec![
        (
            "parens",
            format!("x = {}1{}", repeat("(", levels), repeat(")", levels)),
        ),
        (
            "tables",
            format!("x = {}{}", repeat("{", levels), repeat("}", levels)),
        ),
        ("not", format!("x = {}1", repeat("not ", levels))),
        ("minus", format!("x = {}1", repeat("- ", levels))),
        ("concat", format!("x = a{}", repeat(" .. a", levels))),
        ("pow", format!("x = a{}", repeat(" ^ a", levels))),
        (
            "index",
            format!("x = {}1{}", repeat("a[", levels), repeat("]", levels)),
        ),
        (
            "call",
            format!("x = {}1{}", repeat("f(", levels), repeat(")", levels)),
        ),
        (
            "method",
            format!("x = {}1{}", repeat("o:m(", levels), repeat(")", levels)),
        ),
        (
            "do",
            format!("{}{}", repeat("do ", levels), repeat(" end", levels)),
        ),
        (
            "if",
            format!(
                "{}f(){}",
                repeat("if x then ", levels),
                repeat(" end", levels)
            ),
        ),
        (
            "while",
            format!(
                "{}f(){}",
                repeat("while x do ", levels),
                repeat(" end", levels)
            ),
        ),
        (
            "for",
            format!(
                "{}f(){}",
                repeat("for i = 1, 2 do ", levels),
                repeat(" end", levels)
            ),
        ),
        (
            "repeat",
            format!(
                "{}f(){}",
                repeat("repeat ", levels),
                repeat(" until x", levels)
            ),
        ),
        (
            "function",
            format!(
                "x = {}1{}",
                repeat("function() return ", levels),
                repeat(" end", levels)
            ),
        ),
        (
            "local function",
            format!(
                "{}f(){}",
                repeat("local function g() ", levels),
                repeat(" end", levels)
            ),
        ),
    ]
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    // Run where the stack is small, as a host thread might be.
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let mut failures = Vec::new();
            for levels in [250, 100_000] {
                for (kind, source) in nested_sources(levels) {
                    let result = compile_at_depth(source.as_bytes(), b"=deep", 0);
                    let msg = result.err().map(|e| e.to_string()).unwrap_or_default();
                    // Some kinds exhaust registers or locals before the nesting limit.
                    let expected = match kind {
                        "method" => "function or expression too complex near '('",
                        "for" => "main function has more than 200 local variables",
                        _ => "chunk has too many syntax levels",
                    };
                    if !msg.ends_with(expected) {
                        failures.push(format!("{kind} x{levels}: {msg:?}"));
                    }
                }
            }
            // Just under the limit everything compiles, at full depth.
            for (kind, source) in nested_sources(45) {
                if let Err(e) = compile_at_depth(source.as_bytes(), b"=deep", 0) {
                    failures.push(format!("{kind} x45: {e}"));
                }
            }
            let source = format!("x = {}1{}", repeat("(", 197), repeat(")", 197));
            if let Err(e) = compile_at_depth(source.as_bytes(), b"=deep", 1) {
                failures.push(format!("197 parens: {e}"));
            }
            failures
        })
        .expect("spawn");
    let failures = worker.join().expect("no stack overflow");
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_nesting_limit_counts_calls_already_under_way() {
    // Checked against luac5.1 (one C call deep) and loadstring from `lua5.1 -e` (two).
    let source = format!("x = {}1{}", repeat("(", 197), repeat(")", 197));
    assert!(compile_at_depth(source.as_bytes(), b"=s", 1).is_ok());
    assert_eq!(
        compile_at_depth(source.as_bytes(), b"=s", 2)
            .err()
            .map(|e| e.to_string()),
        Some("s:1: chunk has too many syntax levels".to_string())
    );
}

#[test]
fn string_constants_keep_every_byte() {
    let mut source = b"return '".to_vec();
    let mut expected = Vec::new();
    for c in 0u8..=255 {
        source.extend_from_slice(format!("\\{c}").as_bytes());
        expected.push(c);
    }
    source.extend_from_slice(b"', [[\x00\xff\x80]]");
    let proto = compile(&source, b"=bytes").expect("compiles");
    assert_eq!(
        proto.constants,
        vec![
            Constant::String(expected),
            Constant::String(b"\x00\xff\x80".to_vec())
        ]
    );
}

#[test]
fn chunk_names_in_messages() {
    assert_eq!(
        message(b"x = = 1", "x = = 1"),
        "[string \"x = = 1\"]:1: unexpected symbol near '='"
    );
    assert_eq!(
        message(b"function f()\n\n", "@t.lua"),
        "t.lua:3: 'end' expected (to close 'function' at line 1) near '<eof>'"
    );
    assert_eq!(
        message(b"x = = 1", "=stdin"),
        "stdin:1: unexpected symbol near '='"
    );
}

#[test]
fn prototypes_record_their_shape() {
    let proto = compile(
        b"local a = 1\nfunction f(x, ...)\n  return a, x\nend\n",
        b"=p",
    )
    .expect("compiles");
    assert_eq!(proto.is_vararg, crate::bytecode::VARARG_ISVARARG);
    assert_eq!(&proto.source[..], b"=p");
    let f = proto.protos.first().expect("nested function");
    assert_eq!((f.line_defined, f.last_line_defined), (2, 4));
    assert_eq!(f.num_params, 1);
    assert_eq!(f.num_upvalues, 1);
    assert_eq!(f.upvalue_names, vec![Box::from(&b"a"[..])]);
    assert_eq!(f.code.len(), f.line_info.len());
    assert_eq!(
        f.code.last().map(|i| i.opcode()),
        Some(OpCode::Return),
        "every function ends with RETURN"
    );
}

#[test]
fn a_megabyte_of_source_compiles_quickly() {
    let mut source = String::new();
    let mut i = 0;
    while source.len() < 1 << 20 {
        source.push_str(&format!(
            "function f{i}(a, b)\n  local t = {{x = a, y = b, 'item{i}', {i}.5}}\n  \
             if a < b and t.x then return a + b * {i} else return t[1] .. \"s\\n\" end\nend\n"
        ));
        i += 1;
    }
    let start = std::time::Instant::now();
    let proto = compile(source.as_bytes(), b"=big");
    let elapsed = start.elapsed();
    assert!(proto.is_ok(), "{:?}", proto.err());
    // Generous for unoptimised builds; a release build takes a few milliseconds.
    assert!(elapsed.as_secs() < 5, "took {elapsed:?}");
}

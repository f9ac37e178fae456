//! The `cjson` library against redis-server 7.0.15: every case of `cases/cjson.cases` (replies
//! recorded from the real server) is run and its reply compared, then hand-written checks of
//! edge values, limits, configuration independence, malformed, huge and deeply nested input,
//! and a round-trip property over generated values.

use lua_core::api::{Error, Lua, Value};
use redis_runtime::libs::cjson;

// ---- running scripts ---------------------------------------------------------------------

/// A state with `cjson` opened as Redis opens it: a global table scripts cannot modify.
fn redis_like_lua() -> Lua {
    let lua = Lua::new();
    lua.enter(|ctx| {
        let module = cjson::open(ctx)?;
        ctx.set_readonly(module, true)?;
        Ok(())
    })
    .expect("cjson opens");
    lua
}

/// A state with `cjson` opened (writable, so tests can keep helpers in globals).
fn plain_lua() -> Lua {
    let lua = Lua::new();
    lua.enter(|ctx| {
        cjson::open(ctx)?;
        Ok(())
    })
    .expect("cjson opens");
    lua
}

/// Run `script` as Redis names it (`user_script`), returning its first value.
fn run(lua: &Lua, script: &str) -> Result<Value, Error> {
    lua.load(script).set_name("@user_script").eval::<Value>()
}

/// The error message `script` raises.
fn error_of(lua: &Lua, script: &str) -> String {
    match run(lua, script) {
        Err(Error::RuntimeError { message, .. }) => message,
        Err(other) => format!("<{other}>"),
        Ok(v) => panic!("{script:?} did not fail, returned {v:?}"),
    }
}

/// The string `script` returns.
fn string_of(lua: &Lua, script: &str) -> Vec<u8> {
    match run(lua, script) {
        Ok(Value::String(s)) => s.as_bytes().expect("live string").to_vec(),
        other => panic!("{script:?} did not return a string: {other:?}"),
    }
}

fn text_of(lua: &Lua, script: &str) -> String {
    String::from_utf8_lossy(&string_of(lua, script)).into_owned()
}

/// The `left => right` lines of a table of cases.
fn table_of(text: &'static str) -> Vec<(&'static str, &'static str)> {
    text.lines()
        .filter_map(|line| line.split_once(" => "))
        .collect()
}

// ---- Redis's reply for a script's value (RESP2) ------------------------------------------

/// The reply Redis 7.0 makes of a script's return value.
fn resp(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::String(s) => {
            let bytes = s.as_bytes().expect("live string");
            out.extend_from_slice(format!("${}\r\n", bytes.len()).as_bytes());
            out.extend_from_slice(&bytes);
            out.extend_from_slice(b"\r\n");
        }
        // `(long long)` of the number.
        Value::Number(n) => out.extend_from_slice(format!(":{}\r\n", *n as i64).as_bytes()),
        Value::Boolean(true) => out.extend_from_slice(b":1\r\n"),
        Value::Table(t) => {
            if let Ok(Value::String(e)) = t.raw_get::<_, Value>("err") {
                out.push(b'-');
                out.extend_from_slice(&e.as_bytes().expect("live string"));
                out.extend_from_slice(b"\r\n");
                return;
            }
            if let Ok(Value::String(s)) = t.raw_get::<_, Value>("ok") {
                out.push(b'+');
                out.extend_from_slice(&s.as_bytes().expect("live string"));
                out.extend_from_slice(b"\r\n");
                return;
            }
            let mut items = Vec::new();
            for i in 1.. {
                match t.raw_get::<_, Value>(i) {
                    Ok(Value::Nil) | Err(_) => break,
                    Ok(v) => items.push(v),
                }
            }
            out.extend_from_slice(format!("*{}\r\n", items.len()).as_bytes());
            for item in &items {
                resp(item, out);
            }
        }
        _ => out.extend_from_slice(b"$-1\r\n"),
    }
}

/// The `.cases` file's escaping undone (`\\`, `\r`, `\n`, `\t`, `\xHH`).
fn unescape(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'\\' {
            out.push(bytes[i]);
            i += 1;
            continue;
        }
        match bytes[i + 1] {
            b'\\' => out.push(b'\\'),
            b'r' => out.push(b'\r'),
            b'n' => out.push(b'\n'),
            b't' => out.push(b'\t'),
            b'x' => {
                let hex = std::str::from_utf8(&bytes[i + 2..i + 4]).expect("hex digits");
                out.push(u8::from_str_radix(hex, 16).expect("hex digits"));
                i += 2;
            }
            other => panic!("bad escape \\{}", other as char),
        }
        i += 2;
    }
    out
}

struct Case {
    name: String,
    script: String,
    reply: String,
}

fn load_cases() -> Vec<Case> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/cases/cjson.cases");
    let text = std::fs::read_to_string(path).expect("cjson.cases is readable");
    let mut cases = Vec::new();
    let mut current: Option<Case> = None;
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("=== ") {
            current = Some(Case {
                name: name.to_string(),
                script: String::new(),
                reply: String::new(),
            });
        } else if let Some(reply) = line.strip_prefix("--> ") {
            if let Some(mut case) = current.take() {
                case.reply = reply.to_string();
                cases.push(case);
            }
        } else if let Some(case) = current.as_mut() {
            if !line.starts_with("--- ") {
                case.script.push_str(line);
                case.script.push('\n');
            }
        }
    }
    cases
}

/// What `case` gave here, in the form its recorded reply has: the RESP bytes of a value, or
/// the error message (Redis wraps it as `-ERR <message> script: <sha>, on @user_script:N.`).
fn outcome(case: &Case) -> (Vec<u8>, Vec<u8>) {
    let expected = unescape(&case.reply);
    let lua = redis_like_lua();
    let got = run(&lua, &case.script);
    if let Some(error) = expected.strip_prefix(b"-ERR ") {
        let cut = error
            .windows(9)
            .rposition(|w| w == b" script: ")
            .expect("error replies name the script");
        let message = match got {
            Err(Error::RuntimeError { message, .. }) => message.into_bytes(),
            other => format!("<not an error: {other:?}>").into_bytes(),
        };
        (message, error[..cut].to_vec())
    } else {
        let mut reply = Vec::new();
        match got {
            Ok(v) => resp(&v, &mut reply),
            Err(e) => reply = format!("<error: {e}>").into_bytes(),
        }
        (reply, expected)
    }
}

#[test]
fn every_recorded_case_matches_redis() {
    let cases = load_cases();
    assert!(cases.len() >= 200, "only {} cases found", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let (got, expected) = outcome(case);
        if got != expected {
            failures.push(format!(
                "{}:\n  got      {:?}\n  expected {:?}",
                case.name,
                String::from_utf8_lossy(&got),
                String::from_utf8_lossy(&expected)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// ---- encoding ----------------------------------------------------------------------------

#[test]
fn encodes_scalars_as_lua_cjson() {
    let lua = plain_lua();
    let cases: &[(&str, &str)] = &[
        ("nil", "null"),
        ("true", "true"),
        ("false", "false"),
        ("cjson.null", "null"),
        ("0", "0"),
        ("-0.0", "-0"),
        ("42", "42"),
        ("-17", "-17"),
        ("0.1", "0.1"),
        ("1/3", "0.33333333333333"),
        ("2^53", "9.007199254741e+15"),
        ("1e14", "1e+14"),
        ("99999999999999", "99999999999999"),
        ("123456789012345", "1.2345678901234e+14"),
        ("5e-324", "4.9406564584125e-324"),
        ("-1.5", "-1.5"),
        ("'a/b'", "\"a\\/b\""),
        ("'say \"hi\"'", "\"say \\\"hi\\\"\""),
        (
            "'\\1\\8\\9\\10\\12\\13\\31\\127'",
            "\"\\u0001\\b\\t\\n\\f\\r\\u001f\\u007f\"",
        ),
        ("'a\\0b'", "\"a\\u0000b\""),
    ];
    for (lua_value, json) in cases {
        let got = text_of(&lua, &format!("return cjson.encode({lua_value})"));
        assert_eq!(&got, json, "cjson.encode({lua_value})");
    }
    // Bytes from 0x80 up pass through untouched, valid UTF-8 or not.
    assert_eq!(
        string_of(&lua, "return cjson.encode('\\195\\169\\255\\128\\192')"),
        b"\"\xc3\xa9\xff\x80\xc0\""
    );
}

#[test]
fn encodes_tables_as_arrays_or_objects() {
    let lua = plain_lua();
    let cases: &[(&str, &str)] = &[
        ("{}", "{}"),
        ("{1, 2, 'x', true}", "[1,2,\"x\",true]"),
        ("{1, cjson.null, 3}", "[1,null,3]"),
        ("{[1] = 'a', [3] = 'c'}", "[\"a\",null,\"c\"]"),
        (
            "{[10] = 1}",
            "[null,null,null,null,null,null,null,null,null,1]",
        ),
        ("{a = 1}", "{\"a\":1}"),
        ("{[1.5] = 'a'}", "{\"1.5\":\"a\"}"),
        ("{[-1] = 'a'}", "{\"-1\":\"a\"}"),
        ("{[0] = 'a'}", "{\"0\":\"a\"}"),
        ("{[2^40] = 1}", "{\"1099511627776\":1}"),
        ("{[2^31] = 1}", "{\"2147483648\":1}"),
        // Key order is the table's `next` order, as on the server.
        (
            "{[1.5] = 1, [-3] = 2, [1e20] = 3, [0.1] = 4}",
            "{\"1e+20\":3,\"0.1\":4,\"1.5\":1,\"-3\":2}",
        ),
        (
            "setmetatable({}, {__index = function() return 1 end})",
            "{}",
        ),
    ];
    for (lua_value, json) in cases {
        let got = text_of(&lua, &format!("return cjson.encode({lua_value})"));
        assert_eq!(&got, json, "cjson.encode({lua_value})");
    }
}

/// Encode calls and their errors (after the position).
const ENCODE_ERRORS: &str = r#"
cjson.encode(0/0) => Cannot serialise number: must not be NaN or Inf
cjson.encode({[1/0] = 1}) => Cannot serialise number: must not be NaN or Inf
cjson.encode(print) => Cannot serialise function: type not supported
cjson.encode({coroutine.create(function() end)}) => Cannot serialise thread: type not supported
cjson.encode(newproxy()) => Cannot serialise userdata: type not supported
cjson.encode({[true] = 1}) => Cannot serialise boolean: table key must be a number or string
cjson.encode({[{}] = 1}) => Cannot serialise table: table key must be a number or string
cjson.encode({[1] = 1, [20] = 2}) => Cannot serialise table: excessively sparse array
cjson.encode({[11] = 1}) => Cannot serialise table: excessively sparse array
cjson.encode() => bad argument #1 to 'encode' (expected 1 argument)
cjson.encode(1, 2) => bad argument #1 to 'encode' (expected 1 argument)
"#;

#[test]
fn encode_errors_name_the_value() {
    let lua = plain_lua();
    let cases = table_of(ENCODE_ERRORS);
    for (call, message) in cases {
        let got = error_of(&lua, &format!("return {call}"));
        assert_eq!(got, format!("user_script:1: {message}"), "{call}");
    }
}

#[test]
fn encode_options_change_numbers_and_sparse_arrays() {
    let lua = plain_lua();
    assert_eq!(
        text_of(
            &lua,
            "cjson.encode_number_precision(3) local s = cjson.encode({1/3, 12345, 0.0001234, 1e20}) \
             cjson.encode_number_precision(14) return s"
        ),
        "[0.333,1.23e+04,0.000123,1e+20]"
    );
    assert_eq!(
        text_of(
            &lua,
            "cjson.encode_invalid_numbers(true) local s = cjson.encode({0/0, 1/0, -1/0}) \
             cjson.encode_invalid_numbers('null') return s .. cjson.encode({0/0, 1/0})"
        ),
        "[nan,inf,-inf][null,null]"
    );
    assert_eq!(
        text_of(
            &lua,
            "cjson.encode_sparse_array(true) return cjson.encode({[1] = 1, [20] = 2})"
        ),
        "{\"1\":1,\"20\":2}"
    );
    // Ratio 0 allows any sparseness; a key beyond C's int range still makes an object.
    assert_eq!(
        text_of(
            &lua,
            "cjson.encode_sparse_array(false, 0) return cjson.encode({[2^40] = 1})"
        ),
        "{\"1099511627776\":1}"
    );
}

/// Configuration calls and their errors (after the position).
const CONFIG_ERRORS: &str = r#"
encode_sparse_array(true, -1) => bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)
encode_sparse_array(true, 2, -1) => bad argument #1 to 'encode_sparse_array' (expected integer between 0 and 2147483647)
encode_sparse_array(1) => bad argument #1 to 'encode_sparse_array' (invalid option '1')
encode_sparse_array(true, 'x') => bad argument #2 to 'encode_sparse_array' (number expected, got string)
encode_sparse_array(true, 2, 10, 1) => bad argument #4 to 'encode_sparse_array' (found too many arguments)
encode_max_depth(0) => bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)
encode_max_depth(2^31) => bad argument #1 to 'encode_max_depth' (expected integer between 1 and 2147483647)
encode_max_depth('x') => bad argument #1 to 'encode_max_depth' (number expected, got string)
encode_max_depth(1, 2) => bad argument #2 to 'encode_max_depth' (found too many arguments)
decode_max_depth(-1) => bad argument #1 to 'decode_max_depth' (expected integer between 1 and 2147483647)
encode_number_precision(15) => bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)
encode_number_precision(0) => bad argument #1 to 'encode_number_precision' (expected integer between 1 and 14)
encode_keep_buffer('maybe') => bad argument #1 to 'encode_keep_buffer' (invalid option 'maybe')
encode_keep_buffer({}) => bad argument #1 to 'encode_keep_buffer' (string expected, got table)
encode_invalid_numbers('nope') => bad argument #1 to 'encode_invalid_numbers' (invalid option 'nope')
decode_invalid_numbers('null') => bad argument #1 to 'decode_invalid_numbers' (invalid option 'null')
"#;

#[test]
fn configuration_functions_return_and_check_settings() {
    let lua = plain_lua();
    let show = "local function s(...) local t = {} for i = 1, select('#', ...) do \
                t[i] = tostring((select(i, ...))) end return table.concat(t, ',') end ";
    let cases: &[(&str, &str)] = &[
        ("cjson.encode_sparse_array()", "false,2,10"),
        ("cjson.encode_sparse_array('on', 3, 5)", "true,3,5"),
        ("cjson.encode_sparse_array(nil, 2^32 + 3)", "false,3,10"),
        ("cjson.encode_max_depth()", "1000"),
        ("cjson.encode_max_depth('7')", "7"),
        ("cjson.encode_max_depth(2^32 + 5)", "5"),
        ("cjson.decode_max_depth(50)", "50"),
        ("cjson.encode_number_precision(nil)", "14"),
        (
            "cjson.encode_keep_buffer(false), cjson.encode_keep_buffer()",
            "false,false",
        ),
        ("cjson.encode_keep_buffer('on')", "true"),
        (
            "cjson.encode_invalid_numbers('null'), cjson.encode_invalid_numbers(true)",
            "null,true",
        ),
        (
            "cjson.decode_invalid_numbers(), cjson.decode_invalid_numbers('off')",
            "true,false",
        ),
    ];
    for (call, expected) in cases {
        let lua = plain_lua();
        assert_eq!(
            text_of(&lua, &format!("{show} return s({call})")),
            *expected,
            "{call}"
        );
    }
    let errors = table_of(CONFIG_ERRORS);
    for (call, message) in errors {
        let got = error_of(&lua, &format!("return cjson.{call}"));
        assert_eq!(got, format!("user_script:1: {message}"), "{call}");
    }
}

#[test]
fn each_module_table_has_its_own_configuration() {
    let lua = plain_lua();
    let script = "local c = cjson.new() c.encode_max_depth(1) c.encode_sparse_array(true) \
                  local ok, e = pcall(c.encode, {{1}}) \
                  return table.concat({cjson.encode({{1}}), e, c.encode({[1] = 1, [30] = 1}), \
                  tostring(cjson.encode_max_depth()), tostring(c.null == cjson.null), \
                  tostring(cjson.new() ~= c), tostring(c.new ~= nil), c._NAME, c._VERSION}, ' ')";
    assert_eq!(
        text_of(&lua, script),
        "[[1]] Cannot serialise, excessive nesting (2) {\"1\":1,\"30\":1} 1000 true true true cjson 2.1.0"
    );
    // A function taken out of its table keeps its module's configuration.
    let script = "local c = cjson.new() c.encode_number_precision(2) local enc = c.encode \
                  return enc(1/3) .. ' ' .. cjson.encode(1/3)";
    assert_eq!(text_of(&lua, script), "0.33 0.33333333333333");
}

#[test]
fn module_fields_are_in_lua_cjson_order() {
    let lua = plain_lua();
    // The order redis-server 7.0.15 gives `pairs(cjson)` (and `pairs(cjson.new())`).
    let expected = "_NAME encode decode_max_depth _VERSION decode_invalid_numbers \
                    encode_keep_buffer null encode_number_precision new encode_max_depth \
                    encode_invalid_numbers decode encode_sparse_array";
    for table in ["cjson", "cjson.new()"] {
        let script = format!(
            "local k = {{}} for key in pairs({table}) do k[#k + 1] = key end \
             return table.concat(k, ' ')"
        );
        assert_eq!(text_of(&lua, &script), expected, "pairs({table})");
    }
}

#[test]
fn keep_buffer_on_and_off_give_the_same_text() {
    let lua = plain_lua();
    let script = "local t = {} for i = 1, 5000 do t[i] = string.rep('x', i % 50) end \
                  local a = cjson.encode(t) local b = cjson.encode({1}) \
                  cjson.encode_keep_buffer(false) local c = cjson.encode(t) \
                  return tostring(a == c) .. b";
    assert_eq!(text_of(&lua, script), "true[1]");
}

// ---- decoding ----------------------------------------------------------------------------

/// What a decoded value is, as the golden cases show it.
const DESCRIBE: &str = "local function d(x) if x == cjson.null then return 'null' end \
    if type(x) == 'table' then return '{table ' .. cjson.encode(x) .. '}' end \
    return type(x) .. ':' .. tostring(x) end ";

#[test]
fn decodes_values() {
    let lua = plain_lua();
    let cases: &[(&str, &[u8])] = &[
        ("'true'", b"boolean:true"),
        ("'null'", b"null"),
        ("'-7'", b"number:-7"),
        ("'1E-2'", b"number:0.01"),
        ("'-0'", b"number:-0"),
        ("'1e400'", b"number:inf"),
        ("'0X1F'", b"number:31"),
        ("'007'", b"number:7"),
        ("'+1'", b"number:1"),
        ("'1.'", b"number:1"),
        ("'Infinity'", b"number:inf"),
        ("'-inf'", b"number:-inf"),
        ("'-nan'", b"number:-nan"),
        ("123", b"number:123"),
        ("'12345678901234567890'", b"number:1.2345678901235e+19"),
        ("'\"\\\\u00e9\"'", b"string:\xc3\xa9"),
        ("'\"\\\\u0000\"'", b"string:\x00"),
        ("'\"\\\\u20ac\"'", b"string:\xe2\x82\xac"),
        ("'\"\\\\ud83d\\\\ude00\"'", b"string:\xf0\x9f\x98\x80"),
        (
            "'\"\\\\\" \\\\\\\\ \\\\/ \\\\b \\\\f \\\\n \\\\r \\\\t\"'",
            b"string:\" \\ / \x08 \x0c \n \r \t",
        ),
        ("'\"a\\tb\\255\"'", b"string:a\tb\xff"),
        ("'  \\n\\t 5 \\r\\n'", b"number:5"),
        ("'[]'", b"{table {}}"),
        (
            "'[1,\"a\",true,null,[2]]'",
            b"{table [1,\"a\",true,null,[2]]}",
        ),
        (
            "'{\"a\":{\"b\":[1,{\"c\":null}]}}'",
            b"{table {\"a\":{\"b\":[1,{\"c\":null}]}}}",
        ),
        ("'{\"a\":1,\"a\":2}'", b"{table {\"a\":2}}"),
    ];
    for (json, expected) in cases {
        let got = string_of(&lua, &format!("{DESCRIBE} return d(cjson.decode({json}))"));
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(expected),
            "cjson.decode({json})"
        );
    }
}

/// Arguments of `cjson.decode` and its errors (after the position).
const DECODE_ERRORS: &str = r#"
'' => Expected value but found T_END at character 1
'   ' => Expected value but found T_END at character 4
'1 2' => Expected the end but found T_NUMBER at character 3
'[1,]' => Expected value but found T_ARR_END at character 4
'{"a":1,}' => Expected object key string but found T_OBJ_END at character 8
'{"a" 1}' => Expected colon but found T_NUMBER at character 6
'{1:2}' => Expected object key string but found T_NUMBER at character 2
'"abc' => Expected value but found unexpected end of string at character 5
'["a\0b"]' => Expected value but found unexpected end of string at character 4
'[1,2' => Expected comma or array end but found T_END at character 5
'{"a":1' => Expected comma or object end but found T_END at character 7
'{"a":1 "b":2}' => Expected comma or object end but found T_STRING at character 8
'hello' => Expected value but found invalid token at character 1
'truex' => Expected the end but found invalid token at character 5
'[nullx]' => Expected comma or array end but found invalid token at character 6
'-' => Expected value but found invalid number at character 1
'1e' => Expected the end but found invalid token at character 2
'.5' => Expected value but found invalid token at character 1
'[true, :]' => Expected value but found T_COLON at character 8
'[1,\0]' => Expected value but found T_END at character 4
'\255' => Expected value but found invalid token at character 1
'"\\ud83d"' => Expected value but found invalid unicode escape code at character 2
'"\\ude00"' => Expected value but found invalid unicode escape code at character 2
'"\\ud83d\\u0041"' => Expected value but found invalid unicode escape code at character 2
'"ab\\u12"' => Expected value but found invalid unicode escape code at character 4
'"\\u12zz"' => Expected value but found invalid unicode escape code at character 2
'"\\ud83d\\' => Expected value but found invalid unicode escape code at character 2
'"\\q"' => Expected value but found invalid escape code at character 2
'"\\' => Expected value but found invalid escape code at character 2
' \0' => JSON parser does not support UTF-16 or UTF-32
'1\0' => JSON parser does not support UTF-16 or UTF-32
 => bad argument #1 to 'decode' (expected 1 argument)
'1', '2' => bad argument #1 to 'decode' (expected 1 argument)
nil => bad argument #1 to 'decode' (string expected, got nil)
{} => bad argument #1 to 'decode' (string expected, got table)
"#;

#[test]
fn decode_errors_give_the_token_and_its_position() {
    let lua = plain_lua();
    let cases = table_of(DECODE_ERRORS);
    for (args, message) in cases {
        let got = error_of(&lua, &format!("return cjson.decode({args})"));
        assert_eq!(
            got,
            format!("user_script:1: {message}"),
            "cjson.decode({args})"
        );
    }
}

#[test]
fn strict_numbers_when_invalid_numbers_are_off() {
    let lua = plain_lua();
    lua.load("cjson.decode_invalid_numbers(false)")
        .exec()
        .expect("setting");
    for (json, position, reason) in [
        ("0x10", 1, "invalid number"),
        ("-0x10", 1, "invalid number"),
        ("007", 1, "invalid number"),
        ("[1, inf]", 5, "invalid token"),
        ("nan", 1, "invalid token"),
        ("+1", 1, "invalid token"),
        ("-Infinity", 1, "invalid number"),
    ] {
        let got = error_of(&lua, &format!("return cjson.decode('{json}')"));
        assert_eq!(
            got,
            format!("user_script:1: Expected value but found {reason} at character {position}"),
            "{json}"
        );
    }
    assert_eq!(
        text_of(&lua, "return tostring(cjson.decode('[1.5e3]')[1])"),
        "1500"
    );
    assert_eq!(text_of(&lua, "return tostring(cjson.decode('0.5'))"), "0.5");
}

// ---- limits: nesting, size ---------------------------------------------------------------

#[test]
fn nesting_limits_are_errors() {
    let lua = plain_lua();
    assert_eq!(
        text_of(
            &lua,
            "return type(cjson.decode(string.rep('[', 1000) .. string.rep(']', 1000)))"
        ),
        "table"
    );
    let cases: &[(&str, &str)] = &[
        (
            "cjson.decode(string.rep('[', 1001) .. string.rep(']', 1001))",
            "Found too many nested data structures (1001) at character 1001",
        ),
        (
            "cjson.decode(string.rep('{\"a\":', 1001) .. '1' .. string.rep('}', 1001))",
            "Found too many nested data structures (1001) at character 5001",
        ),
        (
            "cjson.decode(string.rep('[', 200000))",
            "Found too many nested data structures (1001) at character 1001",
        ),
        (
            "(function() local t = {} t[1] = t return cjson.encode(t) end)()",
            "Cannot serialise, excessive nesting (1001)",
        ),
    ];
    for (call, message) in cases {
        let got = error_of(&lua, &format!("return {call}"));
        assert_eq!(got, format!("user_script:1: {message}"), "{call}");
    }
}

#[test]
fn raised_depth_limits_stop_where_lua_cjson_runs_out_of_stack() {
    // With the limits raised, lua-cjson is stopped by Lua's 8000 stack slots per C call:
    // these are redis-server 7.0.15's answers.
    let cases: &[(&str, &str)] = &[
        (
            "cjson.decode(string.rep('[', 9000))",
            "Found too many nested data structures (7999) at character 7999",
        ),
        (
            "cjson.decode(string.rep('{\"a\":', 9000))",
            "Found too many nested data structures (4000) at character 19996",
        ),
        (
            "cjson.decode('{\"a\":' .. string.rep('[', 9000))",
            "Found too many nested data structures (7998) at character 8002",
        ),
        (
            "cjson.decode(string.rep('[', 1000000))",
            "Found too many nested data structures (7999) at character 7999",
        ),
        (
            "(function() local t = {} local c = t for i = 1, 9000 do c[1] = {} c = c[1] end \
          return cjson.encode(t) end)()",
            "Cannot serialise, excessive nesting (7998)",
        ),
        (
            "(function() local t = {} local c = t for i = 1, 9000 do c.a = {} c = c.a end \
          return cjson.encode(t) end)()",
            "Cannot serialise, excessive nesting (4000)",
        ),
        (
            "(function() local t = {} t[1] = t return cjson.encode(t) end)()",
            "Cannot serialise, excessive nesting (7998)",
        ),
    ];
    for (call, message) in cases {
        let lua = plain_lua();
        lua.load("cjson.decode_max_depth(2^31 - 1) cjson.encode_max_depth(2^31 - 1)")
            .exec()
            .expect("settings");
        let got = error_of(&lua, &format!("return {call}"));
        assert_eq!(got, format!("user_script:1: {message}"), "{call}");
    }
}

#[test]
fn nesting_errors_are_safe_on_a_small_stack() {
    // The library neither recurses per level nor keeps large frames: a 1 MiB thread is enough.
    let handle = std::thread::Builder::new()
        .stack_size(1024 * 1024)
        .spawn(|| {
            let lua = plain_lua();
            lua.load("cjson.decode_max_depth(2^31 - 1) cjson.encode_max_depth(2^31 - 1)")
                .exec()
                .expect("settings");
            let e = error_of(&lua, "return cjson.decode(string.rep('[', 100000))");
            let t = text_of(
                &lua,
                "local t = {} local c = t for i = 1, 3000 do c[1] = {} c = c[1] end \
                 return #cjson.encode(t) .. ' ' .. #cjson.encode(cjson.decode(cjson.encode(t)))",
            );
            (e, t)
        })
        .expect("thread starts");
    let (e, t) = handle.join().expect("no stack overflow");
    assert!(e.ends_with("(7999) at character 7999"), "{e}");
    assert_eq!(t, "6002 6002");
}

#[test]
fn huge_output_is_refused_under_a_memory_limit() {
    let lua = plain_lua();
    lua.set_memory_limit(Some(32 << 20)).expect("limit");
    // 4 MB of control characters would be 24 MB of JSON; the string alone fits.
    let got = run(
        &lua,
        "local s = string.rep('\\1', 4000000) return #cjson.encode({s, s, s})",
    );
    assert!(matches!(got, Err(Error::MemoryError)), "{got:?}");
    // An array of two billion nulls, allowed by ratio 0.
    let got = run(
        &lua,
        "cjson.encode_sparse_array(false, 0) return #cjson.encode({[2^31 - 1] = 1})",
    );
    assert!(matches!(got, Err(Error::MemoryError)), "{got:?}");
    // The state still works, and pcall sees the memory error.
    assert_eq!(
        text_of(
            &lua,
            "cjson.encode_sparse_array(false, 2) local ok, e = pcall(cjson.encode, \
             {string.rep('\\1', 8000000)}) return tostring(ok) .. ' ' .. e .. ' ' .. cjson.encode({1})"
        ),
        "false not enough memory [1]"
    );
}

#[test]
fn huge_input_is_refused_under_a_memory_limit() {
    let lua = plain_lua();
    lua.load("big = '[' .. string.rep(' ', 20000000) .. '1]' collectgarbage()")
        .exec()
        .expect("the text fits");
    // Room for 10 MB more: not for a copy of the text's strings.
    lua.set_memory_limit(Some(lua.used_memory() + (10 << 20)))
        .expect("limit");
    let got = run(&lua, "return cjson.decode(big)");
    assert!(matches!(got, Err(Error::MemoryError)), "{got:?}");
    lua.load("big = nil collectgarbage()")
        .exec()
        .expect("collect");
    assert_eq!(
        text_of(&lua, "return cjson.encode(cjson.decode('[1,{\"a\":[]}]'))"),
        "[1,{\"a\":{}}]"
    );
}

#[test]
fn big_documents_round_trip() {
    let lua = plain_lua();
    let script = "local t = {} for i = 1, 20000 do t[i] = {id = i, name = 'n' .. i, \
                  tags = {'a', 'b\\n'}, v = i / 7} end \
                  local s = cjson.encode(t) local d = cjson.decode(s) \
                  return #s .. ' ' .. #d .. ' ' .. d[20000].name .. ' ' .. d[777].tags[2] .. \
                  tostring(cjson.encode(d) == s or #cjson.encode(d) == #s)";
    // redis-server 7.0.15 gives the same length.
    assert_eq!(text_of(&lua, script), "1305261 20000 n20000 b\ntrue");
    let script = "local t = {} for i = 1, 3 do t[i] = {id = i, name = 'n' .. i, \
                  tags = {'a', 'b\\n'}, v = i / 7} end return cjson.encode(t)";
    assert_eq!(
        text_of(&lua, script),
        "[{\"id\":1,\"v\":0.14285714285714,\"name\":\"n1\",\"tags\":[\"a\",\"b\\n\"]},\
         {\"id\":2,\"v\":0.28571428571429,\"name\":\"n2\",\"tags\":[\"a\",\"b\\n\"]},\
         {\"id\":3,\"v\":0.42857142857143,\"name\":\"n3\",\"tags\":[\"a\",\"b\\n\"]}]"
    );
    assert_eq!(
        text_of(
            &lua,
            "return #cjson.encode(string.rep('a\"', 100000)) .. ''"
        ),
        "300002"
    );
    assert_eq!(
        text_of(
            &lua,
            "return #cjson.decode('[' .. string.rep('1,', 99999) .. '1]') .. ''"
        ),
        "100000"
    );
}

// ---- round trip over generated values ----------------------------------------------------

/// xorshift64*: a small deterministic generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A Lua string literal of random bytes (all 256 values, weighted to the interesting ones).
fn random_string(rng: &mut Rng) -> String {
    let len = rng.below(12);
    let mut s = String::from("'");
    for _ in 0..len {
        let b = match rng.below(4) {
            0 => rng.below(32) as u8,
            1 => {
                let specials = b"\"\\/ az09{}[],:";
                specials[rng.below(specials.len() as u64) as usize]
            }
            2 => 128 + rng.below(128) as u8,
            _ => rng.below(256) as u8,
        };
        s.push_str(&format!("\\{b:03}"));
    }
    s.push('\'');
    s
}

/// A Lua number literal that `%.14g` prints exactly, so it survives the trip.
fn random_number(rng: &mut Rng) -> String {
    let n = rng.below(2_000_000_000_000) as i64 - 1_000_000_000_000;
    match rng.below(3) {
        0 => format!("{n}"),
        1 => format!("({n}/1000)"),
        _ => format!("{}e{}", rng.below(1000), rng.below(40) as i64 - 20),
    }
}

/// A Lua expression for a random JSON-able value (arrays without holes, objects with string
/// keys), `depth` levels deep at most.
fn random_value(rng: &mut Rng, depth: u32) -> String {
    let pick = if depth == 0 {
        rng.below(5)
    } else {
        rng.below(7)
    };
    match pick {
        0 => random_string(rng),
        1 => random_number(rng),
        2 => ["true", "false"][rng.below(2) as usize].to_string(),
        3 => "cjson.null".to_string(),
        4 => random_string(rng),
        5 => {
            let items: Vec<String> = (0..rng.below(6))
                .map(|_| random_value(rng, depth - 1))
                .collect();
            format!("{{{}}}", items.join(", "))
        }
        _ => {
            let members: Vec<String> = (0..rng.below(6))
                .map(|_| {
                    format!(
                        "[{}] = {}",
                        random_string(rng),
                        random_value(rng, depth - 1)
                    )
                })
                .collect();
            format!("{{{}}}", members.join(", "))
        }
    }
}

#[test]
fn decode_of_encode_gives_the_value_back() {
    let lua = plain_lua();
    lua.load(
        "function same(a, b) \
           if type(a) ~= type(b) then return false end \
           if type(a) ~= 'table' then return a == b end \
           for k, v in pairs(a) do if not same(v, b[k]) then return false end end \
           for k in pairs(b) do if a[k] == nil then return false end end \
           return true end",
    )
    .exec()
    .expect("helper");
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for round in 0..400 {
        let value = random_value(&mut rng, 4);
        let script = format!(
            "local v = {value} local s = cjson.encode(v) local back = cjson.decode(s) \
             if same(v, back) then return 'ok' end return s"
        );
        let got = text_of(&lua, &script);
        assert_eq!(got, "ok", "round {round}: {value}");
    }
}

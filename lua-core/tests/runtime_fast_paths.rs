//! The API's fast paths (plain arguments and results converted without handles, table reads
//! without a protected call) must answer exactly as the general path does: every case here
//! mixes values the fast path takes with values only the general path can, and checks what Lua
//! 5.1's coercions and the API's conversion rules say.

use lua_core::api::{Bytes, Error, Function, Lua, MultiValue, Table, Value, Variadic};

fn message(e: Error) -> String {
    e.to_string()
}

#[test]
fn callback_arguments_coerce_as_lua_does() {
    let lua = Lua::new();
    let f = lua
        .create_function(|_, (n, s, flag): (i64, String, bool)| Ok(format!("{n}|{s}|{flag}")))
        .unwrap();
    lua.globals().set("f", f).unwrap();
    // A numeric string reads as a number, a number as its %.14g text, a table as true.
    let got: String = lua.load("return f('10', 0.1, {})").eval().unwrap();
    assert_eq!(got, "10|0.1|true");
    let got: String = lua.load("return f(3, 'x', nil)").eval().unwrap();
    assert_eq!(got, "3|x|false");
}

#[test]
fn callback_argument_errors_are_the_general_paths() {
    let lua = Lua::new();
    let f = lua.create_function(|_, n: i64| Ok(n)).unwrap();
    lua.globals().set("f", f).unwrap();
    let fraction = message(lua.load("return f(1.5)").exec().unwrap_err());
    assert!(
        fraction.contains("bad argument #1 to 'f'")
            && fraction.contains("number has no integer representation"),
        "{fraction}"
    );
    let missing = message(lua.load("return f()").exec().unwrap_err());
    assert!(missing.contains("no value"), "{missing}");
    let text = message(lua.load("return f('abc')").exec().unwrap_err());
    assert!(text.contains("bad argument #1 to 'f'"), "{text}");
}

#[test]
fn callback_optional_and_rest_arguments() {
    let lua = Lua::new();
    let f = lua
        .create_function(|_, (first, rest): (Option<String>, Variadic<f64>)| {
            Ok((
                first.unwrap_or_else(|| "none".into()),
                rest.iter().sum::<f64>(),
            ))
        })
        .unwrap();
    lua.globals().set("f", f).unwrap();
    let (s, sum): (String, f64) = lua.load("return f()").eval().unwrap();
    assert_eq!((s.as_str(), sum), ("none", 0.0));
    let (s, sum): (String, f64) = lua.load("return f('a', 1, '2', 3.5)").eval().unwrap();
    assert_eq!((s.as_str(), sum), ("a", 6.5));
}

#[test]
fn callback_handles_and_plain_values_mix() {
    let lua = Lua::new();
    // A table argument takes the general path; its result list mixes a handle and plain data.
    let f = lua
        .create_function(|_, (t, k): (Table, String)| {
            let v: Value = t.get(k.as_str())?;
            Ok((t, v, "tail"))
        })
        .unwrap();
    lua.globals().set("f", f).unwrap();
    let got: String = lua
        .load("local t = {a = 'x'} local r, v, s = f(t, 'a') return tostring(r == t) .. v .. s")
        .eval()
        .unwrap();
    assert_eq!(got, "truextail");
}

#[test]
fn callback_results_are_pushed_in_order() {
    let lua = Lua::new();
    let f = lua
        .create_function(|_, ()| Ok((1, "two", None::<i64>, true, Bytes(b"a\0b".to_vec()))))
        .unwrap();
    lua.globals().set("f", f).unwrap();
    let got: String = lua
        .load("local a, b, c, d, e = f() return table.concat({a, b, tostring(c), tostring(d), #e, select('#', f())}, ',')")
        .eval()
        .unwrap();
    assert_eq!(got, "1,two,nil,true,3,5");
}

#[test]
fn calls_from_rust_convert_both_ways() {
    let lua = Lua::new();
    let f: Function = lua
        .load("return function(...) return select('#', ...), ... end")
        .eval()
        .unwrap();
    let (n, a, b, c): (i64, String, Option<i64>, bool) = f.call(("x", None::<i64>, 0)).unwrap();
    assert_eq!((n, a.as_str(), b, c), (3, "x", None, true));
    // A table argument and a table result both take the general path.
    let t = lua.create_table().unwrap();
    let (n, back): (i64, Table) = f.call(t.clone()).unwrap();
    assert_eq!(n, 1);
    assert_eq!(back, t);
    // Values of every kind come back as one list.
    let all: MultiValue = f.call((1, "s")).unwrap();
    assert_eq!(all.len(), 3);
    assert!(matches!(all[2], Value::String(_)));
}

#[test]
fn call_result_errors_are_the_general_paths() {
    let lua = Lua::new();
    let f: Function = lua
        .load("return function() return '\\255', 2.5 end")
        .eval()
        .unwrap();
    match f.call::<_, String>(()) {
        Err(Error::FromLuaConversionError { to: "String", .. }) => {}
        other => panic!("unexpected {other:?}"),
    }
    match f.call::<_, (Bytes, i64)>(()) {
        Err(Error::FromLuaConversionError { to: "i64", .. }) => {}
        other => panic!("unexpected {other:?}"),
    }
    let (b, x): (Bytes, f64) = f.call(()).unwrap();
    assert_eq!((&b[..], x), (&b"\xff"[..], 2.5));
}

#[test]
fn errors_from_plain_calls_keep_their_traceback() {
    let lua = Lua::new();
    let f: Function = lua
        .load("return function(x) if x then error('boom: ' .. x) end return 1 end")
        .eval()
        .unwrap();
    match f.call::<_, i64>("first") {
        Err(Error::RuntimeError { message, traceback }) => {
            assert!(message.ends_with("boom: first"), "{message}");
            assert!(traceback.contains("stack traceback:"), "{traceback}");
        }
        other => panic!("unexpected {other:?}"),
    }
    // A later successful call is not haunted by the earlier traceback.
    assert_eq!(f.call::<_, i64>(None::<i64>).unwrap(), 1);
}

#[test]
fn table_reads_respect_metamethods_and_conversions() {
    let lua = Lua::new();
    let t: Table = lua
        .load(
            "return setmetatable({present = 'here', n = '12', [2] = 7.5, sub = {}}, \
             {__index = function(_, k) return 'default:' .. tostring(k) end})",
        )
        .eval()
        .unwrap();
    assert_eq!(t.get::<_, String>("present").unwrap(), "here");
    // An absent key runs __index; a numeric string reads as a number.
    assert_eq!(t.get::<_, String>("missing").unwrap(), "default:missing");
    assert_eq!(t.get::<_, String>(9).unwrap(), "default:9");
    assert_eq!(t.get::<_, i64>("n").unwrap(), 12);
    assert_eq!(t.get::<_, f64>(2).unwrap(), 7.5);
    match t.get::<_, i64>(2) {
        Err(Error::FromLuaConversionError { to: "i64", .. }) => {}
        other => panic!("unexpected {other:?}"),
    }
    // A value only a handle can hold.
    let sub: Table = t.get("sub").unwrap();
    assert_eq!(sub.len().unwrap(), 0);
    let absent: Option<i64> = lua.create_table().unwrap().get("x").unwrap();
    assert_eq!(absent, None);
}

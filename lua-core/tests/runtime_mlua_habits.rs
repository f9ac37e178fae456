//! What an mlua user reaches for first: sequences to and from `Vec<T>` and arrays, bytes as
//! strings through `Bytes`, callbacks that change their state, the prelude, and syntax errors
//! that say whether more input could complete the chunk.

use lua_core::api::prelude::*;

#[test]
fn vectors_and_arrays_are_sequences() {
    let lua = Lua::new();
    lua.globals().set("v", vec![10, 20, 30]).unwrap();
    lua.globals().set("a", ["x", "y"]).unwrap();
    lua.globals().set("bytes", vec![104u8, 105]).unwrap();
    let shape: (i64, i64, i64, String, String) = lua
        .load("return #v, v[3], #a, a[2], type(bytes) .. ':' .. bytes[1]")
        .eval()
        .unwrap();
    assert_eq!(shape, (3, 30, 2, "y".into(), "table:104".into()));

    let back: Vec<f64> = lua.load("return {1.5, 2, '3'}").eval().unwrap();
    assert_eq!(back, vec![1.5, 2.0, 3.0]);
    // Up to the first nil, as ipairs reads it.
    let prefix: Vec<i64> = lua.load("return {1, 2, nil, 4}").eval().unwrap();
    assert_eq!(prefix, vec![1, 2]);
    let nested: Vec<Vec<String>> = lua.load("return {{'a'}, {'b', 'c'}}").eval().unwrap();
    assert_eq!(
        nested,
        vec![vec!["a".to_string()], vec!["b".into(), "c".into()]]
    );
    let array: [i64; 3] = lua.load("return {7, 8, 9}").eval().unwrap();
    assert_eq!(array, [7, 8, 9]);

    let wrong_length = lua.load("return {1, 2}").eval::<[i64; 3]>().unwrap_err();
    assert!(
        matches!(wrong_length, LuaError::FromLuaConversionError { .. }),
        "{wrong_length:?}"
    );
    let not_a_table = lua.load("return 'x'").eval::<Vec<i64>>().unwrap_err();
    assert!(
        matches!(not_a_table, LuaError::FromLuaConversionError { .. }),
        "{not_a_table:?}"
    );
    let bad_item = lua.load("return {1, {}}").eval::<Vec<i64>>().unwrap_err();
    assert!(
        matches!(bad_item, LuaError::FromLuaConversionError { .. }),
        "{bad_item:?}"
    );
}

#[test]
fn bytes_are_strings() {
    let lua = Lua::new();
    lua.globals()
        .set("b", LuaBytes(vec![0, 255, b'a']))
        .unwrap();
    let (len, kind, third): (i64, String, i64) =
        lua.load("return #b, type(b), b:byte(3)").eval().unwrap();
    assert_eq!((len, kind.as_str(), third), (3, "string", 97));
    let back: LuaBytes = lua.load("return b .. 1").eval().unwrap();
    assert_eq!(back.0, vec![0, 255, b'a', b'1']);
    // As a table key it is the string.
    let t: LuaTable = lua.load("return {['\\0\\255a'] = 'found'}").eval().unwrap();
    assert_eq!(
        t.get::<_, String>(LuaBytes(vec![0, 255, b'a'])).unwrap(),
        "found"
    );
}

#[test]
fn mutable_callbacks_keep_their_state_and_refuse_reentry() {
    let lua = Lua::new();
    let mut seen = Vec::new();
    let record = lua
        .create_function_mut(move |_, s: String| {
            seen.push(s);
            Ok(seen.len())
        })
        .unwrap();
    lua.globals().set("record", record).unwrap();
    let n: i64 = lua
        .load("record('a') record('b') return record('c')")
        .eval()
        .unwrap();
    assert_eq!(n, 3);

    // A call into itself while running cannot borrow it a second time.
    let reenter = lua
        .create_function_mut(|lua, ()| lua.load("return reenter()").eval::<LuaValue>())
        .unwrap();
    lua.globals().set("reenter", reenter).unwrap();
    let err = lua.load("reenter()").exec().unwrap_err();
    assert!(
        err.to_string()
            .contains("mutable callback called recursively"),
        "{err}"
    );
}

#[test]
fn syntax_errors_say_whether_more_input_could_complete_them() {
    let lua = Lua::new();
    let incomplete = |source: &str| match lua.load(source).exec() {
        Err(LuaError::SyntaxError {
            incomplete_input, ..
        }) => incomplete_input,
        other => panic!("{source}: not a syntax error: {other:?}"),
    };
    // What a REPL reads another line for (lua5.1's own test: the message ends in '<eof>').
    assert!(incomplete("for i = 1, 3 do"));
    assert!(incomplete("x = {"));
    assert!(incomplete("s = [[ unfinished"));
    assert!(incomplete("f("));
    // Errors that no further input can mend.
    assert!(!incomplete("x = = 1"));
    assert!(!incomplete("local 1"));
    assert!(!incomplete("x = 'unfinished\nstring'"));
}

#[test]
fn callback_errors_name_the_function_and_the_position() {
    let lua = Lua::new();
    let failing = lua
        .create_function(|_, ()| -> LuaResult<()> {
            Err(LuaError::external(std::io::Error::other("disk full")))
        })
        .unwrap();
    lua.globals().set("save", failing).unwrap();
    let err = lua
        .load("local x = 1\nsave()")
        .set_name("=job")
        .exec()
        .unwrap_err();
    assert!(matches!(err, LuaError::CallbackError { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "callback error in function 'save': job:2: disk full"
    );
}

#[test]
fn an_error_in_a_resumed_coroutine_carries_the_coroutine_traceback() {
    let lua = Lua::new();
    let co: LuaThread = lua
        .load("return coroutine.create(function()\n local t = nil\n return t.x\n end)")
        .set_name("=co")
        .eval()
        .unwrap();
    match co.resume::<_, ()>(()).unwrap_err() {
        LuaError::RuntimeError { message, traceback } => {
            assert_eq!(message, "co:3: attempt to index local 't' (a nil value)");
            // What lua5.1's debug.traceback(co) prints for the dead coroutine.
            assert_eq!(traceback, "stack traceback:\n\tco:3: in function <co:1>");
        }
        other => panic!("{other:?}"),
    }
}

//! The embedding API: running chunks, converting values, Rust functions and their errors,
//! handles that keep values alive across collections, tables, userdata.

use lua_core::api::{
    AnyUserData, Bytes, Error, FromLua, Function, IntoLua, Lua, LuaString, MetaMethod, MultiValue,
    Table, UserData, UserDataMethods, Value, Variadic,
};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::rc::Rc;

fn runtime_message(r: Result<(), Error>) -> String {
    match r {
        Err(Error::RuntimeError { message, .. }) => message,
        other => panic!("expected a runtime error, got {other:?}"),
    }
}

// ---- chunks ----------------------------------------------------------------------------------

#[test]
fn chunks_run_evaluate_and_take_arguments() {
    let lua = Lua::new();
    lua.load("x = 40").exec().expect("exec");
    assert_eq!(lua.load("x + 2").eval::<i64>().expect("expression"), 42);
    assert_eq!(
        lua.load("local y = x * 2; return y, 'two'")
            .eval::<(i64, String)>()
            .expect("statements"),
        (80, "two".into())
    );
    let (n, rest): (i64, Variadic<String>) = lua
        .load("return select('#', ...), ...")
        .call(("a", "b"))
        .expect("call");
    assert_eq!(
        (n, rest.into_vec()),
        (2, vec!["a".to_string(), "b".to_string()])
    );
    let f = lua
        .load("return (...) * 2")
        .into_function()
        .expect("compile");
    assert_eq!(f.call::<_, i64>(21).expect("first"), 42);
    assert_eq!(f.call::<_, i64>(5).expect("second"), 10);
}

#[test]
fn syntax_errors_carry_lua_messages() {
    let lua = Lua::new();
    let cases = [
        ("x = = 1", "s:1: unexpected symbol near '='"),
        ("for", "s:1: '<name>' expected near '<eof>'"),
        ("x = \"abc", "s:1: unfinished string near '<eof>'"),
    ];
    for (source, expected) in cases {
        match lua.load(source).set_name("=s").exec() {
            Err(Error::SyntaxError { message, .. }) => assert_eq!(message, expected),
            other => panic!("{source}: {other:?}"),
        }
    }
    // The default chunk name is the source, as for `loadstring`.
    match lua.load("x = = 1").exec() {
        Err(Error::SyntaxError { message, .. }) => assert_eq!(
            message,
            "[string \"x = = 1\"]:1: unexpected symbol near '='"
        ),
        other => panic!("{other:?}"),
    }
}

#[test]
fn runtime_errors_carry_message_and_traceback() {
    let lua = Lua::new();
    let r = lua
        .load(
            "local function inner() error('deep') end\nlocal function outer() inner() end\nouter()",
        )
        .set_name("=s")
        .exec();
    match r {
        Err(Error::RuntimeError { message, traceback }) => {
            assert_eq!(message, "s:1: deep");
            assert_eq!(
                traceback,
                "stack traceback:\n\t[C]: in function 'error'\n\ts:1: in function 'inner'\n\ts:2: in function 'outer'\n\ts:3: in main chunk"
            );
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        runtime_message(lua.load("error(42)").set_name("=s").exec()),
        "s:1: 42"
    );
    assert_eq!(
        runtime_message(lua.load("error('plain', 0)").exec()),
        "plain"
    );
    let e = lua
        .load("error('shown')")
        .set_name("=s")
        .exec()
        .unwrap_err();
    assert_eq!(e.to_string(), "runtime error: s:1: shown");
}

#[test]
fn chunk_environment_replaces_the_globals() {
    let lua = Lua::new();
    let env = lua
        .create_table_from([("print_name", "sandbox")])
        .expect("env");
    let r: String = lua
        .load("return print_name")
        .set_environment(env.clone())
        .eval()
        .expect("eval");
    assert_eq!(r, "sandbox");
    lua.load("created = true")
        .set_environment(env.clone())
        .exec()
        .expect("exec");
    assert!(env.get::<_, bool>("created").expect("get"));
    assert!(!lua.globals().contains_key("created").expect("contains"));
}

#[test]
fn print_goes_where_the_host_says() {
    #[derive(Clone, Default)]
    struct Sink(Rc<RefCell<Vec<u8>>>);
    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let lua = Lua::new();
    let sink = Sink::default();
    lua.set_stdout(Box::new(sink.clone())).expect("stdout");
    lua.load("print(1, 'two', nil, 3.5)").exec().expect("print");
    assert_eq!(&*sink.0.borrow(), b"1\ttwo\tnil\t3.5\n");
}

// ---- conversions -----------------------------------------------------------------------------

#[test]
fn numbers_convert_exactly() {
    let lua = Lua::new();
    assert_eq!(lua.load("2^53").eval::<i64>().expect("2^53"), 1 << 53);
    assert_eq!(lua.load("-1").eval::<i8>().expect("-1"), -1);
    assert_eq!(
        lua.load("'0x10'").eval::<u32>().expect("numeric string"),
        16
    );
    assert_eq!(
        lua.load("' 2.5 '").eval::<f64>().expect("numeric string"),
        2.5
    );
    assert_eq!(lua.load("1/0").eval::<f64>().expect("inf"), f64::INFINITY);
    for (source, message) in [
        (
            "1.5",
            "error converting Lua number to i64 (number has no integer representation)",
        ),
        (
            "1/0",
            "error converting Lua number to i64 (number has no integer representation)",
        ),
        (
            "2^63",
            "error converting Lua number to i64 (number out of range)",
        ),
        ("'x'", "error converting Lua string to number"),
        ("{}", "error converting Lua table to number"),
    ] {
        let e = lua.load(source).eval::<i64>().unwrap_err();
        assert_eq!(e.to_string(), message, "{source}");
    }
    assert!(lua.load("256").eval::<u8>().is_err());
    assert!(lua.load("-1").eval::<u64>().is_err());
    // Rust integers a double cannot hold exactly are refused.
    assert!(i64::MAX.into_lua(&lua).is_err());
    assert_eq!(
        (1i64 << 53).into_lua(&lua).expect("2^53"),
        Value::Number(9007199254740992.0)
    );
}

#[test]
fn strings_are_bytes() {
    let lua = Lua::new();
    let bytes: Bytes = lua.load(r#"return "a\0b\255""#).eval().expect("bytes");
    assert_eq!(&bytes[..], b"a\0b\xff");
    let e = lua.load(r#"return "\255""#).eval::<String>().unwrap_err();
    assert_eq!(
        e.to_string(),
        "error converting Lua string to String (invalid UTF-8)"
    );
    assert_eq!(
        lua.load("1e15").eval::<String>().expect("number as string"),
        "1e+15"
    );
    assert_eq!(
        lua.load("0.1").eval::<String>().expect("number as string"),
        "0.1"
    );
    let s = lua.create_string(b"\xff\x00z").expect("string");
    lua.globals().set("s", &s).expect("set");
    assert_eq!(
        lua.load("return #s, s:byte(1), s:byte(3)")
            .eval::<(i64, i64, i64)>()
            .expect("len"),
        (3, 255, 122)
    );
    assert!(s.to_str().is_err());
    assert_eq!(&*s.as_bytes().expect("bytes"), b"\xff\x00z");
    let t: LuaString = lua.load("return 'text'").eval().expect("string");
    assert_eq!(&*t.to_str().expect("utf-8"), "text");
    assert!(t == "text");
    let n: LuaString = lua.load("return 12").eval().expect("number to string");
    assert!(n == "12");
}

#[test]
fn booleans_options_and_values() {
    let lua = Lua::new();
    let r: (bool, bool, bool, bool) = lua
        .load("return nil, false, 0, ''")
        .eval()
        .expect("truthiness");
    assert_eq!(r, (false, false, true, true));
    let r: (Option<i64>, Option<i64>, Option<String>) =
        lua.load("return nil, 5").eval().expect("options");
    assert_eq!(r, (None, Some(5), None));
    let v: Value = lua.load("return {}").eval().expect("value");
    assert_eq!(v.type_name(), "table");
    assert!(matches!(
        lua.load("return print").eval::<Value>().expect("function"),
        Value::Function(_)
    ));
    assert!(lua
        .load("return coroutine.create(print)")
        .eval::<Value>()
        .is_err());
    let e = lua.load("return 1").eval::<Table>().unwrap_err();
    assert_eq!(e.to_string(), "error converting Lua number to table");
}

#[test]
fn multiple_values_and_tables_of_values() {
    let lua = Lua::new();
    let all: MultiValue = lua.load("return 1, nil, 'x'").eval().expect("multi");
    assert_eq!(all.len(), 3);
    assert_eq!(all[1], Value::Nil);
    let (a, b, c, d): (i64, Option<i64>, String, Option<String>) =
        lua.load("return 1, nil, 'x'").eval().expect("tuple");
    assert_eq!((a, b, c.as_str(), d), (1, None, "x", None));
    let () = lua.load("return 1, 2").eval().expect("unit takes nothing");
    let map: HashMap<String, i64> = lua.load("return {a = 1, b = 2}").eval().expect("map");
    assert_eq!(
        map,
        HashMap::from([("a".to_string(), 1), ("b".to_string(), 2)])
    );
    let ordered = BTreeMap::from([(1, "one"), (2, "two")]);
    lua.globals().set("ordered", ordered).expect("set");
    assert_eq!(
        lua.load("return #ordered .. ordered[2]")
            .eval::<String>()
            .expect("read"),
        "2two"
    );
    let packed = lua
        .pack_multi((1, "a", Variadic::from(vec![true, false])))
        .expect("pack");
    assert_eq!(packed.len(), 4);
    let (x, rest): (i64, Variadic<Value>) = lua.unpack_multi(packed).expect("unpack");
    assert_eq!((x, rest.len()), (1, 3));
}

// ---- Rust functions --------------------------------------------------------------------------

#[test]
fn rust_functions_take_and_return_values() {
    let lua = Lua::new();
    let g = lua.globals();
    g.set(
        "sum",
        lua.create_function(|_, xs: Variadic<f64>| Ok(xs.iter().sum::<f64>()))
            .expect("sum"),
    )
    .expect("set");
    g.set(
        "split",
        lua.create_function(|_, s: String| {
            Ok(Variadic::from(
                s.split(',').map(String::from).collect::<Vec<_>>(),
            ))
        })
        .expect("split"),
    )
    .expect("set");
    g.set(
        "nothing",
        lua.create_function(|_, ()| Ok(())).expect("nothing"),
    )
    .expect("set");
    g.set(
        "nils",
        lua.create_function(|_, ()| Ok((Value::Nil, Option::<i64>::None)))
            .expect("nils"),
    )
    .expect("set");
    let r: (f64, i64, String, i64, i64) = lua
        .load("local a, b, c = split('x,y,z') return sum(1, 2, 3.5), select('#', split('p,q')), a .. b .. c, select('#', nothing()), select('#', nils())")
        .eval()
        .expect("eval");
    assert_eq!(r, (6.5, 2, "xyz".to_string(), 0, 2));
}

#[test]
fn bad_arguments_read_like_lua() {
    let lua = Lua::new();
    let f = lua
        .create_function(|_, (s, n): (String, i64)| Ok(s.repeat(n as usize)))
        .expect("f");
    lua.globals().set("f", f).expect("set");
    let cases = [
        (
            "f('a')",
            "s:1: bad argument #2 to 'f' (number expected, got no value)",
        ),
        (
            "f({}, 1)",
            "s:1: bad argument #1 to 'f' (string expected, got table)",
        ),
        (
            "f('a', 1.5)",
            "s:1: bad argument #2 to 'f' (number has no integer representation)",
        ),
        (
            "local t = {f = f} t.f('a')",
            "s:1: bad argument #2 to 'f' (number expected, got no value)",
        ),
        (
            "local t = {m = f} t:m()",
            "s:1: calling 'm' on bad self (string expected, got table)",
        ),
    ];
    assert_pcall_errors(&lua, &cases);
    assert_eq!(
        lua.load("return f('ab', 2)")
            .eval::<String>()
            .expect("good call"),
        "abab"
    );
    // Uncaught, the Rust side sees the argument error as the cause.
    match lua.load("f(nil, 1)").set_name("=s").exec() {
        Err(Error::CallbackError { message, cause, .. }) => {
            assert_eq!(
                message,
                "s:1: bad argument #1 to 'f' (string expected, got nil)"
            );
            assert!(
                matches!(*cause, Error::BadArgument { position: 1, .. }),
                "{cause:?}"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn errors_returned_by_rust_functions() {
    let lua = Lua::new();
    let g = lua.globals();
    g.set(
        "fail",
        lua.create_function(|_, msg: String| -> Result<(), Error> { Err(Error::runtime(msg)) })
            .expect("f"),
    )
    .expect("set");
    g.set(
        "io_fail",
        lua.create_function(|_, ()| -> Result<(), Error> {
            Err(Error::external(std::io::Error::other("disk on fire")))
        })
        .expect("f"),
    )
    .expect("set");
    g.set(
        "relay",
        lua.create_function(|_, f: Function| f.call::<_, ()>(()))
            .expect("f"),
    )
    .expect("set");
    // A runtime error's message is raised as it is.
    assert_eq!(
        lua.load("return select(2, pcall(fail, 'plain'))")
            .eval::<String>()
            .expect("eval"),
        "plain"
    );
    assert_eq!(
        runtime_message(lua.load("fail('uncaught')").exec()),
        "uncaught"
    );
    // Other errors are raised with the caller's position; Rust gets the cause back.
    assert_eq!(
        lua.load("return select(2, pcall(function() io_fail() end))")
            .set_name("=s")
            .eval::<String>()
            .expect("eval"),
        "s:1: disk on fire"
    );
    match lua.load("io_fail()").set_name("=s").exec() {
        Err(Error::CallbackError {
            message,
            cause,
            traceback,
        }) => {
            assert_eq!(message, "s:1: disk on fire");
            assert!(matches!(*cause, Error::ExternalError(_)));
            assert_eq!(
                traceback,
                "stack traceback:\n\t[C]: in function 'io_fail'\n\ts:1: in main chunk"
            );
        }
        other => panic!("{other:?}"),
    }
    // Lua errors passing through a Rust function keep their message.
    assert_eq!(
        runtime_message(
            lua.load("relay(function() error('inner') end)")
                .set_name("=s")
                .exec()
        ),
        "s:1: inner"
    );
    let r: (bool, String) = lua
        .load("return pcall(relay, function() local x = nil .. 'x' end)")
        .set_name("=s")
        .eval()
        .expect("eval");
    assert_eq!(
        r,
        (false, "s:1: attempt to concatenate a nil value".to_string())
    );
}

#[test]
fn rust_functions_call_back_into_lua() {
    let lua = Lua::new();
    let map = lua
        .create_function(|lua, (t, f): (Table, Function)| {
            let out = lua.create_table()?;
            for v in t.sequence_values::<Value>() {
                out.push(f.call::<_, Value>(v?)?)?;
            }
            Ok(out)
        })
        .expect("map");
    lua.globals().set("map", map).expect("set");
    let r: String = lua
        .load("return table.concat(map({1, 2, 3}, function(x) return map({x}, function(y) return y * 10 end)[1] end), ',')")
        .eval()
        .expect("eval");
    assert_eq!(r, "10,20,30");
}

// ---- handles and collection ------------------------------------------------------------------

#[test]
fn handles_keep_their_values_alive() {
    let lua = Lua::new();
    let t: Table = lua.load("return {answer = 42}").eval().expect("table");
    let f: Function = lua
        .load("local n = 0 return function() n = n + 1 return n end")
        .eval()
        .expect("closure");
    let s: LuaString = lua
        .load("return string.rep('ab', 1000)")
        .eval()
        .expect("string");
    let key = lua
        .create_registry_value(lua.create_table_from([("kept", true)]).expect("table"))
        .expect("key");
    let number_key = lua.create_registry_value(7).expect("key");
    // Churn: make plenty of garbage, and collect several times.
    for _ in 0..3 {
        lua.load("local junk = {} for i = 1, 50000 do junk[i] = {i, tostring(i)} end")
            .exec()
            .expect("churn");
        lua.gc_collect().expect("collect");
    }
    assert_eq!(t.get::<_, i64>("answer").expect("table"), 42);
    assert_eq!(f.call::<_, i64>(()).expect("closure"), 1);
    assert_eq!(f.call::<_, i64>(()).expect("closure"), 2);
    assert_eq!(s.len().expect("string"), 2000);
    assert!(lua
        .registry_value::<Table>(&key)
        .expect("key")
        .get::<_, bool>("kept")
        .expect("kept"));
    assert_eq!(lua.registry_value::<i64>(&number_key).expect("number"), 7);
}

#[test]
fn dropped_handles_release_their_values() {
    let lua = Lua::new();
    lua.load("weak = setmetatable({}, {__mode = 'v'})")
        .exec()
        .expect("weak table");
    let t: Table = lua
        .load("local t = {} weak[1] = t return t")
        .eval()
        .expect("table");
    let key = lua
        .create_registry_value(
            lua.load("local f = function() end weak[2] = f return f")
                .eval::<Function>()
                .expect("f"),
        )
        .expect("key");
    let count = || {
        lua.load("local n = 0 for _ in pairs(weak) do n = n + 1 end return n")
            .eval::<i64>()
            .expect("count")
    };
    lua.gc_collect().expect("collect");
    assert_eq!(count(), 2);
    let copy = t.clone();
    drop(t);
    lua.gc_collect().expect("collect");
    assert_eq!(count(), 2, "a clone still holds the table");
    drop(copy);
    lua.remove_registry_value(key).expect("remove");
    lua.gc_collect().expect("collect");
    assert_eq!(count(), 0);
}

#[test]
fn handles_outlive_their_state_safely() {
    let lua = Lua::new();
    let t = lua.create_table().expect("table");
    let f = lua.create_function(|_, ()| Ok(1)).expect("f");
    let s = lua.create_string("x").expect("s");
    drop(lua);
    assert!(matches!(t.get::<_, Value>(1), Err(Error::StateClosed)));
    assert!(matches!(f.call::<_, ()>(()), Err(Error::StateClosed)));
    assert!(matches!(s.as_bytes(), Err(Error::StateClosed)));
    assert!(!(s == "x"));
}

#[test]
fn handles_of_another_state_are_refused() {
    let a = Lua::new();
    let b = Lua::new();
    let t = a.create_table().expect("table");
    let e = b.globals().set("t", t).unwrap_err();
    assert_eq!(
        e.to_string(),
        "error converting handle to Lua value (the value belongs to another Lua state)"
    );
}

#[test]
fn a_clone_of_lua_keeps_the_state_open() {
    let lua = Lua::new();
    let t = lua.create_table().expect("table");
    let other = lua.clone();
    drop(lua);
    t.set(1, "still open").expect("set");
    assert_eq!(other.load("return 1").eval::<i64>().expect("eval"), 1);
}

#[test]
fn named_registry_values_are_hidden_from_scripts() {
    let lua = Lua::new();
    lua.set_named_registry_value("config", "secret")
        .expect("set");
    assert_eq!(
        lua.named_registry_value::<String>("config").expect("get"),
        "secret"
    );
    assert_eq!(
        lua.named_registry_value::<Option<String>>("missing")
            .expect("get"),
        None
    );
    let visible: bool = lua
        .load("for k, v in pairs(_G) do if v == 'secret' then return true end end return false")
        .eval()
        .expect("scan");
    assert!(!visible);
}

// ---- tables ----------------------------------------------------------------------------------

#[test]
fn table_access_with_and_without_metamethods() {
    let lua = Lua::new();
    let t: Table = lua
        .load("local log = {} return setmetatable({}, {__index = function(t, k) return k .. '!' end, __newindex = function(t, k, v) rawset(t, k, v * 2) end})")
        .eval()
        .expect("table");
    assert_eq!(t.get::<_, String>("a").expect("index"), "a!");
    assert_eq!(t.raw_get::<_, Option<String>>("a").expect("raw"), None);
    t.set("n", 5).expect("newindex");
    assert_eq!(t.raw_get::<_, i64>("n").expect("raw"), 10);
    t.raw_set("m", 5).expect("raw set");
    assert_eq!(t.get::<_, i64>("m").expect("get"), 5);
    assert!(t.contains_key("anything").expect("contains via __index"));
    let e = t.raw_set(Value::Nil, 1).unwrap_err();
    assert_eq!(e.to_string(), "runtime error: table index is nil");
    let failing: Table = lua
        .load("return setmetatable({}, {__index = function() error('no such key') end})")
        .set_name("=s")
        .eval()
        .expect("t");
    assert_eq!(
        runtime_message(failing.get::<_, Value>("k").map(|_| ())),
        "s:1: no such key"
    );
    assert!(t.metatable().expect("metatable").is_some());
    t.set_metatable(None).expect("remove");
    assert_eq!(t.get::<_, Option<String>>("a").expect("plain"), None);
}

#[test]
fn table_length_sequences_and_pairs() {
    let lua = Lua::new();
    let t = lua.create_sequence_from(["a", "b", "c"]).expect("sequence");
    t.push("d").expect("push");
    assert_eq!(t.len().expect("len"), 4);
    let items: Vec<String> = t
        .sequence_values()
        .collect::<Result<_, _>>()
        .expect("values");
    assert_eq!(items, ["a", "b", "c", "d"]);
    t.set("key", true).expect("set");
    let mut n = 0;
    for pair in t.pairs::<Value, Value>() {
        let (k, v) = pair.expect("pair");
        assert!(!k.is_nil() && !v.is_nil());
        n += 1;
    }
    assert_eq!(n, 5);
    let empty = lua.create_table().expect("empty");
    assert!(empty.is_empty().expect("empty"));
    assert!(!t.is_empty().expect("not empty"));
    // Same order as `next` in Lua.
    let lua_order: String = lua
        .load("local t = {10, 20, x = 1, y = 2, z = 3} local o = {} for k in pairs(t) do o[#o + 1] = tostring(k) end return table.concat(o, ' ')")
        .eval()
        .expect("order");
    let t: Table = lua
        .load("return {10, 20, x = 1, y = 2, z = 3}")
        .eval()
        .expect("t");
    let rust_order: Vec<String> = t
        .pairs::<Value, Value>()
        .map(|p| lua.unpack::<String>(p.expect("pair").0).expect("key"))
        .collect();
    assert_eq!(rust_order.join(" "), lua_order);
}

#[test]
fn values_compare_by_identity() {
    let lua = Lua::new();
    let (a, b, c): (Table, Table, Table) = lua
        .load("local t = {} return t, t, {}")
        .eval()
        .expect("tables");
    assert_eq!(a, b);
    assert_ne!(a, c);
    let (s1, s2): (Value, Value) = lua
        .load("return 'same', 'sa' .. 'me'")
        .eval()
        .expect("strings");
    assert_eq!(s1, s2);
    assert_eq!(Value::Number(1.0), Value::Number(1.0));
    assert_ne!(Value::Boolean(true), Value::Number(1.0));
}

// ---- userdata --------------------------------------------------------------------------------

struct Counter {
    value: i64,
    drops: Rc<Cell<u32>>,
}

impl Drop for Counter {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

impl UserData for Counter {
    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method("get", |_, this, ()| Ok(this.value));
        methods.add_method_mut("add", |_, this, n: i64| {
            this.value += n;
            Ok(this.value)
        });
        methods.add_method_mut("apply", |_, this, f: Function| {
            // Calls back into Lua while the counter is mutably borrowed.
            this.value = f.call::<_, i64>(this.value)?;
            Ok(())
        });
        methods.add_function("describe", |_, ud: AnyUserData| {
            Ok(format!("counter at {}", ud.borrow::<Counter>()?.value))
        });
        methods.add_meta_method(MetaMethod::ToString, |_, this, ()| {
            Ok(format!("Counter({})", this.value))
        });
        methods.add_meta_method(MetaMethod::Len, |_, this, ()| Ok(this.value));
        methods.add_meta_function(MetaMethod::Add, |_, (a, b): (AnyUserData, i64)| {
            Ok(a.borrow::<Counter>()?.value + b)
        });
        methods.add_meta_method(MetaMethod::Eq, |_, this, other: AnyUserData| {
            Ok(this.value == other.borrow::<Counter>()?.value)
        });
        methods.add_meta_method(MetaMethod::Call, |_, this, x: i64| Ok(this.value * x));
        methods.add_meta_method(MetaMethod::Index, |_, this, key: String| {
            Ok(format!("{key}:{}", this.value))
        });
    }
}

fn counter_state() -> (Lua, Rc<Cell<u32>>) {
    let lua = Lua::new();
    let drops = Rc::new(Cell::new(0));
    let d = drops.clone();
    let new = lua
        .create_function(move |lua, value: i64| {
            lua.create_userdata(Counter {
                value,
                drops: d.clone(),
            })
        })
        .expect("new");
    lua.globals().set("Counter", new).expect("set");
    (lua, drops)
}

#[test]
fn userdata_methods_and_metamethods() {
    let (lua, _) = counter_state();
    let r: (i64, i64, String, i64, i64, bool, bool, i64, String, String) = lua
        .load(
            "local c = Counter(1)
             c:add(41)
             local d = Counter(42)
             return c:get(), #c, tostring(c), c + 8, c(2), c == d, c == Counter(0), d:add(-2), c.describe(c), c.anything",
        )
        .eval()
        .expect("eval");
    assert_eq!(
        r,
        (
            42,
            42,
            "Counter(42)".into(),
            50,
            84,
            true,
            false,
            40,
            "counter at 42".into(),
            "anything:42".into()
        )
    );
}

#[test]
fn userdata_from_rust() {
    let (lua, _) = counter_state();
    let c: AnyUserData = lua
        .load("local c = Counter(5) c:add(1) return c")
        .eval()
        .expect("userdata");
    assert!(c.is::<Counter>());
    assert!(!c.is::<String>());
    assert_eq!(c.borrow::<Counter>().expect("borrow").value, 6);
    c.borrow_mut::<Counter>().expect("borrow mut").value = 100;
    assert_eq!(
        lua.load("return ...")
            .call::<_, AnyUserData>(c.clone())
            .expect("round trip")
            .borrow::<Counter>()
            .expect("b")
            .value,
        100
    );
    assert!(matches!(
        c.borrow::<String>(),
        Err(Error::UserDataTypeMismatch)
    ));
    let guard = c.borrow_mut::<Counter>().expect("hold");
    assert!(matches!(
        c.borrow::<Counter>(),
        Err(Error::UserDataBorrowError)
    ));
    drop(guard);
    let proxy: AnyUserData = lua.load("return newproxy()").eval().expect("proxy");
    assert!(!proxy.is::<Counter>());
}

#[test]
fn userdata_errors_read_like_lua() {
    let (lua, _) = counter_state();
    let cases = [
        (
            "local c = Counter(1) c.get({})",
            "s:1: bad argument #1 to 'get' (Counter expected, got table)",
        ),
        (
            "local c = Counter(1) c.get()",
            "s:1: bad argument #1 to 'get' (Counter expected, got no value)",
        ),
        (
            "local c = Counter(1) c:add('x')",
            "s:1: bad argument #1 to 'add' (number expected, got string)",
        ),
        (
            "local c = Counter(1) local t = {add = c.add} t:add(1)",
            "s:1: calling 'add' on bad self (Counter expected, got table)",
        ),
        (
            "local c = Counter(1) c:apply(function(v) return c:get() end)",
            "s:1: userdata already mutably borrowed",
        ),
    ];
    assert_pcall_errors(&lua, &cases);
    assert_eq!(
        lua.load("local c = Counter(2) c:apply(function(v) return v * 21 end) return c:get()")
            .eval::<i64>()
            .expect("apply"),
        42
    );
}

#[test]
fn userdata_is_dropped_when_collected() {
    let (lua, drops) = counter_state();
    lua.load("local a, b = Counter(1), Counter(2) kept = Counter(3)")
        .exec()
        .expect("create");
    lua.gc_collect().expect("collect");
    assert_eq!(drops.get(), 2);
    lua.load("kept = nil").exec().expect("release");
    lua.gc_collect().expect("collect");
    assert_eq!(drops.get(), 3);
    let held: AnyUserData = lua.load("return Counter(4)").eval().expect("held");
    lua.gc_collect().expect("collect");
    assert_eq!(drops.get(), 3);
    drop(held);
    drop(lua);
    assert_eq!(drops.get(), 4);
}

#[test]
fn userdata_values_convert_through_from_lua() {
    #[derive(Debug, PartialEq)]
    struct Point(i64, i64);
    impl FromLua for Point {
        fn from_lua(value: Value, lua: &Lua) -> Result<Point, Error> {
            let t: Table = lua.unpack(value)?;
            Ok(Point(t.get("x")?, t.get("y")?))
        }
    }
    impl IntoLua for Point {
        fn into_lua(self, lua: &Lua) -> Result<Value, Error> {
            Ok(Value::Table(
                lua.create_table_from([("x", self.0), ("y", self.1)])?,
            ))
        }
    }
    let lua = Lua::new();
    let mirror = lua
        .create_function(|_, p: Point| Ok(Point(p.1, p.0)))
        .expect("f");
    lua.globals().set("mirror", mirror).expect("set");
    let p: Point = lua
        .load("local p = mirror({x = 1, y = 2}) return p")
        .eval()
        .expect("eval");
    assert_eq!(p, Point(2, 1));
}

/// A panic in a Rust function unwinds the VM cleanly (no `pcall` stops it) and continues in the
/// host; the state stays usable, with its call-depth accounting intact.
#[test]
fn a_panicking_callback_reaches_the_host() {
    let lua = Lua::new();
    let boom = lua
        .create_function(|_, ()| -> Result<(), Error> { panic!("boom") })
        .expect("f");
    lua.globals().set("boom", boom).expect("set");
    let relay = lua
        .create_function(|_, f: Function| f.call::<_, ()>(()))
        .expect("f");
    lua.globals().set("relay", relay).expect("set");
    for script in [
        "pcall(boom) reached = true",
        "pcall(relay, boom) reached = true",
        "coroutine.wrap(function() pcall(boom) end)() reached = true",
    ] {
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| lua.load(script).exec()));
        let payload = r.expect_err(script);
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"boom"), "{script}");
        assert_eq!(
            lua.load("return reached")
                .eval::<Option<bool>>()
                .expect("usable"),
            None
        );
    }
    let depth: i64 = lua
        .load("local list = {} for i = 1, 300 do list[i] = pcall end list[301] = error return select('#', pcall(unpack(list)))")
        .eval()
        .expect("depth");
    assert_eq!(depth, 200);
}

/// Run each source inside `pcall` in chunk `=s` and check the error message it returns.
fn assert_pcall_errors(lua: &Lua, cases: &[(&str, &str)]) {
    for (source, expected) in cases {
        let wrapped = format!("local ok, e = pcall(function() {source} end) return e");
        assert_eq!(
            lua.load(wrapped)
                .set_name("=s")
                .eval::<String>()
                .expect("eval"),
            *expected,
            "{source}"
        );
    }
}

// ---- error values that are not text ------------------------------------------------------------

#[test]
fn a_raised_table_comes_out_intact() {
    let lua = Lua::new();
    let err = lua
        .load("local function f() error({code = 42, why = 'bad'}) end f()")
        .set_name("=s")
        .exec()
        .expect_err("raises");
    match &err {
        Error::ErrorObject {
            message, traceback, ..
        } => {
            assert_eq!(message, "(error object is a table value)");
            assert!(traceback.contains("in function 'f'"), "{traceback}");
        }
        other => panic!("{other:?}"),
    }
    let value = lua.error_value(&err).expect("state").expect("kept");
    let table = value.as_table().expect("a table");
    assert_eq!(table.get::<_, i64>("code").expect("code"), 42);
    assert_eq!(table.get::<_, String>("why").expect("why"), "bad");
    // Other kinds of error have no value.
    let text = lua.load("error('plain')").exec().expect_err("raises");
    assert!(lua.error_value(&text).expect("state").is_none());
}

#[test]
fn raised_values_of_every_type_are_kept() {
    let lua = Lua::new();
    for (source, type_name) in [
        ("error(true)", "boolean"),
        ("error()", "nil"),
        ("error(print)", "function"),
        ("error(coroutine.create(function() end))", "thread"),
    ] {
        let err = lua.load(source).exec().expect_err(source);
        assert!(
            matches!(err, Error::ErrorObject { .. }),
            "{source}: {err:?}"
        );
        let value = lua.error_value(&err).expect("state").expect("kept");
        assert_eq!(value.type_name(), type_name, "{source}");
    }
}

#[test]
fn a_raised_table_passes_through_a_rust_callback_as_itself() {
    let lua = Lua::new();
    let call = lua
        .create_function(|_, f: Function| f.call::<_, ()>(()))
        .expect("function");
    lua.globals().set("call", call).expect("global");
    let same: bool = lua
        .load(
            "local e = {}
             local ok, got = pcall(call, function() error(e) end)
             return not ok and rawequal(got, e)",
        )
        .eval()
        .expect("runs");
    assert!(same);
}

#[test]
fn only_the_last_raised_values_are_kept() {
    let lua = Lua::new();
    let first = lua.load("error({1})").exec().expect_err("raises");
    for _ in 0..lua_core::api::KEPT_ERROR_OBJECTS {
        let _ = lua.load("error({})").exec();
    }
    assert!(lua.error_value(&first).expect("state").is_none());
    let last = lua.load("error({2})").exec().expect_err("raises");
    let value = lua.error_value(&last).expect("state").expect("kept");
    let table = value.as_table().expect("table");
    assert_eq!(table.get::<_, i64>(1).expect("item"), 2);
}

/// A callback's error that Lua code caught is finished with: a later error with the same text
/// is that error, not the callback's.
#[test]
fn a_caught_callback_error_does_not_name_a_later_error() {
    let lua = Lua::new();
    let fail = lua
        .create_function(|_, ()| -> lua_core::api::Result<()> {
            Err(Error::ExternalError(std::sync::Arc::new(
                std::io::Error::other("disk gone"),
            )))
        })
        .expect("function");
    lua.globals().set("fail", fail).expect("global");
    // Uncaught, it is the callback's error.
    let uncaught = lua.load("fail()").exec().expect_err("raises");
    assert!(
        matches!(uncaught, Error::CallbackError { .. }),
        "{uncaught:?}"
    );
    // Caught, then the same text raised by Lua code: a plain runtime error.
    let later = lua
        .load("local ok, text = pcall(fail) assert(not ok) error(text, 0)")
        .exec()
        .expect_err("raises");
    match later {
        Error::RuntimeError { message, .. } => assert!(message.contains("disk gone"), "{message}"),
        other => panic!("{other:?}"),
    }
    // The same through coroutine.resume.
    let later = lua
        .load("local ok, text = coroutine.resume(coroutine.create(fail)) error(text, 0)")
        .exec()
        .expect_err("raises");
    assert!(matches!(later, Error::RuntimeError { .. }), "{later:?}");
}

/// Rust callbacks calling back into Lua until the nested-call limit: the error is Lua 5.1's
/// `C stack overflow`, caught where Lua code asks (as lua5.1 does, where each C call into
/// Lua counts against LUAI_MAXCCALLS), even though every API call runs under a message
/// handler.
#[test]
fn callbacks_recursing_through_lua_hit_c_stack_overflow() {
    let lua = Lua::new();
    let recurse = lua
        .create_function(|lua, n: i64| {
            let f: Function = lua.globals().get("f")?;
            f.call::<_, i64>(n + 1)
        })
        .expect("function");
    lua.globals().set("recurse", recurse).expect("global");
    lua.load("function f(n) return recurse(n) end")
        .exec()
        .expect("define");
    let uncaught = lua
        .load("return f(0)")
        .eval::<i64>()
        .expect_err("overflows");
    let text = uncaught.to_string();
    assert!(text.contains("C stack overflow"), "{text}");
    let caught: String = lua
        .load("local ok, e = pcall(f, 0) return tostring(e)")
        .eval()
        .expect("pcall");
    assert!(caught.contains("C stack overflow"), "{caught}");
}

#[test]
fn integer_conversions_at_their_edges() {
    let lua = Lua::new();
    let read = |src: &str| lua.load(src).eval::<Value>().expect(src);
    let message = |r: Result<i64, Error>| match r {
        Err(Error::FromLuaConversionError { message, .. }) => message.unwrap_or_default(),
        other => format!("{other:?}"),
    };
    assert_eq!(
        i64::from_lua(read("return -2^63"), &lua).expect("min"),
        i64::MIN
    );
    assert_eq!(
        message(i64::from_lua(read("return 2^63"), &lua)),
        "number out of range"
    );
    assert_eq!(
        u64::from_lua(read("return 2^63"), &lua).expect("u64"),
        1 << 63
    );
    assert_eq!(
        u64::from_lua(read("return 2^64 - 2^11"), &lua).expect("u64"),
        u64::MAX - 2047
    );
    assert!(u64::from_lua(read("return 2^64"), &lua).is_err());
    assert!(u8::from_lua(read("return 256"), &lua).is_err());
    assert_eq!(i8::from_lua(read("return -128"), &lua).expect("i8"), -128);
    assert_eq!(
        message(i64::from_lua(read("return 0.5"), &lua)),
        "number has no integer representation"
    );
    assert_eq!(
        message(i64::from_lua(read("return 0/0"), &lua)),
        "number has no integer representation"
    );
    assert_eq!(
        message(i64::from_lua(read("return 1/0"), &lua)),
        "number has no integer representation"
    );
    assert_eq!(
        message(i64::from_lua(read("return -2^70"), &lua)),
        "number out of range"
    );
    assert_eq!(
        i32::from_lua(read("return '12'"), &lua).expect("string"),
        12
    );
    // And back: only integers a double holds exactly.
    assert_eq!(
        i64::MIN.into_lua(&lua).expect("-2^63"),
        Value::Number(-9223372036854775808.0)
    );
    assert_eq!(
        (1u64 << 63).into_lua(&lua).expect("2^63"),
        Value::Number(9223372036854775808.0)
    );
    assert!(u64::MAX.into_lua(&lua).is_err());
    assert!((i64::MIN + 1).into_lua(&lua).is_err());
    assert!(((1u64 << 53) + 1).into_lua(&lua).is_err());
}

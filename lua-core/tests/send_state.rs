//! A whole state moving to another thread (feature `send`): allowed once no handle and no
//! other `Lua` of it exists, refused (with the `Lua` given back) otherwise.

use lua_core::api::{Error, HookMask, Lua, UserData, UserDataMethods};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;

struct Counter(i64);

impl UserData for Counter {
    fn add_methods(methods: &mut UserDataMethods<Self>) {
        methods.add_method_mut("add", |_, c, n: i64| {
            c.0 += n;
            Ok(c.0)
        });
        methods.add_meta_method(lua_core::api::MetaMethod::Index, |_, _, key: String| {
            Ok(format!("field {key}"))
        });
    }
}

#[test]
fn a_state_with_functions_hooks_and_userdata_runs_on_another_thread() {
    let lua = Lua::new();
    let calls = Arc::new(AtomicU32::new(0));
    let seen = calls.clone();
    let double = lua
        .create_function(move |_, n: i64| {
            seen.fetch_add(1, Ordering::Relaxed);
            Ok(n * 2)
        })
        .expect("function");
    lua.globals().set("double", double).expect("global");
    lua.globals()
        .set(
            "counter",
            lua.create_userdata(Counter(1)).expect("userdata"),
        )
        .expect("global");
    let hook_calls = Arc::new(AtomicU32::new(0));
    let hooked = hook_calls.clone();
    let mask = HookMask {
        every_nth_instruction: Some(1000),
        ..Default::default()
    };
    lua.set_hook(mask, move |_, _| {
        hooked.fetch_add(1, Ordering::Relaxed);
        Ok(())
    })
    .expect("hook");
    // An error value the state keeps, and a raised table.
    let _ = lua.load("error({code = 1})").exec();
    lua.load("state = {n = 0}").exec().expect("setup");

    let sendable = lua
        .into_send()
        .unwrap_or_else(|_| panic!("no handle exists"));
    let result = std::thread::spawn(move || {
        let lua = sendable.into_lua();
        let r: (i64, i64, String) = lua
            .load(
                "for i = 1, 5000 do state.n = state.n + 1 end
                 return double(21), counter:add(9), counter.anything",
            )
            .eval()
            .expect("runs on the other thread");
        (r, lua.into_send().unwrap_or_else(|_| panic!("back")))
    })
    .join()
    .expect("thread");
    let ((doubled, counted, field), back) = result;
    assert_eq!(
        (doubled, counted, field.as_str()),
        (42, 10, "field anything")
    );
    assert_eq!(calls.load(Ordering::Relaxed), 1);
    assert!(hook_calls.load(Ordering::Relaxed) >= 5);
    // And back again.
    let lua = back.into_lua();
    assert_eq!(
        lua.load("return state.n").eval::<i64>().expect("eval"),
        5000
    );
}

#[test]
fn a_state_with_handles_or_clones_stays() {
    let lua = Lua::new();
    let table = lua.create_table().expect("table");
    let lua = match lua.into_send() {
        Ok(_) => panic!("a table handle exists"),
        Err(lua) => lua,
    };
    drop(table);
    // (A function cannot capture a handle at all with the feature: handles are not `Send`.)
    let f = lua.create_function(|_, ()| Ok(0i64)).expect("function");
    lua.globals().set("f", f).expect("global");
    // A second `Lua` of the same state is refused as well.
    let fresh = Lua::new();
    let clone = fresh.clone();
    assert!(fresh.into_send().is_err());
    drop(clone);
    // The refused state still works.
    assert_eq!(lua.load("return f()").eval::<i64>().expect("eval"), 0);
    let err = lua.load("error('x')").exec().expect_err("error");
    assert!(matches!(err, Error::RuntimeError { .. }));
}

//! Selective library opening: a sandboxed state has exactly the functions it was given, and
//! nothing that reaches files, the process, the module system or the debug interface.

use lua_core::api::{Library, Lua, LuaOptions};

/// The sorted names of the global table, and of each library table in it.
fn globals_of(lua: &Lua) -> String {
    lua.load(
        r#"
        local function sorted_keys(t)
            local keys = {}
            for k in pairs(t) do keys[#keys + 1] = tostring(k) end
            table.sort(keys)
            return table.concat(keys, " ")
        end
        local out = {sorted_keys(_G)}
        for _, name in ipairs({"coroutine", "io", "os", "package", "debug", "string", "table", "math"}) do
            if type(_G[name]) == "table" then out[#out + 1] = name .. ": " .. sorted_keys(_G[name]) end
        end
        return table.concat(out, "\n")
        "#,
    )
    .eval()
    .expect("globals")
}

#[test]
fn the_default_state_is_sandboxed() {
    let lua = Lua::new();
    assert_eq!(
        globals_of(&lua),
        "_G _VERSION assert collectgarbage coroutine error gcinfo getfenv getmetatable ipairs load \
         loadstring math newproxy next pairs pcall print rawequal rawget rawset select setfenv \
         setmetatable string table tonumber tostring type unpack xpcall\n\
         coroutine: create resume running status wrap yield\n\
         string: byte char dump find format gfind gmatch gsub len lower match rep reverse sub upper\n\
         table: concat foreach foreachi getn insert maxn remove setn sort\n\
         math: abs acos asin atan atan2 ceil cos cosh deg exp floor fmod frexp huge ldexp log log10 \
         max min mod modf pi pow rad random randomseed sin sinh sqrt tan tanh"
    );
    let absent: bool = lua
        .load("return loadfile == nil and dofile == nil and io == nil and os == nil and package == nil and require == nil and module == nil and debug == nil")
        .eval()
        .expect("eval");
    assert!(absent);
}

#[test]
fn an_allow_list_restricts_each_library() {
    let options = LuaOptions::new()
        .allow(
            Library::Base,
            &[
                "_G", "print", "pairs", "ipairs", "type", "tostring", "pcall", "error", "select",
            ],
        )
        .allow(Library::Os, &["clock", "time"])
        .allow(Library::String, &["format", "sub", "rep"]);
    let lua = Lua::new_with(
        &[Library::Base, Library::Table, Library::String, Library::Os],
        options,
    )
    .expect("state");
    // `globals_of` itself needs `table.sort`, `table.concat` and `tostring`, which are allowed.
    assert_eq!(
        globals_of(&lua),
        "_G error ipairs os pairs pcall print select string table tostring type\n\
         os: clock time\n\
         string: format rep sub\n\
         table: concat foreach foreachi getn insert maxn remove setn sort"
    );
    let r: (bool, String) = lua
        .load("return pcall(function() return loadfile('x') end)")
        .set_name("=s")
        .eval()
        .expect("eval");
    assert_eq!(
        r,
        (
            false,
            "s:1: attempt to call global 'loadfile' (a nil value)".to_string()
        )
    );
    // Methods on strings go through the (restricted) string table.
    let s: String = lua.load("return ('ab'):rep(2)").eval().expect("rep");
    assert_eq!(s, "abab");
    let e: (bool, String) = lua
        .load("return pcall(function() return ('ab'):upper() end)")
        .eval()
        .expect("eval");
    assert!(!e.0);
    assert!(
        e.1.ends_with("attempt to call method 'upper' (a nil value)"),
        "{}",
        e.1
    );
}

#[test]
fn no_library_at_all() {
    let lua = Lua::new_with(&[], LuaOptions::new()).expect("state");
    let n: i64 = lua
        .load("local n = 0 for k in next, _G do n = n + 1 end return n")
        .eval()
        .map_or(-1, |n| n);
    // Not even `next`: the chunk fails, and the global table is empty.
    assert_eq!(n, -1);
    let count = lua
        .globals()
        .pairs::<lua_core::api::Value, lua_core::api::Value>()
        .count();
    assert_eq!(count, 0);
    assert_eq!(
        lua.load("return 1 + 1")
            .eval::<i64>()
            .expect("arithmetic needs no library"),
        2
    );
}

/// For contrast: every library, as the standalone interpreter has them.
#[test]
fn every_library_includes_the_unsafe_ones() {
    let lua = Lua::new_with(Library::ALL, LuaOptions::new()).expect("state");
    let present: bool = lua
        .load("return type(loadfile) == 'function' and type(dofile) == 'function' and type(io) == 'table' and type(os.execute) == 'function' and type(require) == 'function' and type(package.loaded) == 'table' and type(debug.getinfo) == 'function'")
        .eval()
        .expect("eval");
    assert!(present);
}

/// A misspelled name in an allow-list is refused instead of leaving the function out silently.
#[test]
fn an_allow_list_naming_nothing_is_refused() {
    let options = LuaOptions::new().allow(Library::String, &["format", "sbu"]);
    match Lua::new_with(&[Library::Base, Library::String], options) {
        Err(e) => assert!(
            e.to_string()
                .contains("the allow-list of library 'string' names 'sbu', which it does not have"),
            "{e}"
        ),
        Ok(_) => panic!("a misspelled allow-list was accepted"),
    }
    let options = LuaOptions::new().allow(Library::Base, &["print", "pairz"]);
    assert!(Lua::new_with(&[Library::Base], options).is_err());
}

struct Counter(i64);

impl lua_core::api::UserData for Counter {
    fn add_methods(methods: &mut lua_core::api::UserDataMethods<Self>) {
        methods.add_method("get", |_, this, ()| Ok(this.0));
    }
}

/// The metatable a userdata type shares is not the script's to change: `getmetatable` gives
/// `false`, and the methods table is read-only even when reached through the debug library.
#[test]
fn a_userdata_type_cannot_be_stripped_by_a_script() {
    let lua = Lua::new_with(Library::ALL, LuaOptions::new()).expect("state");
    let a = lua.create_userdata(Counter(1)).expect("a");
    let b = lua.create_userdata(Counter(2)).expect("b");
    lua.globals().set("a", a).expect("a");
    lua.globals().set("b", b).expect("b");
    let hidden: bool = lua
        .load("return getmetatable(a) == false")
        .eval()
        .expect("runs");
    assert!(hidden);
    let refused: String = lua
        .load("local ok, e = pcall(function() debug.getmetatable(a).__index.get = nil end) return tostring(e)")
        .eval()
        .expect("runs");
    assert!(refused.contains("readonly table"), "{refused}");
    let refused: String = lua
        .load("local ok, e = pcall(function() debug.getmetatable(a).__index = nil end) return tostring(e)")
        .eval()
        .expect("runs");
    assert!(refused.contains("readonly table"), "{refused}");
    assert_eq!(lua.load("return b:get()").eval::<i64>().expect("method"), 2);
}

/// A script with the debug library cannot remove or replace the host's hook.
#[test]
fn the_hosts_hook_stays_in_force() {
    let lua = Lua::new_with(Library::ALL, LuaOptions::new()).expect("state");
    let ticks = std::rc::Rc::new(std::cell::Cell::new(0u32));
    let seen = ticks.clone();
    let mask = lua_core::api::HookMask {
        every_nth_instruction: Some(1000),
        ..Default::default()
    };
    lua.set_hook(mask, move |_, _| {
        seen.set(seen.get() + 1);
        if seen.get() > 50 {
            Err(lua_core::api::Error::Interrupted)
        } else {
            Ok(())
        }
    })
    .expect("hook");
    let r = lua
        .load("local ok, e = pcall(debug.sethook) assert(not ok and e:find('cannot change the hook the host has set'), e) \
               pcall(debug.sethook, function() end, '', 0) \
               while true do end")
        .exec();
    assert!(matches!(r, Err(lua_core::api::Error::Interrupted)), "{r:?}");
    assert_eq!(ticks.get(), 51);
}

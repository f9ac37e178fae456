//! The memory limit: scripts that allocate without bound get `not enough memory` (which `pcall`
//! catches, as in Lua 5.1), the host gets `Error::MemoryError` when it is not caught, and the
//! state stays usable.

use lua_core::api::{Error, Lua, LuaOptions, Table};

const MB: usize = 1024 * 1024;

/// A state limited to its current use plus `extra` bytes.
fn limited(extra: usize) -> Lua {
    let lua = Lua::new();
    let limit = lua.used_memory() + extra;
    assert_eq!(lua.set_memory_limit(Some(limit)).expect("limit"), None);
    lua
}

/// Scripts that allocate until they fail, each in a different way.
const GREEDY: &[&str] = &[
    "local t = {} for i = 1, 1e9 do t['k' .. i] = true end",
    "local s = 'x' while true do s = s .. s end",
    "local t = {} while true do t = {t, t} end",
    "local t = {} for i = 1, 1e9 do t[i] = function() return i end end",
    "local s = string.rep('x', 2^30)",
    "local t = {} for i = 1, 1e9 do t[i] = {} end",
    "local t = {} for i = 1, 1e9 do table.insert(t, i) end",
    "local t = {} for i = 1, 1e9 do t[#t + 1] = string.rep('y', 100) .. i end",
    "local t = {} for i = 1, 1e9 do t[i] = coroutine.create(function() end) end",
    // Each library function that builds a string or a table, made to double its output.
    "local s = 'xy' while true do s = string.format('%s%s', s, s) end",
    "local s = 'x' while true do s = s:gsub('x', 'xx') end",
    "local s = 'x' while true do s = table.concat({s, s}) end",
    "local s = 'x' while true do s = s:rep(2) end",
    "local s = 'x' while true do s = s:upper() .. s:lower() end",
    "local s = ('x'):rep(1000) while true do s = s:rep(3, s) end",
    "local t = {} for i = 1, 1e9 do t[i] = tostring({}) end",
    "local t = {} for i = 1, 1e9 do t[i] = tostring(i + 0.5) end",
    "local t = {} for i = 1, 1e9 do t[i] = string.char(i % 256, (i + 1) % 256, 65, 66, 67) end",
    "local t = {} for i = 1, 1e9 do t[i] = {unpack({1, 2, 3, 4, 5, 6, 7, 8})} end",
    "local t = {} for i = 1, 1e9 do t[i] = coroutine.wrap(function() coroutine.yield(i) end) t[i]() end",
    "local s = ('x'):rep(100000) local t = {} for i = 1, 1e9 do t[i] = s:sub(2, -2) .. i end",
    // Deep calls passing many varargs: the stack itself grows past the limit.
    "local a = {} for i = 1, 7000 do a[i] = i end \
     local function f(n, ...) if n == 0 then return 0 end return (f(n - 1, ...)) end \
     f(1000, unpack(a))",
    // The same in coroutines, each holding its own deep stack.
    "local a = {} for i = 1, 7000 do a[i] = i end \
     local function f(n, ...) if n == 0 then coroutine.yield() end return (f(n - 1, ...)) end \
     local held = {} \
     for i = 1, 1e9 do held[i] = coroutine.create(f) coroutine.resume(held[i], 20, unpack(a)) end",
];

#[test]
fn unbounded_allocation_is_caught_by_pcall() {
    for &script in GREEDY {
        let lua = limited(2 * MB);
        let wrapped = format!("local ok, err = pcall(function() {script} end) return ok, err");
        let r: (bool, String) = lua
            .load(wrapped)
            .eval()
            .unwrap_or_else(|e| panic!("{script}: {e:?}"));
        assert_eq!(r, (false, "not enough memory".to_string()), "{script}");
    }
}

#[test]
fn uncaught_it_reaches_the_host_as_a_memory_error() {
    for &script in GREEDY {
        let lua = limited(2 * MB);
        let r = lua.load(script).exec();
        assert!(matches!(r, Err(Error::MemoryError)), "{script}: {r:?}");
    }
}

#[test]
fn the_state_is_usable_afterwards() {
    let lua = limited(2 * MB);
    let limit = lua.set_memory_limit(None).expect("read").expect("a limit");
    lua.set_memory_limit(Some(limit)).expect("limit");
    for &script in GREEDY {
        let r = lua.load(script).exec();
        assert!(matches!(r, Err(Error::MemoryError)), "{script}: {r:?}");
        lua.gc_collect().expect("collect");
        assert!(
            lua.used_memory() < limit,
            "{script}: {} bytes still held",
            lua.used_memory()
        );
        let s: String = lua
            .load("local t = {} for i = 1, 100 do t[i] = i end return table.concat(t, ',', 1, 3)")
            .eval()
            .expect("usable");
        assert_eq!(s, "1,2,3");
    }
}

/// As in Lua 5.1, the message handler of `xpcall` does not run for memory errors.
#[test]
fn xpcall_handlers_do_not_run_for_memory_errors() {
    let lua = limited(2 * MB);
    let r: (bool, String, Option<bool>) = lua
        .load(
            "local ok, err = xpcall(function() local t = {} for i = 1, 1e9 do t[i] = {} end end,
                                    function(m) handled = true return 'handled: ' .. m end)
             return ok, err, handled",
        )
        .eval()
        .expect("eval");
    assert_eq!(r, (false, "not enough memory".to_string(), None));
}

/// The failed coroutine is dead; once nothing refers to it, its memory is free again. (A dead
/// coroutine keeps its stack, as in Lua 5.1, so while it is referenced its garbage stays.)
#[test]
fn inside_a_coroutine_resume_reports_it() {
    let lua = limited(2 * MB);
    let r: (bool, String, bool, String) = lua
        .load(
            "local ok, err = coroutine.resume(coroutine.create(function()
                 local t = {} for i = 1, 1e9 do t[i] = {} end
             end))
             local ok2, err2 = pcall(coroutine.wrap(function()
                 local t = {} for i = 1, 1e9 do t[i] = {} end
             end))
             return ok, err, ok2, err2",
        )
        .eval()
        .expect("eval");
    let nem = "not enough memory".to_string();
    assert_eq!(r, (false, nem.clone(), false, nem));
}

/// Rust-side allocations respect the limit too.
#[test]
fn api_allocations_respect_the_limit() {
    let lua = limited(MB);
    assert!(matches!(
        lua.create_string(vec![b'x'; 4 * MB]),
        Err(Error::MemoryError)
    ));
    assert!(matches!(
        lua.create_table_with_capacity(1 << 20, 0),
        Err(Error::MemoryError)
    ));
    let s = lua.create_string(vec![b'x'; 1000]).expect("small string");
    assert_eq!(s.len().expect("len"), 1000);
}

#[test]
fn the_limit_can_be_set_at_creation_and_lifted() {
    let lua = Lua::new_with(
        &[lua_core::api::Library::Base],
        LuaOptions::new().memory_limit(4 * MB),
    )
    .expect("state");
    let r = lua
        .load("local t = {} for i = 1, 1e9 do t[i] = {} end")
        .exec();
    assert!(matches!(r, Err(Error::MemoryError)));
    assert_eq!(lua.set_memory_limit(None).expect("lift"), Some(4 * MB));
    let n: i64 = lua
        .load("local t = {} for i = 1, 500000 do t[i] = i end return #t")
        .eval()
        .expect("eval");
    assert_eq!(n, 500000);
}

/// Memory held by values only Rust refers to is returned once the handles go.
#[test]
fn used_memory_follows_what_is_reachable() {
    let lua = Lua::new();
    lua.gc_collect().expect("collect");
    let base = lua.used_memory();
    let t: Table = lua
        .load("local t = {} for i = 1, 100000 do t[i] = i end return t")
        .eval()
        .expect("table");
    lua.gc_collect().expect("collect");
    let with_table = lua.used_memory();
    assert!(with_table > base + 100000 * 8, "{base} -> {with_table}");
    assert_eq!(t.len().expect("len"), 100000);
    drop(t);
    lua.gc_collect().expect("collect");
    assert!(
        lua.used_memory() < base + 4096,
        "{base} -> {}",
        lua.used_memory()
    );
}

/// Growing one table by assignment alone (no other allocation in the loop) must hit the limit
/// too; Lua 5.1 fails at the allocation that passes it.
#[test]
fn growing_a_table_by_assignment_hits_the_limit() {
    let lua = limited(2 * MB);
    let r: (bool, String) = lua
        .load("return pcall(function() local t = {} for i = 1, 1e9 do t[i] = i end end)")
        .eval()
        .expect("eval");
    assert_eq!(r, (false, "not enough memory".to_string()));
}

/// A host that only allocates from Rust (tables and strings made through the API, never
/// running Lua code that allocates) still has its garbage collected: the API collects when a
/// collection is due, as each `lua_new*` of Lua 5.1 does.
#[test]
fn garbage_made_only_through_the_api_is_collected() {
    let lua = Lua::new();
    let baseline = lua.used_memory();
    for i in 0..200_000 {
        let made = lua.enter(|ctx| {
            let t = ctx.new_table(2, 0)?;
            ctx.push_bytes(format!("key:{i}"))?;
            ctx.raw_set_index(t, 1)?;
            Ok(())
        });
        assert!(made.is_ok());
        let table = lua.create_table().expect("table");
        drop(table);
    }
    // 200,000 iterations made about 40 MB of tables and strings; what is left is bounded by
    // the collector's pause, not by the number of iterations.
    let used = lua.used_memory();
    assert!(
        used < baseline + 4 * 1024 * 1024,
        "heap grew from {baseline} to {used} bytes"
    );
}

/// `Ctx::push_sequence` makes `{items...}` as strings, in order, with the right length.
#[test]
fn push_sequence_makes_a_sequence_of_strings() {
    let lua = Lua::new();
    let made = lua.enter(|ctx| {
        ctx.push_sequence(&[&b"a"[..], b"", b"\x00z", b"12"])?;
        ctx.set_global("seq")?;
        ctx.push_sequence::<&[u8]>(&[])?;
        ctx.set_global("empty")
    });
    assert!(made.is_ok());
    let described: String = lua
        .load("local parts = {} for i, v in ipairs(seq) do parts[i] = type(v) .. ':' .. #v end return #seq .. ' ' .. table.concat(parts, ',') .. ' ' .. seq[4] + 1 .. ' ' .. #empty")
        .eval()
        .expect("eval");
    assert_eq!(described, "4 string:1,string:0,string:2,string:2 13 0");
}

/// `Ctx::set_sequence_field` stores `{items...}` under a key of a table the host made
/// read-only to scripts, which stays read-only to them; the stack is left as it was.
#[test]
fn set_sequence_field_writes_through_read_only_for_the_host() {
    let lua = Lua::new();
    let made = lua.enter(|ctx| {
        let t = ctx.new_table(0, 0)?;
        ctx.push_copy(t)?;
        ctx.set_global("t")?;
        ctx.set_readonly(t, true)?;
        let key = ctx.push_bytes("list")?;
        let depth = ctx.stack_len();
        ctx.set_sequence_field(t, key, &[&b"x"[..], b"yy"])?;
        assert_eq!(ctx.stack_len(), depth);
        ctx.set_sequence_field(t, key, &[&b"z"[..]])?;
        let empty = ctx.push_bytes("empty")?;
        ctx.set_sequence_field::<&[u8]>(t, empty, &[])
    });
    assert!(made.is_ok(), "{made:?}");
    let described: String = lua
        .load("local ok, e = pcall(function() t.other = 1 end) return #t.list .. t.list[1] .. ' ' .. #t.empty .. ' ' .. tostring(ok) .. ' ' .. e:gsub('^.*: ', '')")
        .eval()
        .expect("eval");
    assert_eq!(described, "1z 0 false Attempt to modify a readonly table");
}

/// `Ctx::refill_sequence_field` refills the table already under the key when it is a bare
/// array of the same length (the same table then, holding the new items); any other shape
/// gets a new table, as `set_sequence_field` would make.
#[test]
fn refill_sequence_field_reuses_only_a_bare_array_of_the_same_length() {
    let lua = Lua::new();
    let refill = |items: &[&[u8]]| {
        let made = lua.enter(|ctx| {
            let t = ctx.push_global("t");
            let key = ctx.push_bytes("list")?;
            let r = ctx.refill_sequence_field(t, key, items);
            ctx.pop(2);
            r
        });
        assert!(made.is_ok(), "{made:?}");
    };
    let run = |code: &str| -> String { lua.load(code).eval().expect("eval") };
    lua.load("t = {}").exec().expect("setup");
    lua.enter(|ctx| {
        let t = ctx.push_global("t");
        ctx.set_readonly(t, true)
    })
    .expect("read-only");
    refill(&[b"x", b"yy"]);
    run("saved = t.list t.list[1] = {} return ''");
    refill(&[b"a", b"b"]);
    assert_eq!(
        run("return tostring(saved == t.list) .. ' ' .. t.list[1] .. t.list[2] .. #t.list"),
        "true ab2"
    );
    // Another length, a metatable, a key outside the array, a nil hole: each made anew,
    // or refilled as a new table would be filled.
    refill(&[b"c"]);
    assert_eq!(run("local same = saved == t.list saved = t.list return tostring(same) .. ' ' .. t.list[1] .. #t.list"), "false c1");
    run("setmetatable(t.list, {__index = function() return 'meta' end}) return ''");
    refill(&[b"d"]);
    assert_eq!(run("return tostring(saved == t.list) .. ' ' .. tostring(t.list[2]) .. ' ' .. tostring(getmetatable(t.list))"), "false nil nil");
    run("saved = t.list t.list.extra = 1 return ''");
    refill(&[b"e"]);
    assert_eq!(
        run("return tostring(saved == t.list) .. ' ' .. tostring(t.list.extra)"),
        "false nil"
    );
    run("saved = t.list t.list[1] = nil return ''");
    refill(&[b"f"]);
    assert_eq!(
        run("return tostring(saved == t.list) .. ' ' .. t.list[1] .. #t.list"),
        "true f1"
    );
}

/// So does `Ctx::set_sequence_field` past the limit, leaving the field as it was.
#[test]
fn set_sequence_field_past_the_limit_fails_cleanly() {
    let lua = limited(MB);
    let items: Vec<Vec<u8>> = (0..8u8).map(|i| vec![b'a' + i; 300 * 1024]).collect();
    let made = lua.enter(|ctx| {
        let g = ctx.push_globals();
        let key = ctx.push_bytes("big")?;
        ctx.set_sequence_field(g, key, &items)
    });
    assert!(matches!(made, Err(Error::MemoryError)), "{made:?}");
    let big: bool = lua.load("return big == nil").eval().expect("still usable");
    assert!(big);
}

/// A sequence past the memory limit fails with the memory error and leaves the state usable.
#[test]
fn push_sequence_past_the_limit_fails_cleanly() {
    let lua = limited(MB);
    // Distinct strings (equal ones would be one interned string).
    let items: Vec<Vec<u8>> = (0..8u8).map(|i| vec![b'a' + i; 300 * 1024]).collect();
    let made = lua.enter(|ctx| ctx.push_sequence(&items).map(|_| ()));
    assert!(matches!(made, Err(Error::MemoryError)), "{made:?}");
    let sum: i64 = lua.load("return 1 + 1").eval().expect("still usable");
    assert_eq!(sum, 2);
}

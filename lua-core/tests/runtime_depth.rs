//! Depth limits: every way a script can nest (Lua calls, Rust-level calls through metamethods,
//! protected calls and library callbacks, coroutines, `__index` chains, source nesting) ends in
//! Lua 5.1's error, never in a Rust stack overflow. Everything runs on a thread with a 2 MB
//! stack, the default for spawned threads, to show the limits do not rely on a large stack.
//!
//! Expected outputs were recorded from Lua 5.1.5 embedded in a C host that runs each script as
//! chunk `=t` with `lua_pcall` and `debug.traceback` as message handler, the way `Lua::load`
//! runs a chunk.

mod common;
use common::Output;

use lua_core::api::{Error, Library, Lua, LuaOptions};

const SMALL_STACK: usize = 2 * 1024 * 1024;

/// Run `source` as chunk `=t` with every library, on a 2 MB stack; what it printed, then how
/// it failed, in the reference host's format.
fn run(source: String) -> String {
    let worker = std::thread::Builder::new()
        .stack_size(SMALL_STACK)
        .spawn(move || {
            let lua = Lua::new_with(Library::ALL, LuaOptions::new()).expect("state");
            let out = Output::default();
            lua.set_stdout(Box::new(out.clone())).expect("stdout");
            let report = match lua.load(source).set_name("=t").exec() {
                Ok(()) => String::new(),
                Err(Error::RuntimeError { message, traceback }) => {
                    format!("ERROR 2: {message}\n{traceback}\n")
                }
                Err(Error::SyntaxError { message, .. }) => format!("LOAD ERROR: {message}\n"),
                Err(other) => format!("ERROR: {other:?}\n"),
            };
            let printed = String::from_utf8_lossy(&out.0.borrow()).into_owned();
            printed + &report
        });
    worker
        .expect("spawn")
        .join()
        .expect("the interpreter overflowed the thread's stack")
}

fn expect(source: &str, expected: &str) {
    assert_eq!(run(source.to_string()), expected);
}

const MILLION: usize = 1_000_000;

/// Source nested a million levels deep in every construct that nests: refused by the parser
/// after 200 levels.
#[test]
fn million_deep_nesting_in_source_is_refused() {
    let n = MILLION;
    let sources = [
        format!("return {}1{}", "(".repeat(n), ")".repeat(n)),
        format!("return {}{}", "{".repeat(n), "}".repeat(n)),
        format!("return {}1{}", "{a=".repeat(n), "}".repeat(n)),
        format!(
            "return {}1{}",
            "function() return ".repeat(n),
            " end".repeat(n)
        ),
        format!("return {}1", "not ".repeat(n)),
        format!("return {}1", "- ".repeat(n)),
        format!("return 'a'{}", " .. 'a'".repeat(n)),
        format!("return 2{}", "^2".repeat(n)),
        format!("return {}{}", "f(".repeat(n), ")".repeat(n)),
        format!("{}{}", "if true then ".repeat(n), "end".repeat(n)),
        format!("{}{}", "do ".repeat(n), "end".repeat(n)),
        format!("{}{}", "while true do ".repeat(n), "end".repeat(n)),
        format!("{}{}", "repeat ".repeat(n), "until true ".repeat(n)),
    ];
    for source in sources {
        let start: String = source.chars().take(24).collect();
        assert_eq!(
            run(source),
            "LOAD ERROR: t:1: chunk has too many syntax levels\n",
            "source {start}..."
        );
    }
}

/// Long chains that do not nest in the grammar compile, and fail only when run.
#[test]
fn million_long_flat_chains_compile() {
    let n = MILLION;
    let index_error = "ERROR 2: t:1: attempt to index global 'a' (a nil value)\nstack traceback:\n\tt:1: in main chunk\n";
    assert_eq!(run(format!("return a{}", ".b".repeat(n))), index_error);
    assert_eq!(run(format!("return a{}", "[1]".repeat(n))), index_error);
    assert_eq!(run(format!("return a{}", ":b()".repeat(n))), index_error);
    assert_eq!(
        run(format!("return f{}", "()".repeat(n))),
        "ERROR 2: t:1: attempt to call global 'f' (a nil value)\nstack traceback:\n\tt:1: in main chunk\n"
    );
    assert_eq!(run(format!("print(1{})", " + 1".repeat(n))), "1000001\n");
    assert_eq!(
        run(format!("local t = {{{}}} print(#t)", "1,".repeat(n))),
        "1000000\n"
    );
}

/// Lists in assignments and local declarations have their own limits.
#[test]
fn long_variable_lists_are_refused() {
    let n = MILLION;
    assert_eq!(
        run(format!("local a{}=1", ",a".repeat(n))),
        "LOAD ERROR: t:1: main function has more than 200 local variables\n"
    );
}

/// Lua 5.1 charges parser nesting against the C-call depth at which the chunk is loaded: loaded
/// by a host at depth 0 (as `Lua::load` does), 198 nested parentheses compile (one more than
/// in the standalone interpreter), and an assignment may list 199 variables.
#[test]
fn parser_limits_depend_on_the_loading_depth() {
    assert_eq!(
        run(format!("return {}1{}", "(".repeat(198), ")".repeat(198))),
        ""
    );
    assert_eq!(
        run(format!("return {}1{}", "(".repeat(199), ")".repeat(199))),
        "LOAD ERROR: t:1: chunk has too many syntax levels\n"
    );
    assert_eq!(
        run(format!("a{}=1", ",a".repeat(300))),
        "LOAD ERROR: t:1: main function has more than 199 variables in assignment\n"
    );
}

/// Unbounded Lua recursion stops at Lua 5.1's frame limit with `stack overflow`.
#[test]
fn lua_recursion_overflows_the_lua_stack() {
    expect(
        r#"local function rec(n) return 1 + rec(n + 1) end
print(pcall(rec, 1))
local depth = 0
local function count() depth = depth + 1; count() end
print(pcall(count))
print(depth)
"#,
        "false\tt:1: stack overflow\nfalse\tt:4: stack overflow\n19997\n",
    );
}

/// Uncaught, the error reaches Rust with a traceback elided in the middle.
#[test]
fn uncaught_stack_overflow_reports_an_elided_traceback() {
    expect(
        r#"local function rec(n) return 1 + rec(n + 1) end
rec(1)
"#,
        "ERROR 2: t:1: stack overflow\nstack traceback:\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\t...\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:1: in function 'rec'\n\tt:2: in main chunk\n",
    );
}

/// Two `__index` functions calling each other nest Rust calls until `C stack overflow`.
#[test]
fn index_functions_calling_each_other_hit_the_c_stack_limit() {
    expect(
        r#"local a, b = {}, {}
setmetatable(a, {__index = function(t, k) return b[k] end})
setmetatable(b, {__index = function(t, k) return a[k] end})
print(pcall(function() return a.x end))
"#,
        "false\tt:2: C stack overflow\n",
    );
}

/// `__tostring` calling `tostring` on itself.
#[test]
fn tostring_recursion_hits_the_c_stack_limit() {
    expect(
        r#"local t = setmetatable({}, {__tostring = function(self) return tostring(self) end})
print(pcall(tostring, t))
local p = setmetatable({}, {__tostring = function(s) print(s) return "" end})
print(pcall(print, p))
"#,
        "false\tC stack overflow\nfalse\tC stack overflow\n",
    );
}

/// `__concat` concatenating its own operand.
#[test]
fn concat_recursion_hits_the_c_stack_limit() {
    expect(
        r#"local c = setmetatable({}, {__concat = function(x, y) return x .. y end})
print(pcall(function() return c .. "x" end))
"#,
        "false\tt:1: C stack overflow\n",
    );
}

/// Arithmetic, comparison, length, index and newindex metamethods that re-trigger themselves.
#[test]
fn metamethod_chains_hit_the_c_stack_limit() {
    expect(
        r#"local mt = {}
mt.__add = function(a, b) return a + b end
print(pcall(function() return setmetatable({}, mt) + 1 end))
mt.__lt = function(a, b) return a < b end
print(pcall(function() return setmetatable({}, mt) < setmetatable({}, mt) end))
mt.__le = function(a, b) return a <= b end
print(pcall(function() return setmetatable({}, mt) <= setmetatable({}, mt) end))
mt.__eq = function(a, b) return a == b end
print(pcall(function() return setmetatable({}, mt) == setmetatable({}, mt) end))
mt.__unm = function(a) return -a end
print(pcall(function() return -setmetatable({}, mt) end))
local ud = newproxy(true)
getmetatable(ud).__len = function(a) return #a end
print(pcall(function() return #ud end))
mt.__index = function(t, k) return t[k] end
print(pcall(function() return setmetatable({}, mt).x end))
mt.__newindex = function(t, k, v) t[k] = v end
print(pcall(function() setmetatable({}, mt).x = 1 end))
"#,
        "false\tt:2: C stack overflow\nfalse\tt:4: C stack overflow\nfalse\tt:6: C stack overflow\nfalse\tt:8: C stack overflow\nfalse\tt:10: C stack overflow\nfalse\tt:13: C stack overflow\nfalse\tt:15: C stack overflow\nfalse\tt:17: C stack overflow\n",
    );
}

/// `__call` is dispatched without a Rust call, so it recurses like Lua code.
#[test]
fn call_metamethod_recursion_is_lua_recursion() {
    expect(
        r#"local mt = {}
mt.__call = function(self, ...) return (self(...)) end
print(pcall(function() return setmetatable({}, mt)() end))
"#,
        "false\tt:2: stack overflow\n",
    );
}

/// `table.sort` comparators and `string.gsub` callbacks that recurse into themselves.
#[test]
fn library_callbacks_recursing_hit_the_c_stack_limit() {
    expect(
        r#"local function cmp(a, b) table.sort({3, 2, 1}, cmp) return a < b end
print(pcall(table.sort, {3, 2, 1}, cmp))
local function rep(s) return (string.gsub("x", "x", rep)) end
print(pcall(rep, "x"))
"#,
        "false\tC stack overflow\nfalse\tC stack overflow\n",
    );
}

/// `pcall(pcall, pcall, ..., error, 'x')` 300 deep: the innermost levels fail with `C stack overflow`.
#[test]
fn nested_pcalls_hit_the_c_stack_limit() {
    expect(
        r#"local list = {}
for i = 1, 300 do list[i] = pcall end
list[301] = error
list[302] = "x"
local results = {pcall(unpack(list))}
print(#results, results[#results - 2], results[#results - 1], results[#results])
print(pcall(pcall, pcall, pcall, error, "x"))
"#,
        "200\ttrue\tfalse\tC stack overflow\ntrue\ttrue\ttrue\tfalse\tx\n",
    );
}

/// A message handler that fails, or recurses, ends in `error in error handling`.
#[test]
fn error_handler_failures_are_error_in_error_handling() {
    expect(
        r#"print(xpcall(error, function(m) error("again") end))
local function handler(m) return handler(m) .. "!" end
print(xpcall(function() error("e") end, handler))
print(xpcall(function() local x = nil + 1 end, function(m) return m:upper() end))
"#,
        "false\terror in error handling\nfalse\terror in error handling\nfalse\tT:4: ATTEMPT TO PERFORM ARITHMETIC ON A NIL VALUE\n",
    );
}

/// `__index`/`__newindex` chains of tables stop after 100 steps, however long the chain.
#[test]
fn loops_in_index_chains_of_tables() {
    expect(
        r#"local l1, l2 = {}, {}
setmetatable(l1, {__index = l2})
setmetatable(l2, {__index = l1})
print(pcall(function() return l1.x end))
local n1, n2 = {}, {}
setmetatable(n1, {__newindex = n2})
setmetatable(n2, {__newindex = n1})
print(pcall(function() n1.x = 1 end))
local top = {}
for i = 1, 1000000 do top = setmetatable({}, {__index = top}) end
print(pcall(function() return top.x end))
local short = {y = "found"}
for i = 1, 99 do short = setmetatable({}, {__index = short}) end
print(short.y)
"#,
        "false\tt:4: loop in gettable\nfalse\tt:8: loop in settable\nfalse\tt:11: loop in gettable\nfound\n",
    );
}

/// A million-deep recursion or chain of closures is refused with `stack overflow`.
#[test]
fn million_deep_recursion_and_closures() {
    expect(
        r#"local function down(n) if n == 0 then return 0 end return 1 + down(n - 1) end
print(pcall(down, 1000000))
local f = function() return 1 end
for i = 1, 1000000 do local g = f; f = function() return (g()) end end
print(pcall(f))
"#,
        "false\tt:1: stack overflow\nfalse\tt:4: stack overflow\n",
    );
}

/// Marking and freeing a million nested tables, and a million-long linked list.
#[test]
fn million_deep_data_is_collected_without_recursion() {
    expect(
        r#"local t = {}
for i = 1, 1000000 do t = {t} end
collectgarbage()
local n = 0
while t[1] do t = t[1]; n = n + 1 end
print(n)
local list = nil
for i = 1, 1000000 do list = {next = list, i} end
collectgarbage()
list = nil
collectgarbage()
print("collected")
"#,
        "1000000\ncollected\n",
    );
}

/// Each resume is a Rust-level call: nesting them ends in `C stack overflow`.
#[test]
fn coroutines_resuming_coroutines_hit_the_c_stack_limit() {
    expect(
        r#"local function nest()
  local co = coroutine.create(nest)
  local ok, err = coroutine.resume(co)
  if not ok then return err end
  return err
end
print(nest())
local depth = 0
local function chain(n)
  depth = depth + 1
  if n == 0 then return "bottom" end
  local ok, v = coroutine.resume(coroutine.create(chain), n - 1)
  return v
end
print(chain(150), depth)
local function nestw() return (coroutine.wrap(nestw)()) end
local ok, msg = pcall(nestw)
print(ok, #msg, msg:sub(-40))
"#,
        "C stack overflow\nbottom\t151\nfalse\t1210\tt:16: t:16: t:16: t:16: C stack overflow\n",
    );
}

/// `loadstring` of million-deep source from inside a script.
#[test]
fn deep_sources_loaded_from_lua() {
    expect(
        r#"print(loadstring("return " .. string.rep("(", 1000000) .. "1" .. string.rep(")", 1000000)))
print(loadstring(string.rep("do ", 1000000) .. string.rep("end ", 1000000)))
print(loadstring("x = " .. string.rep("{", 1000000) .. string.rep("}", 1000000)))
print(type(loadstring("return a" .. string.rep(".b", 1000000))))
print(loadstring("return " .. string.rep("function() return ", 1000000) .. "1" .. string.rep(" end", 1000000)))
local src = "return (loadstring(s)())"
s = src
print(pcall(loadstring(src)))
"#,
        "nil\t[string \"return ((((((((((((((((((((((((((((((((((((((((((((((((((((((((...\"]:1: chunk has too many syntax levels\nnil\t[string \"do do do do do do do do do do do do do do do do do do do do do ...\"]:1: chunk has too many syntax levels\nnil\t[string \"x = {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{...\"]:1: chunk has too many syntax levels\nfunction\nnil\t[string \"return function() return function() return function() return fu...\"]:1: chunk has too many syntax levels\nfalse\t[string \"return (loadstring(s)())\"]:1: stack overflow\n",
    );
}

/// `loadstring` called from a script loads one level deeper, and through `pcall` two.
#[test]
fn parser_limits_inside_scripts() {
    expect(
        r#"local src = "a" .. string.rep(",a", 300) .. "=1"
print(select(2, loadstring(src)))
print(select(3, pcall(loadstring, src)))
print(select(2, loadstring("return " .. string.rep("(", 197) .. "1" .. string.rep(")", 197))))
print(select(2, loadstring("return " .. string.rep("(", 196) .. "1" .. string.rep(")", 196))))
"#,
        "[string \"a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a...\"]:1: main function has more than 198 variables in assignment\n[string \"a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a,a...\"]:1: main function has more than 197 variables in assignment\n\n\n",
    );
}

//! The package library: `require`, `module` and the `package` table, as in Lua 5.1.
//!
//! Modules are found by the loaders in `package.loaders`: `package.preload`, then Lua files
//! along `package.path`. Native modules cannot be loaded: the two C loaders search
//! `package.cpath` as Lua 5.1 does (so "not found" messages list the same files), and a file
//! they do find fails to load as in a Lua 5.1 built without dynamic library support.
//!
//! `require`, `module` and the loaders have the `package` table as their environment and read
//! `path`, `loaders`, ... from it, so they keep working when the global `package` is replaced.

use crate::gc::Gc;
use crate::value::{Table, UserData, Value};
use crate::vm::{ErrorKind, Level, LuaResult, State};

/// Debian's default search paths for Lua 5.1 (used when `LUA_PATH`/`LUA_CPATH` are unset).
const DEFAULT_PATH: &str =
    "./?.lua;/usr/local/share/lua/5.1/?.lua;/usr/local/share/lua/5.1/?/init.lua;\
/usr/local/lib/lua/5.1/?.lua;/usr/local/lib/lua/5.1/?/init.lua;/usr/share/lua/5.1/?.lua;\
/usr/share/lua/5.1/?/init.lua";
const DEFAULT_CPATH: &str =
    "./?.so;/usr/local/lib/lua/5.1/?.so;/usr/lib/x86_64-linux-gnu/lua/5.1/?.so;\
/usr/lib/lua/5.1/?.so;/usr/local/lib/lua/5.1/loadall.so";

/// Directory separator, path separator, substitution mark, executable-directory mark, and
/// ignore mark (`package.config`).
const CONFIG: &str = "/\n;\n?\n!\n-";

/// Why a found native library cannot be loaded.
const NO_NATIVE_LIBS: &str = "dynamic libraries not enabled; check your Lua installation";

/// Registry key of the table of loaded modules (`package.loaded`).
const LOADED_KEY: &str = "_LOADED";

/// In Lua 5.1's registration order.
const PACKAGE_FUNCTIONS: &[(&str, crate::value::NativeFn)] =
    &[("loadlib", loadlib), ("seeall", seeall)];

/// `package.loaders`, in search order.
const LOADERS: &[(&str, crate::value::NativeFn)] = &[
    ("loader_preload", loader_preload),
    ("loader_Lua", loader_lua),
    ("loader_C", loader_c),
    ("loader_Croot", loader_croot),
];

pub fn open(state: &mut State, allowed: Option<&[&str]>) -> LuaResult<()> {
    let permitted = |name: &str| allowed.is_none_or(|list| list.contains(&name));
    // The metatable Lua 5.1 gives its library handles; kept for an identical registry.
    let lib_meta = state.new_table_with(0, 1);
    let registry = state.registry();
    state.set_field(registry, "_LOADLIB", Value::Table(lib_meta))?;
    let gc = state.new_native("gctm", no_op);
    state.set_field(lib_meta, "__gc", gc)?;

    let package = super::register_library(state, "package", PACKAGE_FUNCTIONS, allowed)?;
    let loaders = state.new_table_with(LOADERS.len(), 0);
    for (i, &(name, f)) in LOADERS.iter().enumerate() {
        let v = package_function(state, package, name, f, Vec::new());
        state.raw_set_int(loaders, i as i64 + 1, v)?;
    }
    state.set_field(package, "loaders", Value::Table(loaders))?;
    let path = search_path("LUA_PATH", DEFAULT_PATH);
    let path = state.new_string(&path);
    state.set_field(package, "path", path)?;
    let cpath = search_path("LUA_CPATH", DEFAULT_CPATH);
    let cpath = state.new_string(&cpath);
    state.set_field(package, "cpath", cpath)?;
    let config = state.new_string(CONFIG.as_bytes());
    state.set_field(package, "config", config)?;
    let loaded = loaded_table(state)?;
    state.set_field(package, "loaded", Value::Table(loaded))?;
    let preload = state.new_table();
    state.set_field(package, "preload", Value::Table(preload))?;

    if permitted("module") {
        let v = package_function(state, package, "module", module, Vec::new());
        state.set_global("module", v)?;
    }
    if permitted("require") {
        // A unique value marks a module being loaded, to detect loops.
        let sentinel = state.heap_mut().alloc_userdata(UserData::new(Box::new(())));
        let v = package_function(
            state,
            package,
            "require",
            require,
            vec![Value::UserData(sentinel)],
        );
        state.set_global("require", v)?;
    }
    Ok(())
}

/// A native function whose environment is the package table.
fn package_function(
    state: &mut State,
    package: Gc<Table>,
    name: &'static str,
    f: crate::value::NativeFn,
    upvalues: Vec<Value>,
) -> Value {
    let v = state.new_native_with_upvalues(name, f, upvalues);
    if let Value::NativeFunction(nf) = v {
        nf.set_env(package);
    }
    v
}

fn no_op(_: &mut State) -> LuaResult<usize> {
    Ok(0)
}

/// The registry's table of loaded modules, created on first use.
pub(crate) fn loaded_table(state: &mut State) -> LuaResult<Gc<Table>> {
    let registry = state.registry();
    if let Value::Table(t) = state.get_field(registry, LOADED_KEY) {
        return Ok(t);
    }
    let t = state.new_table_with(0, 1);
    state.set_field(registry, LOADED_KEY, Value::Table(t))?;
    Ok(t)
}

/// Record an opened library as loaded (`package.loaded[name] = table`), as Lua 5.1 does for
/// each library it registers.
pub(crate) fn record_loaded(state: &mut State, name: &str, lib: Gc<Table>) -> LuaResult<()> {
    let loaded = loaded_table(state)?;
    state.set_field(loaded, name, Value::Table(lib))
}

/// A search path from the environment variable `var`, with `;;` standing for the default,
/// or the default itself.
fn search_path(var: &str, default: &str) -> Vec<u8> {
    let Some(value) = std::env::var_os(var) else {
        return default.as_bytes().to_vec();
    };
    let value = os_bytes(value);
    // Lua 5.1 turns each ";;" into ";\1;" and then each "\1" into the default path.
    let marked = replace_all(&value, b";;", b";\x01;");
    replace_all(&marked, b"\x01", default.as_bytes())
}

#[cfg(unix)]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    s.into_encoded_bytes()
}

#[cfg(not(unix))]
fn os_bytes(s: std::ffi::OsString) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

/// `s` with every occurrence of `pat` (scanning left to right) replaced by `rep` (`luaL_gsub`).
fn replace_all(s: &[u8], pat: &[u8], rep: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if !pat.is_empty() && s[i..].starts_with(pat) {
            out.extend_from_slice(rep);
            i += pat.len();
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    out
}

/// The environment of the running native function: the package table.
fn package_env(state: &State) -> Gc<Table> {
    let running = state.frames.last().and_then(|f| state.stack.get(f.func));
    match running {
        Some(Value::NativeFunction(nf)) => nf.env(),
        _ => state.globals(),
    }
}

/// `env.<field>`, honouring metamethods.
fn env_field(state: &mut State, field: &str) -> LuaResult<Value> {
    let env = package_env(state);
    let key = state.new_string(field.as_bytes());
    state.get_index(Value::Table(env), key, None)
}

// ---- require -------------------------------------------------------------------------------

/// `require(name)`: the value of the module, loading it on first use.
fn require(state: &mut State) -> LuaResult<usize> {
    let name = state.check_string(1)?;
    let name = crate::cstr::c_str(name.as_bytes()).to_vec();
    state.set_top(1);
    let key = state.new_string(&name);
    let sentinel = state.native_upvalue(0);
    let loaded = loaded_table(state)?;
    state.push(Value::Table(loaded));
    state.push(key);
    let loaded_v = Value::Table(loaded);
    let current = state.get_index(loaded_v, key, None)?;
    if !current.is_falsy() {
        if current.raw_equal(&sentinel) {
            let msg = quoted("loop or previous error loading module ", &name, "");
            return Err(state.native_error_bytes(&msg));
        }
        state.push(current);
        return Ok(1);
    }
    let loaders = match env_field(state, "loaders")? {
        Value::Table(t) => t,
        _ => return Err(state.native_error("'package.loaders' must be a table")),
    };
    state.push(Value::Table(loaders));
    let mut not_found = Vec::new();
    let mut i = 1;
    let init = loop {
        let loader = loaders.get_int(i);
        if loader.is_nil() {
            let mut msg = quoted("module ", &name, " not found:");
            msg.extend_from_slice(&not_found);
            return Err(state.native_error_bytes(&msg));
        }
        match state.call1(loader, &[key])? {
            f if f.is_function() => break f,
            Value::String(s) => not_found.extend_from_slice(s.as_bytes()),
            Value::Number(n) => crate::number::format_number(n, &mut not_found),
            _ => {}
        }
        i += 1;
    };
    state.push(init);
    state.set_index(loaded_v, key, sentinel, None)?;
    let result = state.call1(init, &[key])?;
    if !result.is_nil() {
        state.set_index(loaded_v, key, result, None)?;
    }
    let mut value = state.get_index(loaded_v, key, None)?;
    if value.raw_equal(&sentinel) {
        value = Value::Boolean(true);
        state.set_index(loaded_v, key, value, None)?;
    }
    state.push(value);
    Ok(1)
}

/// `prefix'name'suffix`.
fn quoted(prefix: &str, name: &[u8], suffix: &str) -> Vec<u8> {
    let mut m = prefix.as_bytes().to_vec();
    m.push(b'\'');
    m.extend_from_slice(name);
    m.push(b'\'');
    m.extend_from_slice(suffix.as_bytes());
    m
}

/// `package.preload[name]`, or why it is not there.
fn loader_preload(state: &mut State) -> LuaResult<usize> {
    let name = state.check_string(1)?;
    let preload = match env_field(state, "preload")? {
        Value::Table(t) => t,
        _ => return Err(state.native_error("'package.preload' must be a table")),
    };
    let key = state.new_string(crate::cstr::c_str(name.as_bytes()));
    let v = state.get_index(Value::Table(preload), key, None)?;
    if v.is_nil() {
        let mut msg = b"\n\tno field package.preload['".to_vec();
        msg.extend_from_slice(crate::cstr::c_str(name.as_bytes()));
        msg.extend_from_slice(b"']");
        let msg = state.new_string(&msg);
        state.push(msg);
    } else {
        state.push(v);
    }
    Ok(1)
}

/// The first file along `package.<field>` that exists for module `name` (dots become
/// directory separators), or the list of files tried, one `\n\tno file '...'` each.
fn find_file(state: &mut State, name: &[u8], field: &str) -> LuaResult<Result<Vec<u8>, Vec<u8>>> {
    let name = replace_all(name, b".", b"/");
    let path = match env_field(state, field)? {
        Value::String(s) => crate::cstr::c_str(s.as_bytes()).to_vec(),
        Value::Number(n) => {
            let mut out = Vec::new();
            crate::number::format_number(n, &mut out);
            out
        }
        _ => return Err(state.native_error(&format!("'package.{}' must be a string", field))),
    };
    let mut tried = Vec::new();
    for template in path.split(|&c| c == b';').filter(|t| !t.is_empty()) {
        let filename = replace_all(template, b"?", &name);
        if readable(&filename) {
            return Ok(Ok(filename));
        }
        tried.extend_from_slice(b"\n\tno file '");
        tried.extend_from_slice(&filename);
        tried.push(b'\'');
    }
    Ok(Err(tried))
}

/// Whether the file can be opened for reading (as `fopen(name, "r")` would).
fn readable(filename: &[u8]) -> bool {
    std::fs::File::open(crate::sys::bytes_to_path(filename)).is_ok()
}

/// `error loading module 'name' from file 'file':\n\t<reason>` (`loaderror`).
fn load_error(
    state: &mut State,
    name: &[u8],
    filename: &[u8],
    reason: &[u8],
) -> crate::vm::LuaError {
    let mut msg = quoted("error loading module ", name, " from file ");
    msg.extend_from_slice(&quoted("", filename, ":\n\t"));
    msg.extend_from_slice(reason);
    state.native_error_bytes(&msg)
}

/// Push the "not found" text, or raise the error for a found native library.
fn native_library_result(
    state: &mut State,
    name: &[u8],
    found: Result<Vec<u8>, Vec<u8>>,
) -> LuaResult<usize> {
    match found {
        Ok(filename) => Err(load_error(
            state,
            name,
            &filename,
            NO_NATIVE_LIBS.as_bytes(),
        )),
        Err(tried) => {
            let msg = state.new_string(&tried);
            state.push(msg);
            Ok(1)
        }
    }
}

/// A Lua file along `package.path`, compiled.
fn loader_lua(state: &mut State) -> LuaResult<usize> {
    let name = state.check_string(1)?;
    let name = crate::cstr::c_str(name.as_bytes()).to_vec();
    let filename = match find_file(state, &name, "path")? {
        Ok(f) => f,
        Err(tried) => {
            let msg = state.new_string(&tried);
            state.push(msg);
            return Ok(1);
        }
    };
    match state.load_file(Some(&filename)) {
        Ok(f) => {
            state.push(f);
            Ok(1)
        }
        Err(e) if e.kind == ErrorKind::Memory => Err(e),
        Err(e) => {
            let reason = state.error_text(&e);
            Err(load_error(state, &name, &filename, &reason))
        }
    }
}

/// A native library along `package.cpath`.
fn loader_c(state: &mut State) -> LuaResult<usize> {
    let name = state.check_string(1)?;
    let name = crate::cstr::c_str(name.as_bytes()).to_vec();
    let found = find_file(state, &name, "cpath")?;
    native_library_result(state, &name, found)
}

/// A native library named by the first part of a dotted name (`a` for `a.b.c`).
fn loader_croot(state: &mut State) -> LuaResult<usize> {
    let name = state.check_string(1)?;
    let name = crate::cstr::c_str(name.as_bytes()).to_vec();
    let Some(dot) = name.iter().position(|&c| c == b'.') else {
        return Ok(0);
    };
    let found = find_file(state, &name[..dot], "cpath")?;
    native_library_result(state, &name, found)
}

/// `package.loadlib(path, funcname)`: always fails, as without dynamic library support.
fn loadlib(state: &mut State) -> LuaResult<usize> {
    state.check_string(1)?;
    state.check_string(2)?;
    state.push(Value::Nil);
    let msg = state.new_string(NO_NATIVE_LIBS.as_bytes());
    state.push(msg);
    let kind = state.new_string(b"absent");
    state.push(kind);
    Ok(3)
}

// ---- module --------------------------------------------------------------------------------

/// `package.seeall(m)`: make the module see the global table through `__index`.
fn seeall(state: &mut State) -> LuaResult<usize> {
    let m = state.check_table(1)?;
    let mt = match m.metatable() {
        Some(mt) => mt,
        None => {
            if m.is_readonly() {
                return Err(state.rt_error("Attempt to modify a readonly table"));
            }
            let mt = state.new_table_with(0, 1);
            m.borrow_mut().set_metatable(Some(mt));
            mt
        }
    };
    let key = state.new_string(b"__index");
    let g = state.globals();
    state.set_index(Value::Table(mt), key, Value::Table(g), None)?;
    Ok(0)
}

/// `module(name, ...)`: find or create the module table, make it the environment of the
/// calling function, and apply each option function to it.
fn module(state: &mut State) -> LuaResult<usize> {
    let name = state.check_string(1)?;
    let name = crate::cstr::c_str(name.as_bytes()).to_vec();
    let nargs = state.arg_count();
    let key = state.new_string(&name);
    let loaded = loaded_table(state)?;
    state.push(Value::Table(loaded));
    state.push(key);
    let module = match state.get_index(Value::Table(loaded), key, None)? {
        Value::Table(t) => t,
        _ => {
            let g = state.globals();
            let Some(t) = find_table(state, g, &name, 1)? else {
                let msg = quoted("name conflict for module ", &name, "");
                return Err(state.native_error_bytes(&msg));
            };
            state.push(Value::Table(t));
            state.set_index(Value::Table(loaded), key, Value::Table(t), None)?;
            t
        }
    };
    state.push(Value::Table(module));
    let m = Value::Table(module);
    let name_key = state.new_string(b"_NAME");
    if state.get_index(m, name_key, None)?.is_nil() {
        init_module(state, module, &name, key)?;
    }
    set_caller_env(state, module)?;
    for i in 2..=nargs {
        let option = state.arg(i);
        let base = state.top;
        state.push(option);
        state.push(m);
        state.call_at(base, 1, 0)?;
    }
    Ok(0)
}

/// `_M`, `_NAME` and `_PACKAGE` (the name up to and including its last dot) of a new module.
fn init_module(
    state: &mut State,
    module: Gc<Table>,
    name: &[u8],
    name_value: Value,
) -> LuaResult<()> {
    let m = Value::Table(module);
    let k = state.new_string(b"_M");
    state.set_index(m, k, m, None)?;
    let k = state.new_string(b"_NAME");
    state.set_index(m, k, name_value, None)?;
    let prefix_len = name.iter().rposition(|&c| c == b'.').map_or(0, |i| i + 1);
    let package = state.new_string(&name[..prefix_len]);
    let k = state.new_string(b"_PACKAGE");
    state.set_index(m, k, package, None)
}

/// Make `module` the environment of the Lua function that called `module`.
fn set_caller_env(state: &mut State, module: Gc<Table>) -> LuaResult<()> {
    match state.level(1) {
        Some(Level::Frame(idx)) => match state.frame_function(idx) {
            Value::LuaFunction(f) => {
                f.set_env(module);
                Ok(())
            }
            _ => Err(state.native_error("'module' not called from a Lua function")),
        },
        // A call lost to a tail call has no function whose environment could change.
        Some(Level::TailCall) => Ok(()),
        None => Err(state.native_error("'module' not called from a Lua function")),
    }
}

/// The table at the dotted path `name` under `root`, creating missing tables on the way
/// (`luaL_findtable`); `None` when a part of the path holds something else than a table.
fn find_table(
    state: &mut State,
    root: Gc<Table>,
    name: &[u8],
    size_hint: usize,
) -> LuaResult<Option<Gc<Table>>> {
    let mut t = root;
    let parts: Vec<&[u8]> = name.split(|&c| c == b'.').collect();
    let last = parts.len().saturating_sub(1);
    for (i, part) in parts.iter().enumerate() {
        let key = state.new_string(part);
        match t.get(&key) {
            Value::Nil => {
                let hint = if i < last { 1 } else { size_hint };
                let new = state.new_table_with(0, hint);
                // Keep the new table reachable while `__newindex` may run.
                state.push(Value::Table(new));
                state.set_index(Value::Table(t), key, Value::Table(new), None)?;
                t = new;
            }
            Value::Table(next) => t = next,
            _ => return Ok(None),
        }
    }
    Ok(Some(t))
}

#[cfg(test)]
mod tests {
    use super::replace_all;
    use crate::value::Value;
    use crate::vm::State;

    /// Run `src` and return its first result as text.
    fn run(src: &str) -> String {
        let mut state = State::new();
        crate::stdlib::open_all(&mut state).expect("libraries open");
        let f = state
            .load(src.as_bytes(), b"=test")
            .expect("chunk compiles");
        match state.call_function(f, &[]).expect("chunk runs").first() {
            Some(Value::String(s)) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
            other => format!("{:?}", other),
        }
    }

    /// Native libraries are never loaded: a module found along `cpath` fails as it does in a
    /// Lua 5.1 built without dynamic library support.
    #[test]
    fn native_modules_fail_to_load() {
        let dir = std::env::temp_dir().join(format!("lua-core-package-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("temporary directory");
        std::fs::write(dir.join("native.so"), b"").expect("fake library");
        let template = format!("{}/?.so", dir.display());
        let src = format!(
            "package.cpath = {:?}; local ok, e = pcall(require, 'native.sub'); return e",
            template
        );
        let msg = run(&src);
        let _ = std::fs::remove_dir_all(&dir);
        let expected = format!(
            "error loading module 'native.sub' from file '{}/native.so':\n\t\
             dynamic libraries not enabled; check your Lua installation",
            dir.display()
        );
        assert_eq!(msg, expected);
        let loadlib = "return table.concat({tostring(package.loadlib('a', 'b')), \
                       select(2, package.loadlib('a', 'b'))}, '|')";
        assert_eq!(
            run(loadlib),
            "nil|dynamic libraries not enabled; check your Lua installation|absent"
        );
    }

    #[test]
    fn replace_all_scans_left_to_right() {
        assert_eq!(replace_all(b"a;;;b", b";;", b";\x01;"), b"a;\x01;;b");
        assert_eq!(replace_all(b"a.b.c", b".", b"/"), b"a/b/c");
        assert_eq!(replace_all(b"??x", b"?", b"mod"), b"modmodx");
        assert_eq!(replace_all(b"", b"?", b"mod"), b"");
    }
}

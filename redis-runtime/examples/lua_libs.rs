//! A Lua interpreter with Redis's bundled libraries opened as globals beside Lua's own base,
//! coroutine, table, string and math: `lua_libs script.lua [args...]` (the arguments in `arg`).
//!
//! It shows that each library opens into any lua-core state with one call, outside Redis, and it
//! is the interpreter the library benchmarks (`benches/libs`) run as "ours":
//!
//! ```sh
//! cargo build --release -p redis-runtime --example lua_libs
//! cargo run --release -p benches --bin compare -- --scripts benches/libs \
//!     --lua target/release/examples/lua_libs
//! ```

use lua_core::api::Lua;
use redis_runtime::ExtraLibrary;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: lua_libs script.lua [args...]");
        return ExitCode::from(2);
    };
    match run(path, &args[1..]) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lua_libs: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &str, script_args: &[String]) -> Result<(), String> {
    let source = std::fs::read(path).map_err(|e| format!("cannot open {path}: {e}"))?;
    let lua = Lua::new();
    lua.enter(|ctx| {
        for library in ExtraLibrary::ALL {
            library.open(ctx)?;
        }
        Ok(())
    })
    .map_err(|e| e.to_string())?;
    let arg = lua.create_table().map_err(|e| e.to_string())?;
    for (i, a) in script_args.iter().enumerate() {
        arg.set(i as i64 + 1, a.as_str())
            .map_err(|e| e.to_string())?;
    }
    lua.globals().set("arg", arg).map_err(|e| e.to_string())?;
    lua.load(source)
        .set_name(format!("@{path}"))
        .exec()
        .map_err(|e| e.to_string())
}

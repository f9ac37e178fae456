//! Embedding the interpreter: register a Rust function, run a script, read its results, limit
//! its memory, and stop a runaway loop with a hook.
//!
//! Run with `cargo run -p lua-core --example embed`.

use lua_core::api::{Error, HookMask, Lua, Result, Table, Variadic};
use std::cell::Cell;
use std::rc::Rc;

fn main() -> Result<()> {
    let lua = Lua::new();

    // A Rust function Lua code can call: typed arguments in, typed results out.
    let stats = lua.create_function(|_, xs: Variadic<f64>| {
        if xs.is_empty() {
            return Err(Error::runtime("stats: no values"));
        }
        let sum: f64 = xs.iter().sum();
        Ok((sum, sum / xs.len() as f64))
    })?;
    lua.globals().set("stats", stats)?;

    // Run a script and read what it returns.
    let report: Table = lua
        .load(
            r#"
            local sum, mean = stats(3, 5, 10)
            local ok, err = pcall(stats)
            return { sum = sum, mean = mean, error = err }
            "#,
        )
        .set_name("=report")
        .eval()?;
    println!(
        "sum = {}, mean = {}, error from Lua: {}",
        report.get::<_, f64>("sum")?,
        report.get::<_, f64>("mean")?,
        report.get::<_, String>("error")?
    );

    // Limit memory: the script's allocation fails, the script can see that, and the
    // interpreter stays usable.
    let limit = lua.used_memory() + 256 * 1024;
    lua.set_memory_limit(Some(limit))?;
    let message: String = lua
        .load(
            r#"
            local ok, err = pcall(function()
                local t = {}
                for i = 1, 1e9 do t[i] = string.rep("x", 100) .. i end
            end)
            return err
            "#,
        )
        .eval()?;
    println!("under a {} byte limit: {}", limit, message);
    lua.set_memory_limit(None)?;
    lua.gc_collect()?;

    // Stop a runaway loop: the hook runs every 10,000 instructions and gives up after 100 calls.
    // `pcall` in the script cannot swallow the interruption.
    let calls = Rc::new(Cell::new(0u32));
    let counter = calls.clone();
    let mask = HookMask {
        every_nth_instruction: Some(10_000),
        ..Default::default()
    };
    lua.set_hook(mask, move |_, _| {
        counter.set(counter.get() + 1);
        if counter.get() >= 100 {
            Err(Error::Interrupted)
        } else {
            Ok(())
        }
    })?;
    match lua.load("pcall(function() while true do end end)").exec() {
        Err(Error::Interrupted) => {
            println!("runaway loop interrupted after {} hook calls", calls.get())
        }
        other => println!("unexpected: {other:?}"),
    }
    lua.remove_hook()?;

    // The interpreter still works.
    let n: i64 = lua.load("return 6 * 7").eval()?;
    println!("afterwards: {n}");
    Ok(())
}

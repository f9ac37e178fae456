//! `Lua::scope`: functions whose closures borrow from the caller's stack, valid while the
//! scope runs and dropped when it ends, however it ends.

use lua_core::api::{Error, Lua};
use std::cell::Cell;

/// Counts its drops in a borrowed cell.
struct DropCounter<'a>(&'a Cell<u32>);

impl Drop for DropCounter<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get() + 1);
    }
}

fn is_destructed(e: &Error) -> bool {
    match e {
        Error::CallbackDestructed => true,
        Error::CallbackError { cause, .. } => is_destructed(cause),
        _ => false,
    }
}

#[test]
fn scoped_functions_borrow_and_end_with_the_scope() {
    let lua = Lua::new();
    let prefix = String::from("item:");
    let mut seen = Vec::new();
    let drops = Cell::new(0);
    let total: i64 = lua
        .scope(|scope| {
            let guard = DropCounter(&drops);
            let prefix = prefix.as_str();
            // Moved in: a local of this closure cannot be borrowed for the scope.
            let name = scope.create_function(move |_, n: i64| {
                let _ = &guard;
                Ok(format!("{prefix}{n}"))
            })?;
            let note = scope.create_function_mut(|_, s: String| {
                seen.push(s);
                Ok(())
            })?;
            lua.globals().set("name", name)?;
            lua.globals().set("note", note)?;
            lua.load("for i = 1, 3 do note(name(i)) end return 6")
                .eval()
        })
        .expect("scope runs");
    assert_eq!(total, 6);
    assert_eq!(seen, ["item:1", "item:2", "item:3"]);
    // The closures (and what they captured) were dropped when the scope ended.
    assert_eq!(drops.get(), 1);
    // The functions remain, their closures do not: calls fail cleanly, also under pcall.
    let err = lua
        .load("name(1)")
        .exec()
        .expect_err("called after the scope");
    assert!(is_destructed(&err), "{err:?}");
    let (ok, message): (bool, String) = lua.load("return pcall(note, 'x')").eval().expect("pcall");
    assert!(!ok);
    assert!(message.contains("scope ended"), "{message}");
}

#[test]
fn the_closures_are_dropped_when_the_scope_fails_or_panics() {
    let lua = Lua::new();
    let drops = Cell::new(0);
    let r: Result<(), Error> = lua.scope(|scope| {
        let guard = DropCounter(&drops);
        let f = scope.create_function(move |_, ()| {
            let _ = &guard;
            Ok(())
        })?;
        lua.globals().set("f", f)?;
        lua.load("f() error('stop')").exec()
    });
    assert!(r.is_err());
    assert_eq!(drops.get(), 1);

    let drops = Cell::new(0);
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _ = lua.scope(|scope| {
            let guard = DropCounter(&drops);
            let _f = scope.create_function(move |_, ()| {
                let _ = &guard;
                Ok(())
            })?;
            panic!("inside the scope");
            #[allow(unreachable_code)]
            Ok(())
        });
    }));
    assert!(panicked.is_err());
    assert_eq!(drops.get(), 1);
    // The state is still usable.
    assert_eq!(lua.load("return 1 + 1").eval::<i64>().expect("eval"), 2);
}

#[test]
fn a_scoped_function_may_reenter_lua_and_nest_scopes() {
    let lua = Lua::new();
    let depth = Cell::new(0u32);
    let r: i64 = lua
        .scope(|outer| {
            let f = outer.create_function(|lua, n: i64| {
                depth.set(depth.get().max(n as u32));
                if n == 0 {
                    return Ok(0);
                }
                let inner_value = lua.scope(|inner| {
                    let g = inner.create_function(|_, x: i64| Ok(x * 2))?;
                    lua.globals().set("g", g)?;
                    lua.load(format!("return g(1) + f({})", n - 1))
                        .eval::<i64>()
                })?;
                Ok(inner_value)
            })?;
            lua.globals().set("f", f)?;
            lua.load("return f(5)").eval()
        })
        .expect("nested scopes");
    assert_eq!(r, 10);
    assert_eq!(depth.get(), 5);
}

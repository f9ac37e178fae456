//! The standard libraries, one module per library, each with one `open` entry point.
//!
//! A host opens exactly the libraries it wants, and within a library it may restrict the
//! functions to an allow-list, so a sandbox never sees `loadfile`, `io`, `os` and the like.

mod args;
mod base;
mod coroutine;
mod debug;
mod format;
mod io;
mod math;
mod os;
mod package;
mod pattern;
mod string;
mod table;
mod timezone;

pub use math::{set_random_source, GlibcRandom, RandomSource, RAND_MAX};

use crate::vm::{LuaResult, State};

/// A library that can be opened into a state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Library {
    Base,
    Coroutine,
    Package,
    Table,
    Io,
    Os,
    String,
    Math,
    Debug,
}

impl Library {
    /// Every library the CLI opens, in the order the reference opens them (which decides the
    /// traversal order of the global table).
    pub const ALL: &'static [Library] = &[
        Library::Base,
        Library::Coroutine,
        Library::Package,
        Library::Table,
        Library::Io,
        Library::Os,
        Library::String,
        Library::Math,
        Library::Debug,
    ];

    /// The global the library's table is stored in (`None` for the base library, whose
    /// functions are globals themselves).
    pub fn global_name(self) -> Option<&'static str> {
        match self {
            Library::Base => None,
            Library::Coroutine => Some("coroutine"),
            Library::Package => Some("package"),
            Library::Table => Some("table"),
            Library::Io => Some("io"),
            Library::Os => Some("os"),
            Library::String => Some("string"),
            Library::Math => Some("math"),
            Library::Debug => Some("debug"),
        }
    }
}

/// Open one library; `allowed` restricts it to the named functions.
pub fn open_library(state: &mut State, lib: Library, allowed: Option<&[&str]>) -> LuaResult<()> {
    match lib {
        Library::Base => {
            base::open(state, allowed)?;
            let g = state.globals();
            package::record_loaded(state, "_G", g)
        }
        Library::Coroutine => coroutine::open(state, allowed),
        Library::Package => package::open(state, allowed),
        Library::Table => table::open(state, allowed),
        Library::Io => {
            io::open(state, allowed)?;
            match state.get_global("io") {
                crate::Value::Table(t) => package::record_loaded(state, "io", t),
                _ => Ok(()),
            }
        }
        Library::Os => os::open(state, allowed),
        Library::String => string::open(state, allowed),
        Library::Math => math::open(state, allowed),
        Library::Debug => debug::open(state, allowed),
    }
}

/// Open every library, as the standalone interpreter does.
pub fn open_all(state: &mut State) -> LuaResult<()> {
    for &lib in Library::ALL {
        open_library(state, lib, None)?;
    }
    Ok(())
}

/// Create (or reuse) the global table `name` for a library and fill it with `functions`.
pub(crate) fn register_library(
    state: &mut State,
    name: &str,
    functions: &[(&'static str, crate::value::NativeFn)],
    allowed: Option<&[&str]>,
) -> LuaResult<crate::gc::Gc<crate::value::Table>> {
    register_with(state, name, functions, allowed, State::new_native)
}

/// As `register_library`, for a library written against the extension surface.
pub(crate) fn register_extension_library(
    state: &mut State,
    name: &str,
    functions: &[(&'static str, crate::native::NativeFunction)],
    allowed: Option<&[&str]>,
) -> LuaResult<crate::gc::Gc<crate::value::Table>> {
    register_with(state, name, functions, allowed, State::new_extension)
}

fn register_with<F: Copy>(
    state: &mut State,
    name: &str,
    functions: &[(&'static str, F)],
    allowed: Option<&[&str]>,
    make: fn(&mut State, &'static str, F) -> crate::Value,
) -> LuaResult<crate::gc::Gc<crate::value::Table>> {
    let table = match state.get_global(name) {
        crate::Value::Table(t) => t,
        _ => {
            // Sized for all its functions up front, as `luaL_register` does: the table's layout,
            // and so the order `pairs` visits it in, depends on its growth history.
            let t = state.new_table_with(0, functions.len());
            state.set_global(name, crate::Value::Table(t))?;
            t
        }
    };
    package::record_loaded(state, name, table)?;
    for &(fname, f) in functions {
        if allowed.is_none_or(|list| list.contains(&fname)) {
            let v = make(state, fname, f);
            state.set_field(table, fname, v)?;
        }
    }
    Ok(table)
}

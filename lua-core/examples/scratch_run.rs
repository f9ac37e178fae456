// Temporary: run a file through the API like /tmp/host/host does.
use lua_core::api::{Error, HookEvent, HookMask, Lua};
use std::cell::Cell;
use std::rc::Rc;
fn main() {
    let path = std::env::args().nth(1).unwrap();
    let mode = std::env::args().nth(2);
    let src = std::fs::read(&path).unwrap();
    let child = std::thread::Builder::new().stack_size(2 << 20).spawn(move || {
    let lua = Lua::new_with(lua_core::stdlib::Library::ALL, Default::default()).unwrap();
    let f = lua.create_function(|_, (t, b): (lua_core::api::Table, bool)| t.set_readonly(b)).unwrap();
    lua.globals().set("set_readonly", f).unwrap();
    let counted = Rc::new(Cell::new(0u64));
    let c2 = counted.clone();
    let mut mask = HookMask::default();
    match mode.as_deref() {
        Some("line") => mask.on_line = true,
        Some("callret") => { mask.on_call = true; mask.on_return = true; }
        Some(m) if m.starts_with("count:") => mask.every_nth_instruction = Some(m[6..].parse().unwrap()),
        _ => {}
    }
    lua.set_hook(mask, move |_, ev| {
        match ev {
            HookEvent::Count => c2.set(c2.get() + 1),
            HookEvent::Line(l) => println!("[line {l}]"),
            e => println!("[{}]", e.name()),
        }
        Ok(())
    }).unwrap();
        let r = lua.load(src).set_name("=t").exec();
        if mask.every_nth_instruction.is_some() { println!("[count calls {}]", counted.get()); }
        match r {
            Ok(()) => {}
            Err(Error::RuntimeError { message, traceback }) => println!("ERROR 2: {message}\n{traceback}"),
            Err(Error::SyntaxError { message }) => println!("LOAD ERROR: {message}"),
            Err(e) => println!("ERROR: {e:?}"),
        }
    }).unwrap();
    child.join().unwrap();
}

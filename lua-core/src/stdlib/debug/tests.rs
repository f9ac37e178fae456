//! Behaviour that scripts cannot show: the library's hooks next to a hook set by the host.

use crate::value::Value;
use crate::vm::{HookFn, HookMask, State};
use std::rc::Rc;

fn state() -> State {
    let mut state = State::new();
    crate::stdlib::open_all(&mut state).expect("libraries open");
    state
}

/// Run `src` and render its results as text.
fn run(state: &mut State, src: &str) -> Vec<String> {
    let f = state
        .load(src.as_bytes(), b"=test")
        .expect("chunk compiles");
    let results = state.call_function(f, &[]).expect("chunk runs");
    results
        .iter()
        .map(|v| match v {
            Value::String(s) => String::from_utf8_lossy(s.as_bytes()).into_owned(),
            Value::Number(n) => n.to_string(),
            Value::Boolean(b) => b.to_string(),
            other => other.type_name().to_string(),
        })
        .collect()
}

fn host_hook() -> HookFn {
    Rc::new(|_, _| Ok(()))
}

#[test]
fn gethook_reports_a_host_hook_as_external() {
    let mut state = state();
    let mask = HookMask {
        every_nth_instruction: Some(5),
        on_call: true,
        ..HookMask::default()
    };
    state.set_hook(mask, host_hook());
    assert_eq!(
        run(&mut state, "return debug.gethook()"),
        ["external hook", "c", "5"]
    );
}

#[test]
fn a_lua_hook_cannot_replace_or_remove_the_host_hook() {
    let mut state = state();
    let host = host_hook();
    state.set_hook(
        HookMask {
            on_line: true,
            ..HookMask::default()
        },
        host.clone(),
    );
    let src = "local f = function() end \
               local set = select(2, pcall(debug.sethook, f, 'r')) \
               local off = select(2, pcall(debug.sethook)) \
               local other = select(2, pcall(debug.sethook, coroutine.create(f))) \
               return set, off, other, debug.gethook()";
    let refused = "cannot change the hook the host has set";
    assert_eq!(
        run(&mut state, src),
        [refused, refused, refused, "external hook", "l", "0"]
    );
    assert!(state.hook().is_some_and(|(_, f)| Rc::ptr_eq(&f, &host)));
}

#[test]
fn mask_strings() {
    assert_eq!(super::hook::make_mask(b"lrc", 0), 7);
    assert_eq!(super::hook::make_mask(b"l\0c", 3), 4 | 8);
    assert_eq!(super::hook::make_mask(b"", -1), 0);
}

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
fn a_lua_hook_replaces_the_host_hook_and_turning_it_off_removes_both() {
    let mut state = state();
    state.set_hook(
        HookMask {
            on_line: true,
            ..HookMask::default()
        },
        host_hook(),
    );
    let src = "local f = function() end; debug.sethook(f, 'r'); local g, m = debug.gethook(); \
               return g == f, m";
    assert_eq!(run(&mut state, src), ["true", "r"]);
    run(&mut state, "debug.sethook()");
    assert!(state.hook().is_none());
}

#[test]
fn turning_off_another_threads_hook_keeps_the_host_hook() {
    let mut state = state();
    state.set_hook(
        HookMask {
            on_line: true,
            ..HookMask::default()
        },
        host_hook(),
    );
    run(
        &mut state,
        "debug.sethook(coroutine.create(function() end))",
    );
    assert!(state.hook().is_some());
}

#[test]
fn mask_strings() {
    assert_eq!(super::hook::make_mask(b"lrc", 0), 7);
    assert_eq!(super::hook::make_mask(b"l\0c", 3), 4 | 8);
    assert_eq!(super::hook::make_mask(b"", -1), 0);
}

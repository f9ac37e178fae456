//! `debug.sethook` and `debug.gethook`.
//!
//! Lua 5.1 keeps one hook per thread, while the VM has one hook for the whole state. So the
//! library records each thread's hook (function, events, count) in a registry table with weak
//! keys, installs a single VM hook for the union of the events asked for, and on each event
//! calls the running thread's function only if that thread asked for the event. A thread with
//! no record runs without hook calls, as a coroutine created after `sethook` does in Lua 5.1
//! (it inherits the C hook but finds no Lua function for itself).
//!
//! Count events are counted by the VM when every thread that asked for them uses the same
//! period; otherwise the VM reports each instruction and each thread counts its own.

use super::thread_arg;
use crate::gc::Gc;
use crate::value::{LuaThread, Table, Value};
use crate::vm::{HookEvent, HookFn, HookMask, LuaResult, State};
use std::rc::Rc;

/// Registry key of the table `thread -> record`.
const HOOKS_KEY: &[u8] = b"_HOOKS";

/// A record is an array: the hook function, its event mask, its count, and the instructions
/// left before its next count event (used when threads count separately).
const REC_FUNC: i64 = 1;
const REC_MASK: i64 = 2;
const REC_COUNT: i64 = 3;
const REC_COUNTDOWN: i64 = 4;

const MASK_CALL: u8 = 1;
const MASK_RET: u8 = 2;
const MASK_LINE: u8 = 4;
const MASK_COUNT: u8 = 8;

/// The library's VM hook, kept to recognise it among hooks set by the host.
struct DebugHook {
    func: HookFn,
    /// Threads count with different periods: the VM reports every instruction.
    per_thread_count: bool,
}

/// The event mask for a mask string and count (`makemask`).
pub(super) fn make_mask(smask: &[u8], count: i64) -> u8 {
    // The mask is read as a C string.
    let smask = crate::cstr::c_str(smask);
    let mut mask = 0;
    if smask.contains(&b'c') {
        mask |= MASK_CALL;
    }
    if smask.contains(&b'r') {
        mask |= MASK_RET;
    }
    if smask.contains(&b'l') {
        mask |= MASK_LINE;
    }
    if count > 0 {
        mask |= MASK_COUNT;
    }
    mask
}

/// The mask string `gethook` reports (`unmakemask`): count events are not listed.
fn mask_string(call: bool, ret: bool, line: bool) -> Vec<u8> {
    let mut s = Vec::new();
    if call {
        s.push(b'c');
    }
    if ret {
        s.push(b'r');
    }
    if line {
        s.push(b'l');
    }
    s
}

fn hook_table(state: &mut State) -> Option<Gc<Table>> {
    let key = state.intern(HOOKS_KEY);
    state.registry().get_str(key).as_table()
}

/// The registry's hook table, created (with weak keys) on first use.
fn hook_table_or_create(state: &mut State) -> LuaResult<Gc<Table>> {
    if let Some(t) = hook_table(state) {
        return Ok(t);
    }
    let t = state.new_table_with(0, 1);
    let registry = state.registry();
    state.set_field(registry, "_HOOKS", Value::Table(t))?;
    let mt = state.new_table_with(0, 1);
    let mode = state.new_string(b"k");
    state.set_field(mt, "__mode", mode)?;
    t.borrow_mut().set_metatable(Some(mt));
    Ok(t)
}

fn record_of(hooks: Gc<Table>, thread: Gc<LuaThread>) -> Option<Gc<Table>> {
    hooks.get(&Value::Thread(thread)).as_table()
}

fn record_int(record: Gc<Table>, field: i64) -> i64 {
    record.get_int(field).as_number().map_or(0, |n| n as i64)
}

/// The library's VM hook function, created once per state.
fn library_hook(state: &mut State) -> HookFn {
    if let Some(h) = state.app_data_mut::<DebugHook>() {
        return h.func.clone();
    }
    let func: HookFn = Rc::new(on_event);
    state.set_app_data(DebugHook {
        func: func.clone(),
        per_thread_count: false,
    });
    func
}

fn is_library_hook(state: &mut State, f: &HookFn) -> bool {
    state
        .app_data_mut::<DebugHook>()
        .is_some_and(|h| Rc::ptr_eq(&h.func, f))
}

/// The VM hook: call the running thread's Lua hook with the event name and line.
fn on_event(state: &mut State, event: HookEvent) -> LuaResult<()> {
    let Some(hooks) = hook_table(state) else {
        return Ok(());
    };
    let Some(record) = record_of(hooks, state.current_thread) else {
        return Ok(());
    };
    let mask = record_int(record, REC_MASK) as u8;
    let wanted = match event {
        HookEvent::Count => mask & MASK_COUNT != 0 && count_down(state, record)?,
        HookEvent::Line(_) => mask & MASK_LINE != 0,
        HookEvent::Call => mask & MASK_CALL != 0,
        HookEvent::Return | HookEvent::TailReturn => mask & MASK_RET != 0,
    };
    let func = record.get_int(REC_FUNC);
    if !wanted || !func.is_function() {
        return Ok(());
    }
    let name = state.new_string(event.name().as_bytes());
    let line = match event {
        HookEvent::Line(l) => Value::Number(l as f64),
        _ => Value::Nil,
    };
    let base = state.top;
    state.push(func);
    state.push(name);
    state.push(line);
    state.call_at(base, 2, 0)
}

/// Whether this instruction completes the running thread's count period.
fn count_down(state: &mut State, record: Gc<Table>) -> LuaResult<bool> {
    let per_thread = state
        .app_data_mut::<DebugHook>()
        .is_some_and(|h| h.per_thread_count);
    if !per_thread {
        return Ok(true);
    }
    let left = record_int(record, REC_COUNTDOWN) - 1;
    let (left, fire) = if left <= 0 {
        (record_int(record, REC_COUNT), true)
    } else {
        (left, false)
    };
    state.raw_set_int(record, REC_COUNTDOWN, Value::Number(left as f64))?;
    Ok(fire)
}

/// Install (or remove) the VM hook for the union of the threads' events. `for_running` tells
/// that the change was made for the running thread: turning its hooks off then removes a hook
/// set by the host too, as `lua_sethook` on that thread would.
fn install(state: &mut State, hooks: Gc<Table>, for_running: bool) {
    let mut union = 0u8;
    let mut period: Option<i64> = None;
    let mut mixed_periods = false;
    let mut key = Value::Nil;
    while let Ok(Some((k, v))) = hooks.next(&key) {
        if let Value::Table(record) = v {
            let mask = record_int(record, REC_MASK) as u8;
            union |= mask;
            if mask & MASK_COUNT != 0 {
                let count = record_int(record, REC_COUNT);
                match period {
                    None => period = Some(count),
                    Some(p) if p != count => mixed_periods = true,
                    Some(_) => {}
                }
            }
        }
        key = k;
    }
    let func = library_hook(state);
    if union == 0 {
        if let Some((_, current)) = state.hook() {
            if for_running || Rc::ptr_eq(&current, &func) {
                state.remove_hook();
            }
        }
        return;
    }
    if let Some(h) = state.app_data_mut::<DebugHook>() {
        h.per_thread_count = mixed_periods;
    }
    let every = match period {
        Some(_) if mixed_periods => Some(1),
        Some(p) => Some(u32::try_from(p).unwrap_or(u32::MAX)),
        None => None,
    };
    let mask = HookMask {
        every_nth_instruction: every,
        on_line: union & MASK_LINE != 0,
        on_call: union & MASK_CALL != 0,
        on_return: union & MASK_RET != 0,
    };
    state.set_hook(mask, func);
}

/// `debug.sethook([thread,] [f, mask [, count]])`: set the thread's hook, or turn it off.
pub(super) fn sethook(state: &mut State) -> LuaResult<usize> {
    // A host's hook (a time or instruction budget, a kill switch) is not the script's to
    // remove or replace.
    if let Some((_, f)) = state.hook() {
        if !is_library_hook(state, &f) {
            return Err(state.rt_error("cannot change the hook the host has set"));
        }
    }
    let (thread, arg) = thread_arg(state);
    let (func, mask, count) = if state.arg(arg + 1).is_nil() {
        (Value::Nil, 0, 0)
    } else {
        let smask = state.check_string(arg + 2)?;
        let func = state.arg(arg + 1);
        if !func.is_function() {
            return Err(state.arg_type_error(arg + 1, "function"));
        }
        let count = state.opt_int32(arg + 3, 0)? as i64;
        (func, make_mask(smask.as_bytes(), count), count)
    };
    let hooks = hook_table_or_create(state)?;
    let record = if func.is_nil() {
        Value::Nil
    } else {
        let r = state.new_table_with(4, 0);
        state.raw_set_int(r, REC_FUNC, func)?;
        state.raw_set_int(r, REC_MASK, Value::Number(mask as f64))?;
        state.raw_set_int(r, REC_COUNT, Value::Number(count as f64))?;
        state.raw_set_int(r, REC_COUNTDOWN, Value::Number(count as f64))?;
        Value::Table(r)
    };
    state.raw_set(hooks, Value::Thread(thread), record)?;
    let for_running = thread == state.current_thread;
    install(state, hooks, for_running);
    Ok(0)
}

/// `debug.gethook([thread])`: the hook function, its mask string and count.
pub(super) fn gethook(state: &mut State) -> LuaResult<usize> {
    let (thread, _) = thread_arg(state);
    let (func, mask, count) = match state.hook() {
        Some((m, f)) if !is_library_hook(state, &f) => {
            let name = state.new_string(b"external hook");
            let count = m.every_nth_instruction.unwrap_or(0) as i64;
            (name, mask_string(m.on_call, m.on_return, m.on_line), count)
        }
        _ => match hook_table(state).and_then(|h| record_of(h, thread)) {
            Some(r) => {
                let mask = record_int(r, REC_MASK) as u8;
                let s = mask_string(
                    mask & MASK_CALL != 0,
                    mask & MASK_RET != 0,
                    mask & MASK_LINE != 0,
                );
                (r.get_int(REC_FUNC), s, record_int(r, REC_COUNT))
            }
            None => (Value::Nil, Vec::new(), 0),
        },
    };
    state.push(func);
    let mask = state.new_string(&mask);
    state.push(mask);
    state.push(Value::Number(count as f64));
    Ok(3)
}

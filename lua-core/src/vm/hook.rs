//! Debug hooks: every N instructions, every new line, every call and return.
//!
//! The dispatch loop tests one cached mask per instruction, so a state without a hook pays one
//! predictable branch. A hook may stop the script by returning an error; an error of kind
//! `Interrupt` cannot be caught by `pcall`, which is how a host kills a runaway script.

use super::{LuaResult, State};
use std::rc::Rc;

/// Which events call the hook.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HookMask {
    /// Call the hook every this many instructions.
    pub every_nth_instruction: Option<u32>,
    /// Call the hook when execution reaches a new line (or jumps back).
    pub on_line: bool,
    /// Call the hook on every function call.
    pub on_call: bool,
    /// Call the hook on every function return.
    pub on_return: bool,
}

/// What triggered a hook call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HookEvent {
    Count,
    Line(u32),
    Call,
    Return,
    /// A return from a function that replaced its caller by a tail call.
    TailReturn,
}

impl HookEvent {
    /// The event's name as `debug.sethook` hooks receive it.
    pub fn name(self) -> &'static str {
        match self {
            HookEvent::Count => "count",
            HookEvent::Line(_) => "line",
            HookEvent::Call => "call",
            HookEvent::Return => "return",
            HookEvent::TailReturn => "tail return",
        }
    }
}

/// A hook function: returns `Err` to stop the running script.
pub type HookFn = Rc<dyn Fn(&mut State, HookEvent) -> LuaResult<()>>;

/// Results at least this long charge their copying to a host's instruction count, at one
/// instruction per [`BYTES_PER_INSTRUCTION`] bytes.
const COPY_CHARGE_FROM: usize = 4096;
const BYTES_PER_INSTRUCTION: usize = 64;

pub(crate) const MASK_COUNT: u8 = 1;
pub(crate) const MASK_LINE: u8 = 2;
pub(crate) const MASK_CALL: u8 = 4;
pub(crate) const MASK_RET: u8 = 8;

pub(crate) struct Hook {
    pub(crate) mask: HookMask,
    pub(crate) func: HookFn,
    /// A host's hook (instruction budgets, periodic checks), not `debug.sethook`'s, whose
    /// counts must stay lua5.1's: native work (pattern matching, copying, compiling) counts
    /// as instructions toward its count, and the count is one for the whole state rather
    /// than one per coroutine.
    pub(crate) is_host: bool,
}

impl State {
    /// Install `f` as the hook for the events in `mask` (replacing any earlier hook), as
    /// `debug.sethook` does: only Lua instructions count.
    pub fn set_hook(&mut self, mask: HookMask, f: HookFn) {
        self.install_hook(mask, f, false);
    }

    /// Install a host's hook: as [`State::set_hook`], and time spent in pattern matching
    /// counts toward its instruction count too, so a budget or a kill also stops a script
    /// stuck in one `string.find`.
    pub fn set_host_hook(&mut self, mask: HookMask, f: HookFn) {
        self.install_hook(mask, f, true);
    }

    fn install_hook(&mut self, mask: HookMask, f: HookFn, is_host: bool) {
        let mut bits = 0;
        if mask.every_nth_instruction.is_some_and(|n| n > 0) {
            bits |= MASK_COUNT;
        }
        if mask.on_line {
            bits |= MASK_LINE;
        }
        if mask.on_call {
            bits |= MASK_CALL;
        }
        if mask.on_return {
            bits |= MASK_RET;
        }
        if bits == 0 {
            self.remove_hook();
            return;
        }
        self.hook_countdown = mask.every_nth_instruction.unwrap_or(0);
        self.hook = Some(Hook {
            mask,
            func: f,
            is_host,
        });
        self.hook_mask = bits;
    }

    pub fn remove_hook(&mut self) {
        self.hook = None;
        self.hook_mask = 0;
    }

    /// The installed hook's mask and function.
    pub fn hook(&self) -> Option<(HookMask, HookFn)> {
        self.hook.as_ref().map(|h| (h.mask, h.func.clone()))
    }

    /// Call the hook for `event`, unless a hook is already running (hooks do not nest).
    pub(crate) fn call_hook(&mut self, event: HookEvent) -> LuaResult<()> {
        if self.in_hook {
            return Ok(());
        }
        let Some(f) = self.hook.as_ref().map(|h| h.func.clone()) else {
            return Ok(());
        };
        self.in_hook = true;
        // The hook runs above everything live in the current frame.
        let saved_top = self.top;
        if let Some(f) = self.frames.last() {
            self.top = self.top.max(f.top);
        }
        let r = f(self, event);
        self.top = saved_top;
        self.in_hook = false;
        r
    }

    /// Charge `instructions` worth of native work to a host's count hook, which runs when they
    /// use up its countdown; its error (a budget spent, a kill) is the result.
    pub(crate) fn charge_native_work(&mut self, instructions: u32) -> LuaResult<()> {
        if self.hook_mask & MASK_COUNT == 0 {
            return Ok(());
        }
        let every = match self.hook.as_ref() {
            Some(h) if h.is_host => h.mask.every_nth_instruction.unwrap_or(1).max(1),
            _ => return Ok(()),
        };
        if self.hook_countdown > instructions {
            self.hook_countdown -= instructions;
            return Ok(());
        }
        self.hook_countdown = every;
        self.call_hook(HookEvent::Count)
    }

    /// Charge the copying of a `bytes`-long result (a long concatenation, `string.rep`) to a
    /// host's count hook: a loop that keeps doubling a string reaches the hook (a budget, a
    /// kill) at a pace set by the bytes it copies, as a pattern match's steps do.
    pub(crate) fn charge_copy_work(&mut self, bytes: usize) -> LuaResult<()> {
        if bytes < COPY_CHARGE_FROM {
            return Ok(());
        }
        let instructions = u32::try_from(bytes / BYTES_PER_INSTRUCTION).unwrap_or(u32::MAX);
        self.charge_native_work(instructions)
    }

    /// Before frame `fi` returns: the return hook, and one "tail return" per call it replaced.
    #[cold]
    pub(crate) fn return_hooks(&mut self, fi: usize) -> LuaResult<()> {
        self.call_hook(HookEvent::Return)?;
        // Each lost call is forgotten before its hook runs, as in Lua 5.1: the last hook sees
        // the frame as the function its caller called (so `getinfo` names it).
        while self.frames[fi].tailcalls > 0 {
            self.frames[fi].tailcalls -= 1;
            self.call_hook(HookEvent::TailReturn)?;
        }
        Ok(())
    }

    /// Before instruction `pc` of frame `fi` runs: the count and line hooks (`traceexec`).
    #[cold]
    pub(crate) fn trace_instruction(&mut self, fi: usize, pc: usize) -> LuaResult<()> {
        let previous_next_pc = self.frames[fi].pc;
        self.frames[fi].pc = pc + 1;
        if self.hook_mask & MASK_COUNT != 0 {
            let fire = match self.hook.as_ref() {
                Some(h) => {
                    self.hook_countdown = self.hook_countdown.saturating_sub(1);
                    if self.hook_countdown == 0 {
                        self.hook_countdown = h.mask.every_nth_instruction.unwrap_or(1).max(1);
                        true
                    } else {
                        false
                    }
                }
                None => false,
            };
            if fire {
                self.call_hook(HookEvent::Count)?;
            }
        }
        if self.hook_mask & MASK_LINE != 0 {
            let Some(cl) = self.frames[fi].closure else {
                return Ok(());
            };
            let lines = &cl.proto.line_info;
            let new_line = lines.get(pc).copied().unwrap_or(0);
            let old_line = previous_next_pc
                .checked_sub(1)
                .and_then(|p| lines.get(p))
                .copied();
            if pc == 0 || pc < previous_next_pc || Some(new_line) != old_line {
                self.call_hook(HookEvent::Line(new_line))?;
            }
        }
        Ok(())
    }
}

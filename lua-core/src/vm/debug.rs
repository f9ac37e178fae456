//! Debug information: current lines, names of values from the bytecode (for error messages such
//! as `attempt to index local 'x'`), stack levels and tracebacks, as Lua 5.1 derives them.

use super::{CallInfo, State};
use crate::bytecode::{index_k, is_k, OpCode, OpMode, NO_REG};
use crate::gc::Gc;
use crate::value::{FuncProto, LuaThread, Value};

/// A frame found by stack level: a real frame, or a call lost to a tail call.
#[derive(Clone, Copy)]
pub(crate) enum Level {
    Frame(usize),
    TailCall,
}

/// What `getinfo` reports about one level.
pub(crate) struct FrameInfo {
    pub(crate) short_src: Vec<u8>,
    pub(crate) current_line: i64,
    pub(crate) line_defined: i64,
    /// "Lua", "C", "main" or "tail".
    pub(crate) what: &'static str,
    /// (kind, name), kind one of "global", "local", "method", "field", "upvalue".
    pub(crate) name: Option<(&'static str, Vec<u8>)>,
}

/// Lines listed before and after the gap of a long traceback.
const TRACEBACK_HEAD: usize = 12;
const TRACEBACK_TAIL: usize = 10;

fn constant_name(p: &FuncProto, rk: u32) -> Vec<u8> {
    if is_k(rk) {
        if let Some(Value::String(s)) = p.constants.get(index_k(rk) as usize) {
            return s.as_bytes().to_vec();
        }
    }
    b"?".to_vec()
}

/// The name of the local variable in register `reg` (0-based) active at `pc`.
pub(crate) fn local_name(p: &FuncProto, reg: usize, pc: usize) -> Option<&[u8]> {
    let mut n = reg + 1;
    for lv in p.loc_vars.iter() {
        if lv.start_pc as usize > pc {
            break;
        }
        if pc < lv.end_pc as usize {
            n -= 1;
            if n == 0 {
                return Some(&lv.name);
            }
        }
    }
    None
}

/// The last instruction before `last_pc` that wrote register `reg`: Lua 5.1's symbolic
/// execution, without its bytecode verification (our bytecode comes from our compiler).
fn last_writer(p: &FuncProto, last_pc: usize, reg: u32) -> usize {
    let code = &p.code;
    let mut last = code.len().saturating_sub(1);
    let mut pc = 0usize;
    while pc < last_pc && pc < code.len() {
        let i = code[pc];
        let op = i.opcode();
        let a = i.a();
        let (b, c): (i64, i64) = match op.mode() {
            OpMode::ABC => (i.b() as i64, i.c() as i64),
            OpMode::ABx => (i.bx() as i64, 0),
            OpMode::AsBx => (i.sbx() as i64, 0),
        };
        if op.sets_a() && a == reg {
            last = pc;
        }
        match op {
            OpCode::LoadNil if a <= reg && (reg as i64) <= b => last = pc,
            OpCode::SelfOp if reg == a + 1 => last = pc,
            OpCode::TForLoop if reg >= a + 2 => last = pc,
            OpCode::ForLoop | OpCode::ForPrep | OpCode::Jmp => {
                let dest = pc as i64 + 1 + b;
                if reg != NO_REG && (pc as i64) < dest && dest <= last_pc as i64 {
                    pc = (pc as i64 + b) as usize;
                }
            }
            OpCode::Call | OpCode::TailCall if reg >= a => last = pc,
            OpCode::SetList if c == 0 => pc += 1,
            OpCode::Closure => {
                if let Some(child) = p.protos.get(b as usize) {
                    pc += child.num_upvalues as usize;
                }
            }
            _ => {}
        }
        pc += 1;
    }
    last
}

impl State {
    /// Index (0-based) of the instruction a Lua frame is executing.
    pub(crate) fn current_pc(&self, frame: &CallInfo) -> usize {
        frame.pc.saturating_sub(1)
    }

    pub(crate) fn current_line(&self, frame: &CallInfo) -> i64 {
        match frame.closure {
            Some(cl) => {
                let pc = self.current_pc(frame);
                cl.proto.line_info.get(pc).map_or(-1, |&l| l as i64)
            }
            None => -1,
        }
    }

    /// The line the innermost running Lua function is at (what a hook interrupting the script
    /// reports as the error's position), if a Lua function runs.
    pub(crate) fn innermost_lua_line(&self) -> Option<i64> {
        let frame = self.frames.iter().rev().find(|f| f.closure.is_some())?;
        Some(self.current_line(frame))
    }

    /// The frame at a level given as a signed number: as in Lua 5.1, a negative level names a
    /// lost tail call.
    pub(crate) fn stack_level(&self, level: i64) -> Option<Level> {
        if level < 0 {
            Some(Level::TailCall)
        } else {
            self.level(level as usize)
        }
    }

    /// The frame at `level` (0 = running function), counting lost tail calls like Lua 5.1.
    pub(crate) fn level(&self, level: usize) -> Option<Level> {
        let mut level = level as i64;
        let mut idx = self.frames.len();
        while level > 0 && idx > 0 {
            idx -= 1;
            level -= 1;
            if self.frames[idx].closure.is_some() {
                level -= self.frames[idx].tailcalls as i64;
            }
        }
        if level == 0 && idx > 0 {
            Some(Level::Frame(idx - 1))
        } else if level < 0 {
            Some(Level::TailCall)
        } else {
            None
        }
    }

    /// `chunk:line: ` for the function at `level` when it is a Lua function, else empty
    /// (`luaL_where`).
    pub(crate) fn where_prefix(&self, level: usize) -> Vec<u8> {
        if let Some(Level::Frame(idx)) = self.level(level) {
            let frame = &self.frames[idx];
            if let Some(cl) = frame.closure {
                let line = self.current_line(frame);
                if line > 0 {
                    let mut out = crate::chunkid::chunk_id(cl.proto.source.as_bytes());
                    out.extend_from_slice(format!(":{}: ", line).as_bytes());
                    return out;
                }
            }
        }
        Vec::new()
    }

    /// How the value in register `reg` of a Lua frame got there: ("local", "x"), ("global", "f"),
    /// ("field", "y"), ("upvalue", "u"), ("method", "m").
    pub(crate) fn object_name(
        &self,
        frame_idx: usize,
        reg: usize,
    ) -> Option<(&'static str, Vec<u8>)> {
        let frame = &self.frames[frame_idx];
        let cl = frame.closure?;
        let p = &*cl.proto;
        let pc = self.current_pc(frame);
        if let Some(name) = local_name(p, reg, pc) {
            return Some(("local", name.to_vec()));
        }
        let i = *p.code.get(last_writer(p, pc, reg as u32))?;
        match i.opcode() {
            OpCode::GetGlobal => match p.constants.get(i.bx() as usize) {
                Some(Value::String(s)) => Some(("global", s.as_bytes().to_vec())),
                _ => None,
            },
            OpCode::Move => {
                let (a, b) = (i.a() as usize, i.b() as usize);
                if b < a {
                    self.object_name(frame_idx, b)
                } else {
                    None
                }
            }
            OpCode::GetTable => Some(("field", constant_name(p, i.c()))),
            OpCode::GetUpval => {
                let name = p
                    .upvalue_names
                    .get(i.b() as usize)
                    .map_or_else(|| b"?".to_vec(), |n| n.to_vec());
                Some(("upvalue", name))
            }
            OpCode::SelfOp => Some(("method", constant_name(p, i.c()))),
            _ => None,
        }
    }

    /// The name the caller used for the function running in frame `frame_idx`.
    pub(crate) fn function_name(&self, frame_idx: usize) -> Option<(&'static str, Vec<u8>)> {
        let frame = &self.frames[frame_idx];
        if (frame.closure.is_some() && frame.tailcalls > 0) || frame_idx == 0 {
            return None;
        }
        let caller = &self.frames[frame_idx - 1];
        let cl = caller.closure?;
        let i = *cl.proto.code.get(self.current_pc(caller))?;
        match i.opcode() {
            OpCode::Call | OpCode::TailCall | OpCode::TForLoop => {
                self.object_name(frame_idx - 1, i.a() as usize)
            }
            _ => None,
        }
    }

    /// Describe one stack level (`getinfo` with "Snl").
    pub(crate) fn frame_info(&self, level: Level) -> FrameInfo {
        let idx = match level {
            Level::TailCall => {
                return FrameInfo {
                    short_src: b"(tail call)".to_vec(),
                    current_line: -1,
                    line_defined: -1,
                    what: "tail",
                    name: None,
                }
            }
            Level::Frame(idx) => idx,
        };
        let frame = &self.frames[idx];
        let name = self.function_name(idx);
        match frame.closure {
            Some(cl) => FrameInfo {
                short_src: crate::chunkid::chunk_id(cl.proto.source.as_bytes()),
                current_line: self.current_line(frame),
                line_defined: cl.proto.line_defined as i64,
                what: if cl.proto.line_defined == 0 {
                    "main"
                } else {
                    "Lua"
                },
                name,
            },
            None => FrameInfo {
                short_src: b"[C]".to_vec(),
                current_line: -1,
                line_defined: -1,
                what: "C",
                name,
            },
        }
    }

    /// `stack traceback:` and one line per level from `level` on, as `debug.traceback` prints it.
    pub fn traceback(&self, level: usize) -> Vec<u8> {
        self.traceback_from(level as i64)
    }

    /// `traceback` from a signed level (a negative one starts with lost tail calls).
    pub(crate) fn traceback_from(&self, level: i64) -> Vec<u8> {
        let mut out = b"stack traceback:".to_vec();
        let mut level = level;
        let mut first_part = true;
        let head = TRACEBACK_HEAD as i64;
        let tail = TRACEBACK_TAIL as i64;
        while let Some(found) = self.stack_level(level) {
            level += 1;
            if level > head && first_part {
                if self.stack_level(level + tail).is_none() {
                    level -= 1;
                } else {
                    out.extend_from_slice(b"\n\t...");
                    while self.stack_level(level + tail).is_some() {
                        level += 1;
                    }
                }
                first_part = false;
                continue;
            }
            let info = self.frame_info(found);
            out.extend_from_slice(b"\n\t");
            out.extend_from_slice(&info.short_src);
            out.push(b':');
            if info.current_line > 0 {
                out.extend_from_slice(format!("{}:", info.current_line).as_bytes());
            }
            match (&info.name, info.what) {
                (Some((_, name)), _) => {
                    out.extend_from_slice(b" in function '");
                    out.extend_from_slice(crate::cstr::c_str(name));
                    out.push(b'\'');
                }
                (None, "main") => out.extend_from_slice(b" in main chunk"),
                (None, "C") | (None, "tail") => out.extend_from_slice(b" ?"),
                (None, _) => {
                    out.extend_from_slice(b" in function <");
                    out.extend_from_slice(&info.short_src);
                    out.extend_from_slice(format!(":{}>", info.line_defined).as_bytes());
                }
            }
        }
        out
    }

    /// `attempt to <op> <kind> '<name>' (a <type> value)` for a value in register `reg` of the
    /// running Lua frame, or without a name when it has none (`luaG_typeerror`).
    pub(crate) fn type_error(
        &mut self,
        value: &Value,
        reg: Option<usize>,
        op: &str,
    ) -> super::LuaError {
        let ty = value.type_name();
        let frame_idx = self.frames.len().wrapping_sub(1);
        let named = match reg {
            Some(r) if frame_idx < self.frames.len() => self.object_name(frame_idx, r),
            _ => None,
        };
        let msg = match named {
            Some((kind, name)) => {
                let mut m = format!("attempt to {} {} '", op, kind).into_bytes();
                // Built with `%s` in Lua 5.1: a name stops at a zero byte.
                m.extend_from_slice(crate::cstr::c_str(&name));
                m.extend_from_slice(format!("' (a {} value)", ty).as_bytes());
                m
            }
            None => format!("attempt to {} a {} value", op, ty).into_bytes(),
        };
        self.rt_error_bytes(&msg)
    }

    /// `attempt to compare ...` (`luaG_ordererror`).
    pub(crate) fn order_error(&mut self, a: &Value, b: &Value) -> super::LuaError {
        let (t1, t2) = (a.type_name(), b.type_name());
        // Lua 5.1 tells the names apart by their third letter, so "string" and "thread" count
        // as the same type here.
        if t1.as_bytes().get(2) == t2.as_bytes().get(2) {
            self.rt_error(&format!("attempt to compare two {} values", t1))
        } else {
            self.rt_error(&format!("attempt to compare {} with {}", t1, t2))
        }
    }
}

impl State {
    /// Index of the instruction a Lua frame is executing, `None` before its first instruction
    /// (during the call hook), when Lua 5.1 sees no active local variables yet.
    pub(crate) fn started_pc(&self, frame: &CallInfo) -> Option<usize> {
        frame.pc.checked_sub(1)
    }

    /// Local `n` (1-based) of frame `frame_idx`: its name and stack slot (`findlocal`). Slots
    /// of the frame that hold no named local are reported as `(*temporary)`, up to the start
    /// of the next frame (or the stack top for the innermost frame).
    pub(crate) fn frame_local(&self, frame_idx: usize, n: i64) -> Option<(Vec<u8>, usize)> {
        let frame = self.frames.get(frame_idx)?;
        if n <= 0 {
            return None;
        }
        let slot = frame.base + (n as usize - 1);
        if let (Some(cl), Some(pc)) = (frame.closure, self.started_pc(frame)) {
            if let Some(name) = local_name(&cl.proto, n as usize - 1, pc) {
                return Some((name.to_vec(), slot));
            }
        }
        let limit = match self.frames.get(frame_idx + 1) {
            Some(next) => next.func,
            None => self.top,
        };
        if limit.saturating_sub(frame.base) >= n as usize {
            Some((b"(*temporary)".to_vec(), slot))
        } else {
            None
        }
    }

    /// The function running in frame `frame_idx`.
    pub(crate) fn frame_function(&self, frame_idx: usize) -> Value {
        self.frames
            .get(frame_idx)
            .and_then(|f| self.stack.get(f.func))
            .copied()
            .unwrap_or_default()
    }

    /// Run `f` with the execution context (stack, frames, open upvalues) of `thread` in place,
    /// so that the stack-inspection functions above look at that thread. `f` must not run Lua
    /// code nor raise errors: it only reads or writes stack slots.
    pub(crate) fn with_thread<R>(
        &mut self,
        thread: Gc<LuaThread>,
        f: impl FnOnce(&mut State) -> R,
    ) -> R {
        let running = self.current_thread;
        if thread == running {
            return f(self);
        }
        self.switch_to(thread);
        let r = f(self);
        self.switch_to(running);
        r
    }

    /// The function running at `level`: `None` when there is no such level, `Some(None)` for a
    /// call lost to a tail call.
    pub(crate) fn function_at_level(&self, level: usize) -> Option<Option<Value>> {
        match self.level(level)? {
            Level::Frame(idx) => Some(Some(self.stack[self.frames[idx].func])),
            Level::TailCall => Some(None),
        }
    }
}

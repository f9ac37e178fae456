//! The dispatch loop. Lua-to-Lua calls and returns switch frames inside this loop, without
//! Rust recursion; only calls made from Rust (metamethods, library callbacks) nest a new loop.

use super::arith::ArithOp;
use super::call::Precall;
use super::{LuaResult, State, MULTRET};
use crate::bytecode::{index_k, is_k, Instruction, OpCode, BITRK, LFIELDS_PER_FLUSH};
use crate::gc::Gc;
use crate::value::{LuaClosure, Table, UpVal, Value};
use std::cell::Cell;

/// Decode a NEWTABLE size operand ("floating point byte": `eeeeexxx`).
fn fb2int(x: u32) -> usize {
    let e = (x >> 3) & 31;
    if e == 0 {
        x as usize
    } else {
        (((x & 7) + 8) as usize) << (e - 1)
    }
}

/// The opcode numbers, as constants usable in patterns.
const OP_MOVE: u32 = OpCode::Move as u32;
const OP_LOADK: u32 = OpCode::LoadK as u32;
const OP_LOADBOOL: u32 = OpCode::LoadBool as u32;
const OP_LOADNIL: u32 = OpCode::LoadNil as u32;
const OP_GETUPVAL: u32 = OpCode::GetUpval as u32;
const OP_GETGLOBAL: u32 = OpCode::GetGlobal as u32;
const OP_GETTABLE: u32 = OpCode::GetTable as u32;
const OP_SETGLOBAL: u32 = OpCode::SetGlobal as u32;
const OP_SETUPVAL: u32 = OpCode::SetUpval as u32;
const OP_SETTABLE: u32 = OpCode::SetTable as u32;
const OP_NEWTABLE: u32 = OpCode::NewTable as u32;
const OP_SELFOP: u32 = OpCode::SelfOp as u32;
const OP_ADD: u32 = OpCode::Add as u32;
const OP_SUB: u32 = OpCode::Sub as u32;
const OP_MUL: u32 = OpCode::Mul as u32;
const OP_DIV: u32 = OpCode::Div as u32;
const OP_MOD: u32 = OpCode::Mod as u32;
const OP_POW: u32 = OpCode::Pow as u32;
const OP_UNM: u32 = OpCode::Unm as u32;
const OP_NOT: u32 = OpCode::Not as u32;
const OP_LEN: u32 = OpCode::Len as u32;
const OP_CONCAT: u32 = OpCode::Concat as u32;
const OP_JMP: u32 = OpCode::Jmp as u32;
const OP_EQ: u32 = OpCode::Eq as u32;
const OP_LT: u32 = OpCode::Lt as u32;
const OP_LE: u32 = OpCode::Le as u32;
const OP_TEST: u32 = OpCode::Test as u32;
const OP_TESTSET: u32 = OpCode::TestSet as u32;
const OP_CALL: u32 = OpCode::Call as u32;
const OP_TAILCALL: u32 = OpCode::TailCall as u32;
const OP_RETURN: u32 = OpCode::Return as u32;
const OP_FORLOOP: u32 = OpCode::ForLoop as u32;
const OP_FORPREP: u32 = OpCode::ForPrep as u32;
const OP_TFORLOOP: u32 = OpCode::TForLoop as u32;
const OP_SETLIST: u32 = OpCode::SetList as u32;
const OP_CLOSE: u32 = OpCode::Close as u32;
const OP_CLOSURE: u32 = OpCode::Closure as u32;
const OP_VARARG: u32 = OpCode::Vararg as u32;

impl State {
    /// Run Lua frames from the innermost one until a frame marked `entry` returns.
    pub(crate) fn execute(&mut self) -> LuaResult<()> {
        // The running frame, held in locals: `frames[fi]` runs `cl` with its registers from
        // stack index `base` (its function at `func`), with constants `k`; `pc` points at
        // its next instruction in `code` (a pointer rather than an index: one register
        // fewer in the dispatch, as Lua 5.1's `savedpc`). `frames[fi].pc` keeps the index.
        let mut fi: usize;
        let mut cl: Gc<LuaClosure>;
        let mut func: usize;
        let mut base: usize;
        let mut pc: *const Instruction;
        let mut code: *const Instruction;
        let mut k: *const Value;
        // The running closure's upvalues (read once per frame: the list may be inline in
        // the closure or spilled to the heap, and finding out costs a branch per access).
        let mut upvals: *const Gc<UpVal>;
        // Registers are reached through a raw pointer to the frame's base, re-derived after
        // every operation that may run other code (which may grow, and so move, the stack).
        // SAFETY of every `reg!` use: `push_lua_frame` made the stack at least
        // `base + max_stack_size + EXTRA_STACK` long, the stack never shrinks, and register
        // operands are below `max_stack_size` (the compiler emits only those, and
        // `bytecode::verify` holds loaded chunks to it), but for TFORLOOP's A+4 and A+5,
        // which may fall in the `EXTRA_STACK` slots.
        let mut regs: *mut Value;
        // Hooks can be installed by anything that runs other code; the mask is re-read with
        // the registers.
        let mut hook_mask: u8;
        // Run `closure` (function at stack index `func`, registers from `base`) from
        // instruction `pc_index`. The caller sets `fi` and `regs`.
        macro_rules! enter {
            ($closure:expr, $func:expr, $base:expr, $pc_index:expr) => {{
                (cl, func, base) = ($closure, $func, $base);
                code = cl.proto.code.as_ptr();
                debug_assert!($pc_index < cl.proto.code.len());
                // SAFETY: a frame's pc indexes its function's code.
                pc = unsafe { code.add($pc_index) };
                k = cl.proto.constants.as_ptr();
                upvals = cl.upvals.as_ptr();
            }};
        }
        // The running frame's registers. The pointer comes from `Vec::as_mut_ptr`, which makes
        // no reference to the buffer, so it carries the buffer's own permission: writes that
        // index `self.stack` elsewhere (an upvalue store, a metamethod's results) reborrow
        // from that permission without revoking it. A pointer taken from a slice of the stack
        // (`self.stack[base..]`) would be revoked by the first of them (Miri's Stacked Borrows
        // reports exactly that).
        macro_rules! stack_base_pointer {
            () => {{
                debug_assert!(base <= self.stack.len());
                // SAFETY: `base` is inside the stack (a frame's base always is: the stack holds
                // the frame's whole register window, checked when the frame was pushed).
                unsafe { self.stack.as_mut_ptr().add(base) }
            }};
        }
        // Take up the innermost frame (after a return, or a call this loop did not set up
        // itself); a native frame there means the Rust caller takes over.
        macro_rules! load_frame {
            () => {{
                fi = self.frames.len() - 1;
                let frame = &self.frames[fi];
                let Some(running) = frame.closure else {
                    return Ok(());
                };
                let (frame_func, frame_base, frame_pc) = (frame.func, frame.base, frame.pc);
                enter!(running, frame_func, frame_base, frame_pc);
                regs = stack_base_pointer!();
                hook_mask = self.hook_mask;
            }};
        }
        load_frame!();
        macro_rules! refresh {
            () => {{
                regs = stack_base_pointer!();
                // Unused when the next step is a frame switch, which re-reads it.
                #[allow(unused_assignments)]
                {
                    hook_mask = self.hook_mask;
                }
            }};
        }
        // As a place: `reg!(r) = v`. As a value, prefer `get!(r)` (word-wise load).
        macro_rules! reg {
            ($x:expr) => {
                *unsafe { &mut *regs.add($x as usize) }
            };
        }
        macro_rules! get {
            ($x:expr) => {
                Value::load(unsafe { &*regs.add($x as usize) })
            };
        }
        macro_rules! reg_ref {
            ($x:expr) => {
                unsafe { &*regs.add($x as usize) }
            };
        }
        // Constant and upvalue operands index the running function's tables directly.
        // SAFETY of `konst!`/`upval!` (for the compiler's code and, through
        // `bytecode::verify`, loaded chunks): operands are constant indices below the
        // prototype's constant count and upvalue indices below its upvalue count, which is
        // the length of every closure's upvalue list (checked in debug builds).
        macro_rules! konst {
            ($x:expr) => {{
                let x = $x as usize;
                debug_assert!(x < cl.proto.constants.len());
                unsafe { &*k.add(x) }
            }};
        }
        macro_rules! upval {
            ($x:expr) => {{
                let x = $x as usize;
                debug_assert!(x < cl.upvals.len());
                unsafe { *upvals.add(x) }
            }};
        }
        // A constant operand is `BITRK` plus the constant's index, so the constants'
        // address less `BITRK` slots and the registers' address are both offset by the
        // operand itself: the two candidates share one scaled index and the choice is a
        // conditional move. Pointers are formed with wrapping arithmetic because only the
        // chosen one is in bounds (and dereferenced).
        macro_rules! rk_ref {
            ($x:expr) => {{
                let x = $x;
                debug_assert!(!is_k(x) || (index_k(x) as usize) < cl.proto.constants.len());
                let constant = k.wrapping_sub(BITRK as usize).wrapping_add(x as usize);
                let register = regs.wrapping_add(x as usize) as *const Value;
                // SAFETY: a constant index below the constant count, or a register below
                // the frame size (see `konst!` and `reg!`).
                unsafe { &*if is_k(x) { constant } else { register } }
            }};
        }
        macro_rules! rk {
            ($x:expr) => {
                Value::load(rk_ref!($x))
            };
        }
        macro_rules! rk_reg {
            ($x:expr) => {{
                let x = $x;
                if is_k(x) {
                    None
                } else {
                    Some(x as usize)
                }
            }};
        }
        // SAFETY of every move of `pc`: the code keeps it inside the function (the
        // compiler's by construction, loaded chunks as `bytecode::verify` checks)
        // (every function ends with RETURN, every jump lands inside it, and the JMP after a
        // test, the SETLIST count and the CLOSURE pseudo-instructions are always there), as
        // debug builds check before each instruction over the whole test corpus.
        macro_rules! pc_index {
            () => {
                // SAFETY: `pc` and `code` point into the same instruction array.
                unsafe { pc.offset_from(code) as usize }
            };
        }
        macro_rules! skip {
            ($n:expr) => {
                pc = unsafe { pc.add($n) }
            };
        }
        macro_rules! jump_by {
            ($offset:expr) => {
                pc = unsafe { pc.offset($offset as isize) }
            };
        }
        macro_rules! save_pc {
            () => {{
                debug_assert!(fi < self.frames.len());
                // SAFETY: the running frame is `frames[fi]` until this loop switches frames;
                // calls made from here pop everything they push before returning.
                unsafe { self.frames.get_unchecked_mut(fi) }.pc = pc_index!()
            }};
        }
        // A slow path: record the pc (for error positions), run it, re-derive the registers.
        macro_rules! slow {
            ($e:expr) => {{
                save_pc!();
                let r = $e;
                refresh!();
                r
            }};
        }
        macro_rules! check_gc {
            () => {
                if self.heap.should_collect() {
                    slow!(self.gc_safe_point())?;
                }
            };
        }
        macro_rules! arith {
            ($op:expr, $i:expr) => {{
                let (b, c) = ($i.b(), $i.c());
                let r = if let (Value::Number(x), Value::Number(y)) = (rk_ref!(b), rk_ref!(c)) {
                    Value::Number($op.apply(*x, *y))
                } else {
                    let (x, y) = (rk!(b), rk!(c));
                    slow!(self.arith($op, x, y, rk_reg!(b), rk_reg!(c)))?
                };
                reg!($i.a()) = r;
            }};
        }
        // The JMP that follows every test instruction.
        macro_rules! follow_jump {
            () => {{
                debug_assert!(pc_index!() < cl.proto.code.len());
                // SAFETY: a JMP always follows a test instruction (compiler and verifier).
                let jump = unsafe { *pc };
                jump_by!(1 + jump.sbx());
            }};
        }
        macro_rules! cond_jump {
            ($cond:expr) => {
                if $cond {
                    follow_jump!();
                } else {
                    skip!(1);
                }
            };
        }

        loop {
            if hook_mask & (super::hook::MASK_COUNT | super::hook::MASK_LINE) != 0 {
                // A count hook alone counts down here and leaves the loop only when it fires
                // (as lua5.1's `--hookcount == 0` test does): a host's tick every 100,000
                // instructions must not cost a call per instruction.
                if hook_mask & super::hook::MASK_LINE == 0 && self.hook_countdown > 1 {
                    self.hook_countdown -= 1;
                } else {
                    let r = self.trace_instruction(fi, pc_index!());
                    refresh!();
                    r?;
                }
            }
            debug_assert!(pc_index!() < cl.proto.code.len());
            // SAFETY: see `skip!`: `pc` is inside the function.
            let i = unsafe { *pc };
            skip!(1);
            let ra = i.a();
            // Matching the raw 6-bit field lets the jump table be indexed by it directly.
            match i.0 & 0x3f {
                OP_MOVE => {
                    reg!(ra) = get!(i.b());
                }
                OP_LOADK => {
                    reg!(ra) = *konst!(i.bx());
                }
                OP_LOADBOOL => {
                    reg!(ra) = Value::Boolean(i.b() != 0);
                    if i.c() != 0 {
                        skip!(1);
                    }
                }
                OP_LOADNIL => {
                    for r in ra..=i.b() {
                        reg!(r) = Value::Nil;
                    }
                }
                OP_GETUPVAL => {
                    let u = upval!(i.b());
                    reg!(ra) = self.upval_get(u);
                }
                OP_GETGLOBAL => {
                    let key = *konst!(i.bx());
                    let env = cl.env();
                    let v = match key {
                        Value::String(s) => env.get_str(s),
                        _ => env.get(&key),
                    };
                    reg!(ra) = if v.is_nil() && env.metatable().is_some() {
                        slow!(self.get_index(Value::Table(env), key, None))?
                    } else {
                        v
                    };
                }
                OP_GETTABLE => {
                    let t = reg_ref!(i.b());
                    let key = rk_ref!(i.c());
                    // Every fast outcome is stored straight into the register: passing it
                    // through an `Option` puts the value through memory in two halves and
                    // back as one, which processors cannot forward (a stall per lookup).
                    if let Value::Table(h) = t {
                        // Field names and integer indices are looked up inline.
                        let v = match key {
                            Value::String(s) => h.get_str(*s),
                            Value::Number(n) => {
                                let int_key = crate::number::to_c_long(*n);
                                if int_key as f64 == *n {
                                    h.get_int(int_key)
                                } else {
                                    h.get(key)
                                }
                            }
                            _ => h.get(key),
                        };
                        if !v.is_nil() || h.metatable().is_none() {
                            reg!(ra) = v;
                            continue;
                        }
                        if let Value::String(s) = key {
                            if let Some(v) = self.index_miss_str(*h, *s) {
                                reg!(ra) = v;
                                continue;
                            }
                        }
                    }
                    let (t, key) = (*t, *key);
                    reg!(ra) = slow!(self.get_index(t, key, Some(i.b() as usize)))?;
                }
                OP_SETGLOBAL => {
                    let key = *konst!(i.bx());
                    let env = cl.env();
                    let v = get!(ra);
                    slow!(self.set_index(Value::Table(env), key, v, None))?;
                    check_gc!();
                }
                OP_SETUPVAL => {
                    let u = upval!(i.b());
                    let v = get!(ra);
                    self.upval_set(u, v);
                }
                OP_SETTABLE => {
                    let t = get!(ra);
                    let key = rk!(i.b());
                    let v = rk!(i.c());
                    // Fast path: an existing key of a table (no __newindex applies).
                    let done = match (t, key) {
                        (Value::Table(h), Value::Number(n)) if !h.readonly => {
                            let idx = crate::number::to_c_long(n);
                            idx as f64 == n && h.borrow_mut().overwrite_int(idx, v)
                        }
                        (Value::Table(h), Value::String(s)) if !h.readonly => {
                            if h.borrow_mut().overwrite_str(s, v) {
                                true
                            } else if h.metatable().is_none() {
                                // Not there, and no `__newindex` can apply: insert at once.
                                slow!(self.raw_insert_absent(h, key, v))?;
                                check_gc!();
                                true
                            } else {
                                false
                            }
                        }
                        _ => false,
                    };
                    if !done {
                        slow!(self.set_index(t, key, v, Some(ra as usize)))?;
                        // The table may have grown: a safe point for the memory limit.
                        check_gc!();
                    }
                }
                OP_NEWTABLE => {
                    let t = self.heap.new_table(fb2int(i.b()), fb2int(i.c()));
                    reg!(ra) = Value::Table(t);
                    check_gc!();
                }
                OP_SELFOP => {
                    let obj = get!(i.b());
                    let key = rk!(i.c());
                    reg!(ra + 1) = obj;
                    // As in GETTABLE, fast outcomes go straight to the register.
                    if let (Value::Table(h), Value::String(s)) = (obj, key) {
                        let v = h.get_str(s);
                        if !v.is_nil() || h.metatable().is_none() {
                            reg!(ra) = v;
                            continue;
                        }
                        // Methods found through `__index` tables (classes).
                        if let Some(v) = self.index_miss_str(h, s) {
                            reg!(ra) = v;
                            continue;
                        }
                    }
                    reg!(ra) = slow!(self.get_index(obj, key, Some(i.b() as usize)))?;
                }
                OP_ADD => arith!(ArithOp::Add, i),
                OP_SUB => arith!(ArithOp::Sub, i),
                OP_MUL => arith!(ArithOp::Mul, i),
                OP_DIV => arith!(ArithOp::Div, i),
                OP_MOD => arith!(ArithOp::Mod, i),
                OP_POW => arith!(ArithOp::Pow, i),
                OP_UNM => {
                    reg!(ra) = match reg_ref!(i.b()) {
                        Value::Number(n) => Value::Number(-*n),
                        x => {
                            let x = *x;
                            let r = Some(i.b() as usize);
                            slow!(self.arith(ArithOp::Unm, x, x, r, r))?
                        }
                    };
                }
                OP_NOT => {
                    reg!(ra) = Value::Boolean(reg_ref!(i.b()).is_falsy());
                }
                OP_LEN => {
                    reg!(ra) = match reg_ref!(i.b()) {
                        Value::Table(t) => Value::Number(t.border() as f64),
                        Value::String(s) => Value::Number(s.len() as f64),
                        x => {
                            let x = *x;
                            slow!(self.length(x, Some(i.b() as usize)))?
                        }
                    };
                }
                OP_CONCAT => {
                    let (b, c) = (i.b() as usize, i.c() as usize);
                    slow!(self.concat(base + b, base + c))?;
                    reg!(ra) = get!(b);
                    check_gc!();
                }
                OP_JMP => {
                    jump_by!(i.sbx());
                }
                OP_EQ => {
                    let (x, y) = (rk_ref!(i.b()), rk_ref!(i.c()));
                    let eq = match (x, y) {
                        (Value::Table(_), Value::Table(_))
                        | (Value::UserData(_), Value::UserData(_)) => {
                            let (x, y) = (*x, *y);
                            slow!(self.values_equal(x, y))?
                        }
                        _ => x.raw_equal(y),
                    };
                    cond_jump!(eq == (ra != 0));
                }
                OP_LT => {
                    let lt = match (rk_ref!(i.b()), rk_ref!(i.c())) {
                        (Value::Number(x), Value::Number(y)) => x < y,
                        (x, y) => {
                            let (x, y) = (*x, *y);
                            slow!(self.less_than(x, y))?
                        }
                    };
                    cond_jump!(lt == (ra != 0));
                }
                OP_LE => {
                    let le = match (rk_ref!(i.b()), rk_ref!(i.c())) {
                        (Value::Number(x), Value::Number(y)) => x <= y,
                        (x, y) => {
                            let (x, y) = (*x, *y);
                            slow!(self.less_equal(x, y))?
                        }
                    };
                    cond_jump!(le == (ra != 0));
                }
                OP_TEST => {
                    cond_jump!(reg_ref!(ra).is_falsy() != (i.c() != 0));
                }
                OP_TESTSET => {
                    let v = get!(i.b());
                    if v.is_falsy() != (i.c() != 0) {
                        reg!(ra) = v;
                        follow_jump!();
                    } else {
                        skip!(1);
                    }
                }
                OP_CALL => {
                    let a = base + ra as usize;
                    let b = i.b() as usize;
                    let nresults = i.c() as i32 - 1;
                    if b != 0 {
                        self.top = a + b;
                    } else {
                        open_arguments(&mut self.top, a);
                    }
                    // Fast path: a plain Lua function with room for its frame.
                    if let Value::LuaFunction(callee) = reg!(ra) {
                        if self.frames.len() < self.frame_capacity - 1
                            && hook_mask & super::hook::MASK_CALL == 0
                        {
                            save_pc!();
                            // Switch to the callee here, from what is at hand, rather than
                            // re-reading it all from the frame just pushed.
                            let callee_base = self.push_lua_frame(a, callee, nresults)?;
                            fi += 1;
                            debug_assert_eq!(fi, self.frames.len() - 1);
                            enter!(callee, a, callee_base, 0);
                            // SAFETY: `push_lua_frame` made the stack longer than
                            // `callee_base + max_stack_size`.
                            regs = unsafe { self.stack.as_mut_ptr().add(callee_base) };
                            continue;
                        }
                    }
                    match slow!(self.precall(a, nresults))? {
                        Precall::Lua => {
                            load_frame!();
                            continue;
                        }
                        Precall::Native => {
                            if nresults >= 0 {
                                self.top = self.frames[fi].top;
                            }
                        }
                    }
                }
                OP_TAILCALL => {
                    let a = base + ra as usize;
                    let b = i.b() as usize;
                    if b != 0 {
                        self.top = a + b;
                    } else {
                        open_arguments(&mut self.top, a);
                    }
                    match slow!(self.precall(a, MULTRET))? {
                        Precall::Lua => {
                            self.replace_frame_for_tail_call(fi);
                            load_frame!();
                            continue;
                        }
                        Precall::Native => {}
                    }
                }
                OP_RETURN => {
                    let a = base + ra as usize;
                    let b = i.b() as usize;
                    if !self.open_upvals.is_empty() {
                        self.close_upvalues(base);
                    }
                    debug_assert!(fi < self.frames.len());
                    // SAFETY: `frames[fi]` is the running frame (see `save_pc!`).
                    let (nresults, entry) = {
                        let f = unsafe { self.frames.get_unchecked(fi) };
                        (f.nresults, f.entry)
                    };
                    if nresults == 1 && !entry && hook_mask & super::hook::MASK_RET == 0 {
                        // Fast path: one result back into a Lua caller. B - 1 values are
                        // returned (B = 0: up to `top`); the caller wants the first or nil.
                        let v = if b == 1 || (b == 0 && a >= self.top) {
                            Value::Nil
                        } else {
                            get!(ra)
                        };
                        debug_assert!(func < base);
                        // SAFETY: the function slot is below the frame's registers, inside
                        // the stack, which never shrinks.
                        unsafe { *self.stack.as_mut_ptr().add(func) = v };
                        self.frames.pop();
                        if let Some(caller) = self.frames.last() {
                            self.top = caller.top;
                        }
                        load_frame!();
                        continue;
                    }
                    if b != 0 {
                        self.top = a + b - 1;
                    }
                    if hook_mask & super::hook::MASK_RET != 0 {
                        // No refresh: the frame switch below re-derives everything.
                        save_pc!();
                        self.return_hooks(fi)?;
                    }
                    let fixed = self.poscall(a);
                    if entry {
                        return Ok(());
                    }
                    if fixed {
                        if let Some(caller) = self.frames.last() {
                            self.top = caller.top;
                        }
                    }
                    load_frame!();
                    continue;
                }
                OP_FORLOOP => {
                    if let (Value::Number(idx), Value::Number(limit), Value::Number(step)) =
                        (reg_ref!(ra), reg_ref!(ra + 1), reg_ref!(ra + 2))
                    {
                        let (limit, step) = (*limit, *step);
                        let idx = *idx + step;
                        macro_rules! next_iteration {
                            () => {{
                                jump_by!(i.sbx());
                                reg!(ra) = Value::Number(idx);
                                reg!(ra + 3) = Value::Number(idx);
                            }};
                        }
                        // Separate branches keep the comparisons as jumps.
                        if step > 0.0 {
                            if idx <= limit {
                                next_iteration!();
                            }
                        } else if limit <= idx {
                            next_iteration!();
                        }
                    }
                }
                OP_FORPREP => {
                    save_pc!();
                    let Some(init) = super::meta::to_number(reg_ref!(ra)) else {
                        return Err(self.rt_error("'for' initial value must be a number"));
                    };
                    let Some(limit) = super::meta::to_number(reg_ref!(ra + 1)) else {
                        return Err(self.rt_error("'for' limit must be a number"));
                    };
                    let Some(step) = super::meta::to_number(reg_ref!(ra + 2)) else {
                        return Err(self.rt_error("'for' step must be a number"));
                    };
                    reg!(ra) = Value::Number(init - step);
                    reg!(ra + 1) = Value::Number(limit);
                    reg!(ra + 2) = Value::Number(step);
                    jump_by!(i.sbx());
                }
                OP_TFORLOOP => {
                    let a = base + ra as usize;
                    let cb = ra + 3;
                    reg!(cb + 2) = get!(ra + 2);
                    reg!(cb + 1) = get!(ra + 1);
                    reg!(cb) = get!(ra);
                    self.top = a + 6;
                    slow!(self.call_at(a + 3, 2, i.c() as i32))?;
                    self.top = self.frames[fi].top;
                    let v = get!(cb);
                    if !v.is_nil() {
                        reg!(cb - 1) = v;
                        // Take the loop's backward JMP here, as Lua 5.1 does: the JMP itself
                        // never runs, so hooks neither see nor count it.
                        follow_jump!();
                    } else {
                        skip!(1);
                    }
                }
                OP_SETLIST => {
                    let a = base + ra as usize;
                    let mut n = i.b() as usize;
                    let mut c = i.c() as usize;
                    if n == 0 {
                        // The values up to the top (none if a loaded chunk's code left the
                        // top below them).
                        n = self.top.saturating_sub(a + 1);
                        self.top = self.frames[fi].top;
                    }
                    if c == 0 {
                        // SAFETY: see `skip!`: a zero count is followed by the real one.
                        c = unsafe { (*pc).0 } as usize;
                        skip!(1);
                    }
                    if let Value::Table(h) = reg!(ra) {
                        // Batch 0 (possible only in a loaded chunk) stores below index 1.
                        let last = (c as i64 - 1) * LFIELDS_PER_FLUSH as i64 + n as i64;
                        slow!(self.set_list(h, a, n, last))?;
                        check_gc!();
                    }
                }
                OP_CLOSE => {
                    let a = base + ra as usize;
                    self.close_upvalues(a);
                }
                OP_CLOSURE => {
                    let ncl =
                        self.make_closure(cl, &cl.proto.code[pc_index!()..], base, i.bx() as usize);
                    skip!(cl.proto.protos[i.bx() as usize].num_upvalues as usize);
                    reg!(ra) = Value::LuaFunction(ncl);
                    check_gc!();
                }
                OP_VARARG => {
                    let a = base + ra as usize;
                    let nvar = (base - func - 1).saturating_sub(cl.proto.num_params as usize);
                    slow!(self.copy_varargs(a, base, nvar, i.b() as i32 - 1))?;
                }
                // Numbers past the last opcode are never emitted by the compiler, and
                // `bytecode::verify` refuses them in loaded chunks.
                // SAFETY: so this arm is unreachable; telling the compiler lets it drop the
                // jump table's range check from every dispatch (checked in debug builds).
                _ => {
                    debug_assert!(false, "invalid opcode {}", i.0 & 0x3f);
                    unsafe { std::hint::unreachable_unchecked() }
                }
            }
        }
    }

    /// CLOSURE: a new closure of the `index`th nested function of `cl`, capturing what the
    /// pseudo-instructions at the start of `code` name (upvalues of `cl`, or registers).
    #[inline(never)]
    fn make_closure(
        &mut self,
        cl: crate::gc::Gc<LuaClosure>,
        code: &[crate::bytecode::Instruction],
        base: usize,
        index: usize,
    ) -> crate::gc::Gc<LuaClosure> {
        let p = cl.proto.protos[index];
        let nup = p.num_upvalues as usize;
        // The upvalues are pushed into the new closure in place: a list built on the stack and
        // then moved in is read back, just after its word-sized writes, as wider words, which
        // the processor cannot forward (a stall per closure). Its capacity is final from the
        // start, so the size accounted at allocation does not change.
        let ncl = self.heap.alloc_lua_closure(LuaClosure {
            proto: p,
            upvals: crate::value::UpvalList::with_capacity(nup),
            env: Cell::new(cl.env()),
        });
        for pseudo in code.iter().take(nup) {
            let u = if pseudo.opcode() == OpCode::GetUpval {
                cl.upvals[pseudo.b() as usize]
            } else {
                self.find_upval(base + pseudo.b() as usize)
            };
            ncl.borrow_mut().upvals.push(u);
        }
        ncl
    }

    /// VARARG: copy the `nvar` extra arguments below `base` to `a..`, `wanted` of them (padded
    /// with nil), or all of them with `top` after them when `wanted` is negative.
    #[inline(never)]
    fn copy_varargs(&mut self, a: usize, base: usize, nvar: usize, wanted: i32) -> LuaResult<()> {
        let count = if wanted < 0 {
            self.top = a;
            self.ensure_stack(nvar)?;
            self.top = a + nvar;
            nvar
        } else {
            wanted as usize
        };
        for j in 0..count {
            self.stack[a + j] = if j < nvar {
                self.stack[base - nvar + j]
            } else {
                Value::Nil
            };
        }
        Ok(())
    }

    /// Store `n` values from the registers after `a` into table `h`, ending at index `last`
    /// (SETLIST), growing the array part once first.
    fn set_list(
        &mut self,
        h: crate::gc::Gc<Table>,
        a: usize,
        n: usize,
        last: i64,
    ) -> LuaResult<()> {
        if last > h.array_len() as i64 {
            let before = h.parts_size();
            let r = h.borrow_mut().ensure_array(last as usize);
            self.heap.resized(before, h.parts_size());
            if let Err(e) = r {
                return Err(self.rt_error(e.message()));
            }
        }
        for j in 1..=n {
            let v = self.stack[a + j];
            self.raw_set_int(h, last - n as i64 + j as i64, v)?;
        }
        Ok(())
    }

    /// After `precall` pushed the callee's frame above frame `fi`, move the callee down into
    /// `fi`'s place (a proper tail call: the stack does not grow).
    fn replace_frame_for_tail_call(&mut self, fi: usize) {
        let Some(callee) = self.frames.pop() else {
            return;
        };
        let old = self.frames[fi];
        if !self.open_upvals.is_empty() {
            self.close_upvalues(old.base);
        }
        let func = old.func;
        let pfunc = callee.func;
        let len = self.top - pfunc;
        self.stack.copy_within(pfunc..pfunc + len, func);
        self.top = func + len;
        self.frames[fi] = super::CallInfo {
            func,
            base: func + (callee.base - pfunc),
            top: self.top,
            pc: 0,
            nresults: old.nresults,
            tailcalls: old.tailcalls + 1,
            closure: callee.closure,
            entry: old.entry,
        };
    }
}

/// Before a call taking its arguments up to the top (B = 0): the compiler's code always has
/// the top above the function slot there; a loaded chunk's may not, and then the call has no
/// arguments.
#[inline(always)]
fn open_arguments(top: &mut usize, func: usize) {
    if *top <= func {
        *top = func + 1;
    }
}

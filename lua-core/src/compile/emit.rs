//! Emitting instructions and managing jump lists (the first half of Lua 5.1's `lcode.c`).
//!
//! A jump list threads pending jumps through their own offset fields: each JMP's sBx points to
//! the next jump of the list, and `NO_JUMP` ends it. A list is patched once its target is known.
//! Jumps to "here" are not patched at once but kept in `jpc` until the next instruction is
//! emitted, so that a jump to a jump can be avoided and so that the previous instruction is
//! known not to be a jump target.

use super::expdesc::NO_JUMP;
use super::func_state::FuncState;
use super::ParseError;
use crate::bytecode::{Instruction, OpCode, MAXARG_SBX, NO_REG};

impl FuncState {
    /// The instruction at `pc` (a no-op MOVE if there is none, which cannot happen).
    #[inline]
    pub(crate) fn instr(&self, pc: i32) -> Instruction {
        usize::try_from(pc)
            .ok()
            .and_then(|pc| self.f.code.get(pc))
            .copied()
            .unwrap_or(Instruction(0))
    }

    /// Change the instruction at `pc` in place.
    #[inline]
    pub(crate) fn patch(&mut self, pc: i32, change: impl FnOnce(&mut Instruction)) {
        if let Some(i) = usize::try_from(pc)
            .ok()
            .and_then(|pc| self.f.code.get_mut(pc))
        {
            change(i);
        }
    }

    /// Append an instruction, stamped with the current line; returns its pc (`luaK_code`).
    pub(crate) fn code(&mut self, i: Instruction) -> Result<i32, ParseError> {
        self.discharge_jpc()?;
        self.f.code.push(i);
        self.f.line_info.push(self.line);
        Ok(self.pc() - 1)
    }

    pub(crate) fn code_abc(
        &mut self,
        op: OpCode,
        a: u32,
        b: u32,
        c: u32,
    ) -> Result<i32, ParseError> {
        self.code(Instruction::abc(op, a, b, c))
    }

    pub(crate) fn code_abx(&mut self, op: OpCode, a: u32, bx: u32) -> Result<i32, ParseError> {
        self.code(Instruction::abx(op, a, bx))
    }

    pub(crate) fn code_asbx(&mut self, op: OpCode, a: u32, sbx: i32) -> Result<i32, ParseError> {
        self.code(Instruction::asbx(op, a, sbx))
    }

    /// Give the last instruction emitted this line (`luaK_fixline`).
    pub(crate) fn fix_line(&mut self, line: u32) {
        if let Some(last) = self.f.line_info.last_mut() {
            *last = line;
        }
    }

    /// Set registers `from .. from+n` to nil, merging with a LOADNIL just before when possible
    /// and emitting nothing at the start of a function, where registers are already nil
    /// (`luaK_nil`).
    pub(crate) fn code_nil(&mut self, from: u32, n: u32) -> Result<(), ParseError> {
        if self.pc() > self.last_target {
            // No jump lands here, so the previous instruction always runs before this one.
            if self.pc() == 0 {
                if from >= self.nactvar {
                    return Ok(());
                }
            } else {
                let previous = self.instr(self.pc() - 1);
                if previous.opcode() == OpCode::LoadNil {
                    let (pfrom, pto) = (previous.a(), previous.b());
                    if pfrom <= from && from <= pto + 1 {
                        if from + n - 1 > pto {
                            let last = self.pc() - 1;
                            self.patch(last, |i| i.set_b(from + n - 1));
                        }
                        return Ok(());
                    }
                }
            }
        }
        self.code_abc(OpCode::LoadNil, from, from + n - 1, 0)?;
        Ok(())
    }

    /// Emit a jump to be patched later, carrying along the jumps pending to here
    /// (`luaK_jump`).
    pub(crate) fn jump(&mut self) -> Result<i32, ParseError> {
        let jpc = self.jpc;
        self.jpc = NO_JUMP;
        let mut j = self.code_asbx(OpCode::Jmp, 0, NO_JUMP)?;
        self.concat(&mut j, jpc)?;
        Ok(j)
    }

    /// Emit `return R(first) .. R(first+nret-1)` (`nret` = -1: up to the top).
    pub(crate) fn ret(&mut self, first: u32, nret: i32) -> Result<(), ParseError> {
        self.code_abc(OpCode::Return, first, (nret + 1) as u32, 0)?;
        Ok(())
    }

    /// Emit a test instruction followed by the jump it controls; returns the jump's pc.
    pub(crate) fn cond_jump(
        &mut self,
        op: OpCode,
        a: u32,
        b: u32,
        c: u32,
    ) -> Result<i32, ParseError> {
        self.code_abc(op, a, b, c)?;
        self.jump()
    }

    /// Make the jump at `pc` go to `dest`.
    fn fix_jump(&mut self, pc: i32, dest: i32) -> Result<(), ParseError> {
        let offset = dest - (pc + 1);
        if offset.abs() > MAXARG_SBX {
            return Err(ParseError::Syntax("control structure too long".into()));
        }
        self.patch(pc, |i| i.set_sbx(offset));
        Ok(())
    }

    /// The current pc, marked as a jump target so nothing is merged across it
    /// (`luaK_getlabel`).
    pub(crate) fn get_label(&mut self) -> i32 {
        self.last_target = self.pc();
        self.pc()
    }

    /// The next jump in the list after the one at `pc`.
    fn get_jump(&self, pc: i32) -> i32 {
        let offset = self.instr(pc).sbx();
        if offset == NO_JUMP {
            // A jump to itself marks the end of the list.
            NO_JUMP
        } else {
            pc + 1 + offset
        }
    }

    /// The instruction controlling the jump at `pc`: the test before it, if any.
    fn jump_control_pc(&self, pc: i32) -> i32 {
        if pc >= 1 && self.instr(pc - 1).opcode().is_test() {
            pc - 1
        } else {
            pc
        }
    }

    /// Does some jump of the list need a value to be loaded (its test is not a TESTSET that
    /// already produces it)?
    pub(crate) fn need_value(&self, mut list: i32) -> bool {
        while list != NO_JUMP {
            if self.instr(self.jump_control_pc(list)).opcode() != OpCode::TestSet {
                return true;
            }
            list = self.get_jump(list);
        }
        false
    }

    /// Make the TESTSET controlling the jump at `node` store into `reg`, or turn it into a
    /// plain TEST when there is no register to set or the value is already there. Returns
    /// false when the jump is not controlled by a TESTSET.
    fn patch_test_reg(&mut self, node: i32, reg: u32) -> bool {
        let control = self.jump_control_pc(node);
        let i = self.instr(control);
        if i.opcode() != OpCode::TestSet {
            return false;
        }
        if reg != NO_REG && reg != i.b() {
            self.patch(control, |i| i.set_a(reg));
        } else {
            self.patch(control, |x| {
                *x = Instruction::abc(OpCode::Test, i.b(), 0, i.c())
            });
        }
        true
    }

    /// Turn every TESTSET of the list into a TEST: the values are not wanted.
    pub(crate) fn remove_values(&mut self, mut list: i32) {
        while list != NO_JUMP {
            self.patch_test_reg(list, NO_REG);
            list = self.get_jump(list);
        }
    }

    /// Patch a list: jumps whose TESTSET produces a value go to `vtarget` (storing into `reg`),
    /// the others to `dtarget`.
    pub(crate) fn patch_list_aux(
        &mut self,
        mut list: i32,
        vtarget: i32,
        reg: u32,
        dtarget: i32,
    ) -> Result<(), ParseError> {
        while list != NO_JUMP {
            let next = self.get_jump(list);
            if self.patch_test_reg(list, reg) {
                self.fix_jump(list, vtarget)?;
            } else {
                self.fix_jump(list, dtarget)?;
            }
            list = next;
        }
        Ok(())
    }

    /// Patch the jumps pending to here now that an instruction is emitted here.
    fn discharge_jpc(&mut self) -> Result<(), ParseError> {
        let (jpc, pc) = (self.jpc, self.pc());
        self.jpc = NO_JUMP;
        self.patch_list_aux(jpc, pc, NO_REG, pc)
    }

    /// Make every jump of the list go to `target` (`luaK_patchlist`).
    pub(crate) fn patch_list(&mut self, list: i32, target: i32) -> Result<(), ParseError> {
        if target == self.pc() {
            self.patch_to_here(list)
        } else {
            debug_assert!(target < self.pc());
            self.patch_list_aux(list, target, NO_REG, target)
        }
    }

    /// Make every jump of the list go to the next instruction emitted (`luaK_patchtohere`).
    pub(crate) fn patch_to_here(&mut self, list: i32) -> Result<(), ParseError> {
        self.get_label();
        let mut jpc = self.jpc;
        self.concat(&mut jpc, list)?;
        self.jpc = jpc;
        Ok(())
    }

    /// Append list `l2` to list `l1` (`luaK_concat`).
    pub(crate) fn concat(&mut self, l1: &mut i32, l2: i32) -> Result<(), ParseError> {
        if l2 == NO_JUMP {
            return Ok(());
        }
        if *l1 == NO_JUMP {
            *l1 = l2;
            return Ok(());
        }
        let mut list = *l1;
        loop {
            let next = self.get_jump(list);
            if next == NO_JUMP {
                break;
            }
            list = next;
        }
        self.fix_jump(list, l2)
    }

    /// Store list items `base+1 ..` into the table at `base` (`luaK_setlist`); `to_store` = -1
    /// stores up to the top.
    pub(crate) fn set_list(
        &mut self,
        base: u32,
        nelems: u32,
        to_store: i32,
    ) -> Result<(), ParseError> {
        use crate::bytecode::{LFIELDS_PER_FLUSH, MAXARG_C};
        let c = (nelems.saturating_sub(1)) / LFIELDS_PER_FLUSH + 1;
        let b = if to_store < 0 { 0 } else { to_store as u32 };
        if c <= MAXARG_C {
            self.code_abc(OpCode::SetList, base, b, c)?;
        } else {
            // The block number does not fit in C: it goes in the next word.
            self.code_abc(OpCode::SetList, base, b, 0)?;
            self.code(Instruction(c))?;
        }
        self.free_reg = base + 1;
        Ok(())
    }
}

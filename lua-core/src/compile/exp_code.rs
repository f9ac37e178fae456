//! Turning expression descriptors into code (the second half of Lua 5.1's `lcode.c`):
//! placing values in registers, stores, conditions and jumps, operators with constant folding.

use super::expdesc::{BinOpr, ExpDesc, ExpKind, UnOpr, NO_JUMP};
use super::func_state::FuncState;
use super::ParseError;
use crate::bytecode::{rk_as_k, OpCode, MAXINDEXRK, NO_REG};

/// "Any number of results".
pub(crate) const MULTRET: i32 = -1;

impl FuncState {
    /// The register an expression already sits in (a local or a temporary).
    pub(crate) fn exp_reg(e: &ExpDesc) -> u32 {
        match e.k {
            ExpKind::NonReloc(r) | ExpKind::Local(r) => r,
            _ => {
                debug_assert!(false, "expression not in a register: {:?}", e.k);
                0
            }
        }
    }

    pub(crate) fn free_exp(&mut self, e: &ExpDesc) {
        self.free_exp_kind(e.k);
    }

    /// Fix how many results an open call or `...` produces (`luaK_setreturns`).
    pub(crate) fn set_returns(&mut self, e: &mut ExpDesc, nresults: i32) -> Result<(), ParseError> {
        match e.k {
            ExpKind::Call(pc) => self.patch(pc, |i| i.set_c((nresults + 1) as u32)),
            ExpKind::Vararg(pc) => {
                let free = self.free_reg;
                self.patch(pc, |i| {
                    i.set_b((nresults + 1) as u32);
                    i.set_a(free);
                });
                self.reserve_regs(1)?;
            }
            _ => {}
        }
        Ok(())
    }

    pub(crate) fn set_multret(&mut self, e: &mut ExpDesc) -> Result<(), ParseError> {
        self.set_returns(e, MULTRET)
    }

    /// Make an open call or `...` produce exactly one value (`luaK_setoneret`).
    pub(crate) fn set_one_ret(&mut self, e: &mut ExpDesc) {
        match e.k {
            ExpKind::Call(pc) => e.k = ExpKind::NonReloc(self.instr(pc).a()),
            ExpKind::Vararg(pc) => {
                self.patch(pc, |i| i.set_b(2));
                e.k = ExpKind::Relocable(pc);
            }
            _ => {}
        }
    }

    /// Turn a variable into a value: emit the load of an upvalue, global or field, leaving its
    /// target register open (`luaK_dischargevars`).
    pub(crate) fn discharge_vars(&mut self, e: &mut ExpDesc) -> Result<(), ParseError> {
        match e.k {
            ExpKind::Local(r) => e.k = ExpKind::NonReloc(r),
            ExpKind::Upval(idx) => {
                e.k = ExpKind::Relocable(self.code_abc(OpCode::GetUpval, 0, idx, 0)?);
            }
            ExpKind::Global(name) => {
                e.k = ExpKind::Relocable(self.code_abx(OpCode::GetGlobal, 0, name)?);
            }
            ExpKind::Indexed { table, key } => {
                self.free_register(key);
                self.free_register(table);
                e.k = ExpKind::Relocable(self.code_abc(OpCode::GetTable, 0, table, key)?);
            }
            ExpKind::Call(_) | ExpKind::Vararg(_) => self.set_one_ret(e),
            _ => {}
        }
        Ok(())
    }

    /// Emit a LOADBOOL that may be a jump target.
    fn code_label(&mut self, a: u32, b: u32, jump: u32) -> Result<i32, ParseError> {
        self.get_label();
        self.code_abc(OpCode::LoadBool, a, b, jump)
    }

    /// Put the value (not its jumps) in register `reg`.
    fn discharge_to_reg(&mut self, e: &mut ExpDesc, reg: u32) -> Result<(), ParseError> {
        self.discharge_vars(e)?;
        match e.k {
            ExpKind::Nil => self.code_nil(reg, 1)?,
            ExpKind::False | ExpKind::True => {
                let b = u32::from(e.k == ExpKind::True);
                self.code_abc(OpCode::LoadBool, reg, b, 0)?;
            }
            ExpKind::K(k) => {
                self.code_abx(OpCode::LoadK, reg, k)?;
            }
            ExpKind::KNum(n) => {
                let k = self.number_constant(n)?;
                self.code_abx(OpCode::LoadK, reg, k)?;
            }
            ExpKind::Relocable(pc) => self.patch(pc, |i| i.set_a(reg)),
            ExpKind::NonReloc(r) => {
                if r != reg {
                    self.code_abc(OpCode::Move, reg, r, 0)?;
                }
            }
            // Void or Jmp: nothing to put anywhere.
            _ => return Ok(()),
        }
        e.k = ExpKind::NonReloc(reg);
        Ok(())
    }

    fn discharge_to_any_reg(&mut self, e: &mut ExpDesc) -> Result<(), ParseError> {
        if !matches!(e.k, ExpKind::NonReloc(_)) {
            self.reserve_regs(1)?;
            self.discharge_to_reg(e, self.free_reg - 1)?;
        }
        Ok(())
    }

    /// Put the value, jumps included, in register `reg` (`exp2reg`): conditions that do not
    /// produce their value get LOADBOOLs to load `false` or `true`.
    fn exp_to_reg(&mut self, e: &mut ExpDesc, reg: u32) -> Result<(), ParseError> {
        self.discharge_to_reg(e, reg)?;
        if let ExpKind::Jmp(pc) = e.k {
            let mut t = e.t;
            self.concat(&mut t, pc)?;
            e.t = t;
        }
        if e.has_jumps() {
            let mut load_false = NO_JUMP;
            let mut load_true = NO_JUMP;
            if self.need_value(e.t) || self.need_value(e.f) {
                let fj = if matches!(e.k, ExpKind::Jmp(_)) {
                    NO_JUMP
                } else {
                    self.jump()?
                };
                load_false = self.code_label(reg, 0, 1)?;
                load_true = self.code_label(reg, 1, 0)?;
                self.patch_to_here(fj)?;
            }
            let end = self.get_label();
            self.patch_list_aux(e.f, end, reg, load_false)?;
            self.patch_list_aux(e.t, end, reg, load_true)?;
        }
        e.t = NO_JUMP;
        e.f = NO_JUMP;
        e.k = ExpKind::NonReloc(reg);
        Ok(())
    }

    /// Put the value in the next free register (`luaK_exp2nextreg`).
    pub(crate) fn exp_to_next_reg(&mut self, e: &mut ExpDesc) -> Result<(), ParseError> {
        self.discharge_vars(e)?;
        self.free_exp(e);
        self.reserve_regs(1)?;
        self.exp_to_reg(e, self.free_reg - 1)
    }

    /// Put the value in some register and return it (`luaK_exp2anyreg`).
    pub(crate) fn exp_to_any_reg(&mut self, e: &mut ExpDesc) -> Result<u32, ParseError> {
        self.discharge_vars(e)?;
        if let ExpKind::NonReloc(r) = e.k {
            if !e.has_jumps() {
                return Ok(r);
            }
            if r >= self.nactvar {
                // A temporary: the value can be completed in place.
                self.exp_to_reg(e, r)?;
                return Ok(r);
            }
        }
        self.exp_to_next_reg(e)?;
        Ok(Self::exp_reg(e))
    }

    /// Make the expression a value (in a register or a constant) (`luaK_exp2val`).
    pub(crate) fn exp_to_val(&mut self, e: &mut ExpDesc) -> Result<(), ParseError> {
        if e.has_jumps() {
            self.exp_to_any_reg(e)?;
            Ok(())
        } else {
            self.discharge_vars(e)
        }
    }

    /// Make the expression an RK operand: a constant index if it fits, else a register
    /// (`luaK_exp2RK`).
    pub(crate) fn exp_to_rk(&mut self, e: &mut ExpDesc) -> Result<u32, ParseError> {
        self.exp_to_val(e)?;
        match e.k {
            // A constant not yet in the table, while the table can still be named by RK.
            ExpKind::KNum(_) | ExpKind::True | ExpKind::False | ExpKind::Nil
                if self.num_constants() <= MAXINDEXRK =>
            {
                let k = match e.k {
                    ExpKind::Nil => self.nil_constant()?,
                    ExpKind::KNum(n) => self.number_constant(n)?,
                    _ => self.bool_constant(e.k == ExpKind::True)?,
                };
                e.k = ExpKind::K(k);
                return Ok(rk_as_k(k));
            }
            ExpKind::K(k) if k <= MAXINDEXRK => return Ok(rk_as_k(k)),
            _ => {}
        }
        self.exp_to_any_reg(e)
    }

    /// Assign `ex` to the variable `var` (`luaK_storevar`).
    pub(crate) fn store_var(&mut self, var: &ExpDesc, ex: &mut ExpDesc) -> Result<(), ParseError> {
        match var.k {
            ExpKind::Local(reg) => {
                self.free_exp(ex);
                return self.exp_to_reg(ex, reg);
            }
            ExpKind::Upval(idx) => {
                let e = self.exp_to_any_reg(ex)?;
                self.code_abc(OpCode::SetUpval, e, idx, 0)?;
            }
            ExpKind::Global(name) => {
                let e = self.exp_to_any_reg(ex)?;
                self.code_abx(OpCode::SetGlobal, e, name)?;
            }
            ExpKind::Indexed { table, key } => {
                let e = self.exp_to_rk(ex)?;
                self.code_abc(OpCode::SetTable, table, key, e)?;
            }
            _ => debug_assert!(false, "invalid variable kind to store"),
        }
        self.free_exp(ex);
        Ok(())
    }

    /// `e:key` — load the method and the object into two fresh registers (`luaK_self`).
    pub(crate) fn code_self(
        &mut self,
        e: &mut ExpDesc,
        key: &mut ExpDesc,
    ) -> Result<(), ParseError> {
        self.exp_to_any_reg(e)?;
        self.free_exp(e);
        let func = self.free_reg;
        self.reserve_regs(2)?;
        let object = Self::exp_reg(e);
        let k = self.exp_to_rk(key)?;
        self.code_abc(OpCode::SelfOp, func, object, k)?;
        self.free_exp(key);
        e.k = ExpKind::NonReloc(func);
        Ok(())
    }

    /// Negate the condition of the comparison controlling the jump of `e`.
    fn invert_jump(&mut self, e: &ExpDesc) {
        if let ExpKind::Jmp(pc) = e.k {
            let control = if pc >= 1 && self.instr(pc - 1).opcode().is_test() {
                pc - 1
            } else {
                pc
            };
            self.patch(control, |i| {
                let a = i.a();
                i.set_a(u32::from(a == 0));
            });
        }
    }

    /// Emit a test of `e` and a jump taken when its truth is `cond`; returns the jump.
    fn jump_on_cond(&mut self, e: &mut ExpDesc, cond: bool) -> Result<i32, ParseError> {
        if let ExpKind::Relocable(pc) = e.k {
            let i = self.instr(pc);
            if i.opcode() == OpCode::Not {
                // Test the operand of the NOT instead, with the condition reversed.
                self.f.code.pop();
                self.f.line_info.pop();
                return self.cond_jump(OpCode::Test, i.b(), 0, u32::from(!cond));
            }
        }
        self.discharge_to_any_reg(e)?;
        self.free_exp(e);
        let reg = Self::exp_reg(e);
        self.cond_jump(OpCode::TestSet, NO_REG, reg, u32::from(cond))
    }

    /// Go on when `e` is true, jump away when false (`luaK_goiftrue`).
    pub(crate) fn go_if_true(&mut self, e: &mut ExpDesc) -> Result<(), ParseError> {
        self.discharge_vars(e)?;
        let pc = match e.k {
            // Always true: nothing to test.
            ExpKind::K(_) | ExpKind::KNum(_) | ExpKind::True => NO_JUMP,
            ExpKind::Jmp(pc) => {
                self.invert_jump(e);
                pc
            }
            _ => self.jump_on_cond(e, false)?,
        };
        let mut f = e.f;
        self.concat(&mut f, pc)?;
        e.f = f;
        self.patch_to_here(e.t)?;
        e.t = NO_JUMP;
        Ok(())
    }

    /// Go on when `e` is false, jump away when true (`luaK_goiffalse`).
    fn go_if_false(&mut self, e: &mut ExpDesc) -> Result<(), ParseError> {
        self.discharge_vars(e)?;
        let pc = match e.k {
            // Always false: nothing to test.
            ExpKind::Nil | ExpKind::False => NO_JUMP,
            ExpKind::Jmp(pc) => pc,
            _ => self.jump_on_cond(e, true)?,
        };
        let mut t = e.t;
        self.concat(&mut t, pc)?;
        e.t = t;
        self.patch_to_here(e.f)?;
        e.f = NO_JUMP;
        Ok(())
    }

    fn code_not(&mut self, e: &mut ExpDesc) -> Result<(), ParseError> {
        self.discharge_vars(e)?;
        match e.k {
            ExpKind::Nil | ExpKind::False => e.k = ExpKind::True,
            ExpKind::K(_) | ExpKind::KNum(_) | ExpKind::True => e.k = ExpKind::False,
            ExpKind::Jmp(_) => self.invert_jump(e),
            ExpKind::Relocable(_) | ExpKind::NonReloc(_) => {
                self.discharge_to_any_reg(e)?;
                self.free_exp(e);
                let reg = Self::exp_reg(e);
                e.k = ExpKind::Relocable(self.code_abc(OpCode::Not, 0, reg, 0)?);
            }
            _ => debug_assert!(false, "cannot negate {:?}", e.k),
        }
        // The true and false exits swap; they no longer produce values.
        std::mem::swap(&mut e.t, &mut e.f);
        self.remove_values(e.f);
        self.remove_values(e.t);
        Ok(())
    }

    /// `t[k]`: `t` is in a register (`luaK_indexed`).
    pub(crate) fn indexed(&mut self, t: &mut ExpDesc, k: &mut ExpDesc) -> Result<(), ParseError> {
        let key = self.exp_to_rk(k)?;
        let table = Self::exp_reg(t);
        t.k = ExpKind::Indexed { table, key };
        Ok(())
    }

    /// Emit an arithmetic instruction (or fold it when both operands are numerals).
    fn code_arith(
        &mut self,
        op: OpCode,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
    ) -> Result<(), ParseError> {
        if let Some(r) = fold_constants(op, e1, e2) {
            e1.k = ExpKind::KNum(r);
            return Ok(());
        }
        let o2 = if op != OpCode::Unm && op != OpCode::Len {
            self.exp_to_rk(e2)?
        } else {
            0
        };
        let o1 = self.exp_to_rk(e1)?;
        // Free the temporaries from the top down.
        if o1 > o2 {
            self.free_exp(e1);
            self.free_exp(e2);
        } else {
            self.free_exp(e2);
            self.free_exp(e1);
        }
        e1.k = ExpKind::Relocable(self.code_abc(op, 0, o1, o2)?);
        Ok(())
    }

    fn code_comp(
        &mut self,
        op: OpCode,
        cond: bool,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
    ) -> Result<(), ParseError> {
        let mut o1 = self.exp_to_rk(e1)?;
        let mut o2 = self.exp_to_rk(e2)?;
        self.free_exp(e2);
        self.free_exp(e1);
        let mut cond = cond;
        if !cond && op != OpCode::Eq {
            // `a > b` is compiled as `b < a`, `a >= b` as `b <= a`.
            std::mem::swap(&mut o1, &mut o2);
            cond = true;
        }
        e1.k = ExpKind::Jmp(self.cond_jump(op, u32::from(cond), o1, o2)?);
        Ok(())
    }

    /// Apply a unary operator (`luaK_prefix`).
    pub(crate) fn prefix(&mut self, op: UnOpr, e: &mut ExpDesc) -> Result<(), ParseError> {
        let mut e2 = ExpDesc::new(ExpKind::KNum(0.0));
        match op {
            UnOpr::Minus => {
                if e.numeral().is_none() {
                    // Only numerals can be folded.
                    self.exp_to_any_reg(e)?;
                }
                self.code_arith(OpCode::Unm, e, &mut e2)
            }
            UnOpr::Not => self.code_not(e),
            UnOpr::Len => {
                self.exp_to_any_reg(e)?;
                self.code_arith(OpCode::Len, e, &mut e2)
            }
        }
    }

    /// Prepare the left operand of a binary operator before the right one is read
    /// (`luaK_infix`).
    pub(crate) fn infix(&mut self, op: BinOpr, v: &mut ExpDesc) -> Result<(), ParseError> {
        match op {
            BinOpr::And => self.go_if_true(v),
            BinOpr::Or => self.go_if_false(v),
            // Concatenated operands must be in consecutive registers.
            BinOpr::Concat => self.exp_to_next_reg(v),
            BinOpr::Add | BinOpr::Sub | BinOpr::Mul | BinOpr::Div | BinOpr::Mod | BinOpr::Pow => {
                if v.numeral().is_none() {
                    self.exp_to_rk(v)?;
                }
                Ok(())
            }
            _ => {
                self.exp_to_rk(v)?;
                Ok(())
            }
        }
    }

    /// Combine both operands of a binary operator (`luaK_posfix`).
    pub(crate) fn posfix(
        &mut self,
        op: BinOpr,
        e1: &mut ExpDesc,
        e2: &mut ExpDesc,
    ) -> Result<(), ParseError> {
        match op {
            BinOpr::And => {
                debug_assert_eq!(e1.t, NO_JUMP);
                self.discharge_vars(e2)?;
                let mut f = e2.f;
                self.concat(&mut f, e1.f)?;
                e2.f = f;
                *e1 = *e2;
                Ok(())
            }
            BinOpr::Or => {
                debug_assert_eq!(e1.f, NO_JUMP);
                self.discharge_vars(e2)?;
                let mut t = e2.t;
                self.concat(&mut t, e1.t)?;
                e2.t = t;
                *e1 = *e2;
                Ok(())
            }
            BinOpr::Concat => {
                self.exp_to_val(e2)?;
                if let ExpKind::Relocable(pc) = e2.k {
                    if self.instr(pc).opcode() == OpCode::Concat {
                        // `a .. (b .. c)`: extend the CONCAT of the right operand downwards.
                        let first = Self::exp_reg(e1);
                        debug_assert_eq!(first + 1, self.instr(pc).b());
                        self.free_exp(e1);
                        self.patch(pc, |i| i.set_b(first));
                        e1.k = ExpKind::Relocable(pc);
                        return Ok(());
                    }
                }
                self.exp_to_next_reg(e2)?;
                self.code_arith(OpCode::Concat, e1, e2)
            }
            BinOpr::Add => self.code_arith(OpCode::Add, e1, e2),
            BinOpr::Sub => self.code_arith(OpCode::Sub, e1, e2),
            BinOpr::Mul => self.code_arith(OpCode::Mul, e1, e2),
            BinOpr::Div => self.code_arith(OpCode::Div, e1, e2),
            BinOpr::Mod => self.code_arith(OpCode::Mod, e1, e2),
            BinOpr::Pow => self.code_arith(OpCode::Pow, e1, e2),
            BinOpr::Eq => self.code_comp(OpCode::Eq, true, e1, e2),
            BinOpr::Ne => self.code_comp(OpCode::Eq, false, e1, e2),
            BinOpr::Lt => self.code_comp(OpCode::Lt, true, e1, e2),
            BinOpr::Le => self.code_comp(OpCode::Le, true, e1, e2),
            BinOpr::Gt => self.code_comp(OpCode::Lt, false, e1, e2),
            BinOpr::Ge => self.code_comp(OpCode::Le, false, e1, e2),
        }
    }
}

/// The folded value of `e1 op e2` when both are numerals, except where Lua 5.1 declines:
/// division or modulo by zero, and results that are NaN.
fn fold_constants(op: OpCode, e1: &ExpDesc, e2: &ExpDesc) -> Option<f64> {
    let (v1, v2) = (e1.numeral()?, e2.numeral()?);
    let r = match op {
        OpCode::Add => v1 + v2,
        OpCode::Sub => v1 - v2,
        OpCode::Mul => v1 * v2,
        OpCode::Div if v2 != 0.0 => v1 / v2,
        OpCode::Mod if v2 != 0.0 => v1 - (v1 / v2).floor() * v2,
        OpCode::Pow => v1.powf(v2),
        OpCode::Unm => -v1,
        _ => return None,
    };
    if r.is_nan() {
        None
    } else {
        Some(r)
    }
}

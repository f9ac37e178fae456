//! Arithmetic with string coercion and metamethods (`luaV_arith`).

use super::meta::to_number;
use super::{LuaResult, State, Tm};
use crate::value::Value;

/// An arithmetic operator.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Unm,
}

impl ArithOp {
    fn event(self) -> Tm {
        match self {
            ArithOp::Add => Tm::Add,
            ArithOp::Sub => Tm::Sub,
            ArithOp::Mul => Tm::Mul,
            ArithOp::Div => Tm::Div,
            ArithOp::Mod => Tm::Mod,
            ArithOp::Pow => Tm::Pow,
            ArithOp::Unm => Tm::Unm,
        }
    }

    /// The operation on numbers, as Lua 5.1 defines it (`%` floors, `^` is C's `pow`).
    #[inline(always)]
    pub(crate) fn apply(self, a: f64, b: f64) -> f64 {
        match self {
            ArithOp::Add => a + b,
            ArithOp::Sub => a - b,
            ArithOp::Mul => a * b,
            ArithOp::Div => a / b,
            ArithOp::Mod => lua_mod(a, b),
            ArithOp::Pow => a.powf(b),
            ArithOp::Unm => -a,
        }
    }
}

/// `a % b` as Lua 5.1 computes it: `a - floor(a/b)*b`.
#[inline(always)]
pub(crate) fn lua_mod(a: f64, b: f64) -> f64 {
    a - (a / b).floor() * b
}

impl State {
    /// The slow path of an arithmetic instruction: coercion, then the metamethod of either
    /// operand, else `attempt to perform arithmetic on ...` naming the bad operand.
    /// `rb`/`rc` are the operands' registers (None for constants).
    pub(crate) fn arith(
        &mut self,
        op: ArithOp,
        a: Value,
        b: Value,
        ra: Option<usize>,
        rb: Option<usize>,
    ) -> LuaResult<Value> {
        if let (Some(x), Some(y)) = (to_number(&a), to_number(&b)) {
            return Ok(Value::Number(op.apply(x, y)));
        }
        let event = op.event();
        let mut tm = self.metamethod(&a, event);
        if tm.is_nil() {
            tm = self.metamethod(&b, event);
        }
        if tm.is_nil() {
            let (bad, reg) = if to_number(&a).is_none() { (a, ra) } else { (b, rb) };
            return Err(self.type_error(&bad, reg, "perform arithmetic on"));
        }
        self.call_tm_res(tm, a, b)
    }
}

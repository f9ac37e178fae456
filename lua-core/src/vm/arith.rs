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
    a - floor(a / b) * b
}

/// `floor` without a libm call for the common magnitudes (a portable build has no SSE4.1
/// rounding instruction, so `f64::floor` is a function call).
#[inline(always)]
pub(crate) fn floor(x: f64) -> f64 {
    // Below 2^52 in magnitude a double may have a fraction; truncation through i64 is exact.
    if x.abs() < 4_503_599_627_370_496.0 {
        let t = crate::number::to_c_long(x) as f64;
        let f = if t > x { t - 1.0 } else { t };
        // The floor has the sign of `x`; this only changes floor(-0.0), which is -0.0.
        f.copysign(x)
    } else {
        x.floor()
    }
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
            let (bad, reg) = if to_number(&a).is_none() {
                (a, ra)
            } else {
                (b, rb)
            };
            return Err(self.type_error(&bad, reg, "perform arithmetic on"));
        }
        self.call_tm_res(tm, a, b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_matches_libm() {
        for &x in &[
            0.0,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            2.5,
            -2.5,
            1e15 + 0.5,
            -1e15 - 0.5,
            1e300,
            -1e300,
            4503599627370495.5,
        ] {
            assert_eq!(floor(x).to_bits(), x.floor().to_bits(), "floor({})", x);
        }
        assert!(floor(f64::NAN).is_nan());
        assert_eq!(floor(f64::INFINITY), f64::INFINITY);
    }

    #[test]
    fn modulo_follows_lua_5_1() {
        assert_eq!(lua_mod(5.0, 3.0), 2.0);
        assert_eq!(lua_mod(-5.0, 3.0), 1.0);
        assert_eq!(lua_mod(5.0, -3.0), -1.0);
        assert_eq!(lua_mod(5.5, 2.0), 1.5);
    }
}

//! Expression descriptors and operators.
//!
//! The parser never builds a tree: an expression is described by an `ExpDesc` saying where its
//! value is (a constant, a register, a variable, an instruction whose target register is still
//! open...), and code is emitted only when the value is needed somewhere, so that it lands
//! directly in the register where it is wanted. Conditions carry two lists of pending jumps:
//! those to take when the expression is true (`t`) and when it is false (`f`).

/// The end of a jump list (and "no jump").
pub(crate) const NO_JUMP: i32 = -1;

/// Where an expression's value is.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum ExpKind {
    /// No value (an empty expression list).
    Void,
    Nil,
    True,
    False,
    /// A constant of the function, by index.
    K(u32),
    /// A numeric constant not yet in the constant table (so it can still be folded).
    KNum(f64),
    /// A local variable, in this register.
    Local(u32),
    /// An upvalue, by index.
    Upval(u32),
    /// A global variable; the constant index of its name.
    Global(u32),
    /// `table[key]`: the table's register and the key as an RK operand.
    Indexed {
        table: u32,
        key: u32,
    },
    /// A comparison or test whose result is a jump: the pc of that jump.
    Jmp(i32),
    /// The result of the instruction at this pc, whose target register A is not yet fixed.
    Relocable(i32),
    /// A value sitting in this register.
    NonReloc(u32),
    /// A call instruction at this pc (its number of results is still open).
    Call(i32),
    /// A VARARG instruction at this pc (its number of results is still open).
    Vararg(i32),
}

/// An expression being compiled: where its value is, plus its pending jump lists.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct ExpDesc {
    pub(crate) k: ExpKind,
    /// Jumps to patch to where the expression is true.
    pub(crate) t: i32,
    /// Jumps to patch to where the expression is false.
    pub(crate) f: i32,
}

impl ExpDesc {
    pub(crate) fn new(k: ExpKind) -> Self {
        ExpDesc {
            k,
            t: NO_JUMP,
            f: NO_JUMP,
        }
    }

    pub(crate) fn void() -> Self {
        Self::new(ExpKind::Void)
    }

    pub(crate) fn has_jumps(&self) -> bool {
        self.t != self.f
    }

    /// A call or `...`: an expression that can produce any number of values.
    pub(crate) fn has_multret(&self) -> bool {
        matches!(self.k, ExpKind::Call(_) | ExpKind::Vararg(_))
    }

    /// A numeric constant without pending jumps (a candidate for constant folding).
    pub(crate) fn numeral(&self) -> Option<f64> {
        match self.k {
            ExpKind::KNum(n) if self.t == NO_JUMP && self.f == NO_JUMP => Some(n),
            _ => None,
        }
    }
}

/// Binary operators, in Lua 5.1's order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinOpr {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Concat,
    Ne,
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinOpr {
    /// Left and right binding priorities: an operator continues an expression whose limit is
    /// below its left priority, and reads its right operand with its right priority (lower on
    /// the right for the right-associative `..` and `^`).
    pub(crate) fn priority(self) -> (u8, u8) {
        match self {
            BinOpr::Add | BinOpr::Sub => (6, 6),
            BinOpr::Mul | BinOpr::Div | BinOpr::Mod => (7, 7),
            BinOpr::Pow => (10, 9),
            BinOpr::Concat => (5, 4),
            BinOpr::Ne | BinOpr::Eq | BinOpr::Lt | BinOpr::Le | BinOpr::Gt | BinOpr::Ge => (3, 3),
            BinOpr::And => (2, 2),
            BinOpr::Or => (1, 1),
        }
    }
}

/// Unary operators.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UnOpr {
    Minus,
    Not,
    Len,
}

/// Priority of the operand of a unary operator: binds tighter than anything but `^`.
pub(crate) const UNARY_PRIORITY: u8 = 8;

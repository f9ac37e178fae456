//! The bytecode: instruction encoding, the opcode table, and function prototypes.
//!
//! The instruction set and its encoding are those of Lua 5.1, so a listing of our bytecode can be
//! compared line by line with `luac5.1 -l`, and the debug machinery that names variables in error
//! messages (`attempt to index local 'x'`) reads the same patterns PUC Lua's does.
//!
//! An instruction is 32 bits:
//! ```text
//!  31      23 22     14 13     6 5    0
//! |    B     |    C    |    A   |  op  |     iABC
//! |         Bx         |    A   |  op  |     iABx / iAsBx (sBx = Bx - MAXARG_SBX)
//! ```
//! B and C name a register, or, when their top bit (`BITRK`) is set, a constant (`RK(x)`).

mod dump;
mod listing;
mod opcodes;
mod undump;
mod verify;

pub use dump::dump;
pub use listing::{list_proto, list_proto_with_addresses};
pub use opcodes::{OpArgMode, OpCode, OpMode};
pub use undump::{undump, HEADER as BINARY_HEADER, SIGNATURE_BYTE as BINARY_SIGNATURE_BYTE};
pub use verify::verify;

pub const SIZE_OP: u32 = 6;
pub const SIZE_A: u32 = 8;
pub const SIZE_B: u32 = 9;
pub const SIZE_C: u32 = 9;
pub const SIZE_BX: u32 = SIZE_B + SIZE_C;
pub const POS_A: u32 = SIZE_OP;
pub const POS_C: u32 = POS_A + SIZE_A;
pub const POS_B: u32 = POS_C + SIZE_C;
pub const POS_BX: u32 = POS_C;

pub const MAXARG_A: u32 = (1 << SIZE_A) - 1;
pub const MAXARG_B: u32 = (1 << SIZE_B) - 1;
pub const MAXARG_C: u32 = (1 << SIZE_C) - 1;
pub const MAXARG_BX: u32 = (1 << SIZE_BX) - 1;
pub const MAXARG_SBX: i32 = (MAXARG_BX >> 1) as i32;

/// Set in a B or C operand when it names a constant rather than a register.
pub const BITRK: u32 = 1 << (SIZE_B - 1);
/// The largest constant index an RK operand can hold.
pub const MAXINDEXRK: u32 = BITRK - 1;
/// Array items stored by one SETLIST.
pub const LFIELDS_PER_FLUSH: u32 = 50;
/// The "no register" value of a jump list / unused operand.
pub const NO_REG: u32 = MAXARG_A;

/// `is_vararg` flags of a prototype (as in Lua 5.1's `lobject.h`).
pub const VARARG_HASARG: u8 = 1;
pub const VARARG_ISVARARG: u8 = 2;
pub const VARARG_NEEDSARG: u8 = 4;

/// `true` when an RK operand names a constant.
#[inline(always)]
pub fn is_k(x: u32) -> bool {
    x & BITRK != 0
}

/// The constant index held by an RK operand that names a constant.
#[inline(always)]
pub fn index_k(x: u32) -> u32 {
    x & !BITRK
}

/// Encode a constant index as an RK operand.
#[inline(always)]
pub fn rk_as_k(x: u32) -> u32 {
    x | BITRK
}

/// One encoded instruction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
#[repr(transparent)]
pub struct Instruction(pub u32);

impl Instruction {
    #[inline(always)]
    pub fn abc(op: OpCode, a: u32, b: u32, c: u32) -> Self {
        Instruction((op as u32) | (a << POS_A) | (b << POS_B) | (c << POS_C))
    }
    #[inline(always)]
    pub fn abx(op: OpCode, a: u32, bx: u32) -> Self {
        Instruction((op as u32) | (a << POS_A) | (bx << POS_BX))
    }
    #[inline(always)]
    pub fn asbx(op: OpCode, a: u32, sbx: i32) -> Self {
        Self::abx(op, a, (sbx + MAXARG_SBX) as u32)
    }
    #[inline(always)]
    pub fn opcode(self) -> OpCode {
        OpCode::from_u8((self.0 & ((1 << SIZE_OP) - 1)) as u8)
    }
    /// The raw 6-bit opcode field (which may exceed the last opcode in untrusted code).
    #[inline(always)]
    pub fn opcode_number(self) -> u32 {
        self.0 & ((1 << SIZE_OP) - 1)
    }
    #[inline(always)]
    pub fn a(self) -> u32 {
        (self.0 >> POS_A) & MAXARG_A
    }
    #[inline(always)]
    pub fn b(self) -> u32 {
        (self.0 >> POS_B) & MAXARG_B
    }
    #[inline(always)]
    pub fn c(self) -> u32 {
        (self.0 >> POS_C) & MAXARG_C
    }
    #[inline(always)]
    pub fn bx(self) -> u32 {
        (self.0 >> POS_BX) & MAXARG_BX
    }
    #[inline(always)]
    pub fn sbx(self) -> i32 {
        self.bx() as i32 - MAXARG_SBX
    }
    pub fn set_opcode(&mut self, op: OpCode) {
        self.0 = (self.0 & !((1 << SIZE_OP) - 1)) | op as u32;
    }
    pub fn set_a(&mut self, a: u32) {
        self.0 = (self.0 & !(MAXARG_A << POS_A)) | (a << POS_A);
    }
    pub fn set_b(&mut self, b: u32) {
        self.0 = (self.0 & !(MAXARG_B << POS_B)) | (b << POS_B);
    }
    pub fn set_c(&mut self, c: u32) {
        self.0 = (self.0 & !(MAXARG_C << POS_C)) | (c << POS_C);
    }
    pub fn set_bx(&mut self, bx: u32) {
        self.0 = (self.0 & !(MAXARG_BX << POS_BX)) | (bx << POS_BX);
    }
    pub fn set_sbx(&mut self, sbx: i32) {
        self.set_bx((sbx + MAXARG_SBX) as u32);
    }
}

/// A constant of a function prototype. Lua 5.1 constants are only these four kinds.
#[derive(Clone, Debug, PartialEq)]
pub enum Constant {
    Nil,
    Boolean(bool),
    Number(f64),
    /// A byte string: any bytes, not necessarily UTF-8.
    String(Vec<u8>),
}

/// A local variable's name and the pc range where it is active (for debug information).
#[derive(Clone, Debug)]
pub struct LocVar {
    pub name: Box<[u8]>,
    /// First pc where the variable is active.
    pub start_pc: u32,
    /// First pc where the variable is dead.
    pub end_pc: u32,
}

/// A compiled function: what the compiler produces and the VM loads.
#[derive(Clone, Debug, Default)]
pub struct Proto {
    pub code: Vec<Instruction>,
    pub constants: Vec<Constant>,
    /// Functions defined inside this one, indexed by CLOSURE's Bx.
    pub protos: Vec<Proto>,
    /// Source line of each instruction (same length as `code`).
    pub line_info: Vec<u32>,
    pub loc_vars: Vec<LocVar>,
    pub upvalue_names: Vec<Box<[u8]>>,
    /// The chunk name as given to the compiler (`=stdin`, `@file.lua`, or the source text).
    pub source: std::rc::Rc<[u8]>,
    pub line_defined: u32,
    pub last_line_defined: u32,
    pub num_upvalues: u8,
    pub num_params: u8,
    /// `VARARG_*` flags.
    pub is_vararg: u8,
    pub max_stack_size: u8,
}

//! The opcode table: each opcode is declared once, with its operand modes and its semantics.
//!
//! Notation (as in Lua 5.1's `lopcodes.h`): `R(x)` is a register, `Kst(x)` a constant,
//! `RK(x)` a register or a constant (see `BITRK`), `UpValue[x]` an upvalue of the running closure,
//! `Gbl[x]` a field of the running closure's environment.

/// How an instruction's operands are laid out.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OpMode {
    ABC,
    ABx,
    AsBx,
}

/// What a B or C operand means, for the code generator and the debug symbolic execution.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OpArgMode {
    /// Not used.
    N,
    /// Used, but not a register or constant.
    U,
    /// A register or a jump offset.
    R,
    /// A constant or register/constant.
    K,
}

macro_rules! opcodes {
    ($( $(#[doc = $doc:literal])* $name:ident = $text:literal, test: $t:literal, sets_a: $a:literal,
        b: $b:ident, c: $c:ident, mode: $mode:ident; )*) => {
        /// A Lua 5.1 opcode.
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[repr(u8)]
        pub enum OpCode { $( $(#[doc = $doc])* $name, )* }

        const ALL: &[OpCode] = &[ $(OpCode::$name),* ];
        const NAMES: &[&str] = &[ $($text),* ];
        const TEST_MODE: &[bool] = &[ $($t != 0),* ];
        const SETS_A: &[bool] = &[ $($a != 0),* ];
        const B_MODE: &[OpArgMode] = &[ $(OpArgMode::$b),* ];
        const C_MODE: &[OpArgMode] = &[ $(OpArgMode::$c),* ];
        const MODES: &[OpMode] = &[ $(OpMode::$mode),* ];
    };
}

opcodes! {
    /// `R(A) := R(B)`
    Move = "MOVE", test: 0, sets_a: 1, b: R, c: N, mode: ABC;
    /// `R(A) := Kst(Bx)`
    LoadK = "LOADK", test: 0, sets_a: 1, b: K, c: N, mode: ABx;
    /// `R(A) := (Bool)B; if (C) pc++`
    LoadBool = "LOADBOOL", test: 0, sets_a: 1, b: U, c: U, mode: ABC;
    /// `R(A) := ... := R(B) := nil`
    LoadNil = "LOADNIL", test: 0, sets_a: 1, b: R, c: N, mode: ABC;
    /// `R(A) := UpValue[B]`
    GetUpval = "GETUPVAL", test: 0, sets_a: 1, b: U, c: N, mode: ABC;
    /// `R(A) := Gbl[Kst(Bx)]`
    GetGlobal = "GETGLOBAL", test: 0, sets_a: 1, b: K, c: N, mode: ABx;
    /// `R(A) := R(B)[RK(C)]`
    GetTable = "GETTABLE", test: 0, sets_a: 1, b: R, c: K, mode: ABC;
    /// `Gbl[Kst(Bx)] := R(A)`
    SetGlobal = "SETGLOBAL", test: 0, sets_a: 0, b: K, c: N, mode: ABx;
    /// `UpValue[B] := R(A)`
    SetUpval = "SETUPVAL", test: 0, sets_a: 0, b: U, c: N, mode: ABC;
    /// `R(A)[RK(B)] := RK(C)`
    SetTable = "SETTABLE", test: 0, sets_a: 0, b: K, c: K, mode: ABC;
    /// `R(A) := {} (array size B, hash size C, both as "floating point bytes")`
    NewTable = "NEWTABLE", test: 0, sets_a: 1, b: U, c: U, mode: ABC;
    /// `R(A+1) := R(B); R(A) := R(B)[RK(C)]`
    SelfOp = "SELF", test: 0, sets_a: 1, b: R, c: K, mode: ABC;
    /// `R(A) := RK(B) + RK(C)`
    Add = "ADD", test: 0, sets_a: 1, b: K, c: K, mode: ABC;
    /// `R(A) := RK(B) - RK(C)`
    Sub = "SUB", test: 0, sets_a: 1, b: K, c: K, mode: ABC;
    /// `R(A) := RK(B) * RK(C)`
    Mul = "MUL", test: 0, sets_a: 1, b: K, c: K, mode: ABC;
    /// `R(A) := RK(B) / RK(C)`
    Div = "DIV", test: 0, sets_a: 1, b: K, c: K, mode: ABC;
    /// `R(A) := RK(B) % RK(C)`
    Mod = "MOD", test: 0, sets_a: 1, b: K, c: K, mode: ABC;
    /// `R(A) := RK(B) ^ RK(C)`
    Pow = "POW", test: 0, sets_a: 1, b: K, c: K, mode: ABC;
    /// `R(A) := -R(B)`
    Unm = "UNM", test: 0, sets_a: 1, b: R, c: N, mode: ABC;
    /// `R(A) := not R(B)`
    Not = "NOT", test: 0, sets_a: 1, b: R, c: N, mode: ABC;
    /// `R(A) := length of R(B)`
    Len = "LEN", test: 0, sets_a: 1, b: R, c: N, mode: ABC;
    /// `R(A) := R(B).. ... ..R(C)`
    Concat = "CONCAT", test: 0, sets_a: 1, b: R, c: R, mode: ABC;
    /// `pc += sBx`
    Jmp = "JMP", test: 0, sets_a: 0, b: R, c: N, mode: AsBx;
    /// `if ((RK(B) == RK(C)) ~= A) then pc++`
    Eq = "EQ", test: 1, sets_a: 0, b: K, c: K, mode: ABC;
    /// `if ((RK(B) <  RK(C)) ~= A) then pc++`
    Lt = "LT", test: 1, sets_a: 0, b: K, c: K, mode: ABC;
    /// `if ((RK(B) <= RK(C)) ~= A) then pc++`
    Le = "LE", test: 1, sets_a: 0, b: K, c: K, mode: ABC;
    /// `if not (R(A) <=> C) then pc++`
    Test = "TEST", test: 1, sets_a: 1, b: R, c: U, mode: ABC;
    /// `if (R(B) <=> C) then R(A) := R(B) else pc++`
    TestSet = "TESTSET", test: 1, sets_a: 1, b: R, c: U, mode: ABC;
    /// `R(A), ... ,R(A+C-2) := R(A)(R(A+1), ... ,R(A+B-1))`; B = 0: arguments up to top;
    /// C = 0: keep every result (sets top).
    Call = "CALL", test: 0, sets_a: 1, b: U, c: U, mode: ABC;
    /// `return R(A)(R(A+1), ... ,R(A+B-1))`
    TailCall = "TAILCALL", test: 0, sets_a: 1, b: U, c: U, mode: ABC;
    /// `return R(A), ... ,R(A+B-2)`; B = 0: return up to top.
    Return = "RETURN", test: 0, sets_a: 0, b: U, c: N, mode: ABC;
    /// `R(A) += R(A+2); if R(A) <?= R(A+1) then { pc += sBx; R(A+3) := R(A) }`
    ForLoop = "FORLOOP", test: 0, sets_a: 1, b: R, c: N, mode: AsBx;
    /// `R(A) -= R(A+2); pc += sBx`
    ForPrep = "FORPREP", test: 0, sets_a: 1, b: R, c: N, mode: AsBx;
    /// `R(A+3), ... ,R(A+2+C) := R(A)(R(A+1), R(A+2)); if R(A+3) ~= nil then R(A+2) := R(A+3) else pc++`
    TForLoop = "TFORLOOP", test: 1, sets_a: 0, b: N, c: U, mode: ABC;
    /// `R(A)[(C-1)*FPF+i] := R(A+i), 1 <= i <= B`; B = 0: up to top; C = 0: C is the next word.
    SetList = "SETLIST", test: 0, sets_a: 0, b: U, c: U, mode: ABC;
    /// Close every upvalue of a stack slot at or above `R(A)`.
    Close = "CLOSE", test: 0, sets_a: 0, b: N, c: N, mode: ABC;
    /// `R(A) := closure(KPROTO[Bx], R(A), ... ,R(A+n))`; followed by one MOVE or GETUPVAL
    /// per upvalue of the new closure, naming what it captures.
    Closure = "CLOSURE", test: 0, sets_a: 1, b: U, c: N, mode: ABx;
    /// `R(A), R(A+1), ..., R(A+B-2) = vararg`; B = 0: all of them (sets top).
    Vararg = "VARARG", test: 0, sets_a: 1, b: U, c: N, mode: ABC;
}

/// Number of opcodes.
pub const NUM_OPCODES: usize = ALL.len();

/// Opcode numbers to opcodes, for every 6-bit value (numbers past the last opcode, which our
/// compiler never emits, decode as `Move`), so decoding needs no bounds check.
const DECODE: [OpCode; 64] = {
    let mut table = [OpCode::Move; 64];
    let mut i = 0;
    while i < NUM_OPCODES {
        table[i] = ALL[i];
        i += 1;
    }
    table
};

impl OpCode {
    /// Decode an opcode number. Bytecode only ever comes from our own compiler, so the number is
    /// always valid; an out-of-range number decodes as `Move` rather than panicking.
    #[inline(always)]
    pub fn from_u8(x: u8) -> OpCode {
        DECODE[(x & 63) as usize]
    }
    /// The upper-case name used in listings (`GETGLOBAL`).
    pub fn name(self) -> &'static str {
        NAMES[self as usize]
    }
    /// The next instruction is a jump taken depending on this one's outcome.
    pub fn is_test(self) -> bool {
        TEST_MODE[self as usize]
    }
    /// The instruction writes register A.
    pub fn sets_a(self) -> bool {
        SETS_A[self as usize]
    }
    pub fn b_mode(self) -> OpArgMode {
        B_MODE[self as usize]
    }
    pub fn c_mode(self) -> OpArgMode {
        C_MODE[self as usize]
    }
    pub fn mode(self) -> OpMode {
        MODES[self as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opcode_numbers_match_lua_5_1() {
        assert_eq!(NUM_OPCODES, 38);
        assert_eq!(OpCode::Move as u8, 0);
        assert_eq!(OpCode::Add as u8, 12);
        assert_eq!(OpCode::Jmp as u8, 22);
        assert_eq!(OpCode::Call as u8, 28);
        assert_eq!(OpCode::Vararg as u8, 37);
        for (i, op) in ALL.iter().enumerate() {
            assert_eq!(OpCode::from_u8(i as u8), *op);
        }
    }
}

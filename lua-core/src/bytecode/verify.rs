//! The bytecode verifier: what a prototype read from a binary chunk must satisfy before the VM
//! runs it.
//!
//! The VM reads registers, constants and upvalues and moves its pc without bounds checks,
//! trusting the compiler's word (see `vm/execute.rs`). Code that did not come from the
//! compiler is first held to every invariant the VM relies on. The checks are those of Lua
//! 5.1.5's `luaG_checkcode` (so a chunk lua5.1 refuses as `bad code` is refused here too),
//! closed where that verifier left holes the compiler never exercises:
//! LOADBOOL skips the next instruction whenever C is not 0, where lua5.1 checked only C = 1.
//!
//! What the verifier leaves to the VM (as lua5.1 does) is made harmless there: an instruction
//! taking its operands up to the stack top may find the top below its first operand
//! (`execute.rs` treats that as no operands), a SETLIST batch number of 0 stores below index
//! 1, and TFORLOOP's copies to A+3..A+5 land in the slots kept past every frame
//! (`call.rs`'s `EXTRA_STACK`).

use super::{
    index_k, is_k, Constant, Instruction, OpArgMode, OpCode, OpMode, Proto, VARARG_HASARG,
    VARARG_ISVARARG, VARARG_NEEDSARG,
};

/// The most registers a function may use (`MAXSTACK`).
const MAX_STACK: usize = 250;

/// Whether `p` (not its nested functions, which are checked as they are read) is safe to run.
pub fn verify(p: &Proto) -> bool {
    check(p).is_some()
}

macro_rules! ensure {
    ($cond:expr) => {
        if !$cond {
            return None;
        }
    };
}

fn check(p: &Proto) -> Option<()> {
    let max_stack = p.max_stack_size as usize;
    let size = p.code.len();
    ensure!(max_stack <= MAX_STACK);
    ensure!(p.num_params as usize + (p.is_vararg & VARARG_HASARG) as usize <= max_stack);
    ensure!(p.is_vararg & VARARG_NEEDSARG == 0 || p.is_vararg & VARARG_HASARG != 0);
    ensure!(p.upvalue_names.len() <= p.num_upvalues as usize);
    ensure!(p.line_info.len() == size || p.line_info.is_empty());
    ensure!(size > 0 && p.code[size - 1].opcode_number() == OpCode::Return as u32);

    let count_words = setlist_count_words(&p.code);
    let is_count = |pc: usize| count_words.get(pc).copied().unwrap_or(false);
    let reg = |r: usize| r < max_stack;
    let operand = |x: u32, mode: OpArgMode| match mode {
        OpArgMode::N => x == 0,
        OpArgMode::U => true,
        OpArgMode::R => reg(x as usize),
        OpArgMode::K => {
            if is_k(x) {
                (index_k(x) as usize) < p.constants.len()
            } else {
                reg(x as usize)
            }
        }
    };

    let mut pc = 0;
    while pc < size {
        let i = p.code[pc];
        ensure!((i.opcode_number() as usize) < super::opcodes::NUM_OPCODES);
        let op = i.opcode();
        let a = i.a() as usize;
        ensure!(reg(a));
        match op.mode() {
            OpMode::ABC => {
                ensure!(operand(i.b(), op.b_mode()));
                ensure!(operand(i.c(), op.c_mode()));
            }
            OpMode::ABx => {
                if op.b_mode() == OpArgMode::K {
                    ensure!((i.bx() as usize) < p.constants.len());
                }
            }
            OpMode::AsBx => {
                if op.b_mode() == OpArgMode::R {
                    let dest = jump_target(pc, i.sbx(), size)?;
                    ensure!(!is_count(dest));
                }
            }
        }
        if op.is_test() {
            ensure!(pc + 2 < size);
            ensure!(p.code[pc + 1].opcode() == OpCode::Jmp);
        }
        let (b, c) = (i.b() as usize, i.c() as usize);
        match op {
            OpCode::LoadBool if c != 0 => {
                ensure!(pc + 2 < size);
                ensure!(!is_count(pc + 2));
            }
            OpCode::GetUpval | OpCode::SetUpval => ensure!(b < p.num_upvalues as usize),
            OpCode::GetGlobal | OpCode::SetGlobal => {
                ensure!(matches!(
                    p.constants.get(i.bx() as usize),
                    Some(Constant::String(_))
                ));
            }
            OpCode::SelfOp => ensure!(reg(a + 1)),
            OpCode::Concat => ensure!(b < c),
            OpCode::TForLoop => {
                ensure!(c >= 1);
                ensure!(reg(a + 2 + c));
            }
            OpCode::ForLoop | OpCode::ForPrep => ensure!(reg(a + 3)),
            OpCode::Call | OpCode::TailCall => {
                if b != 0 {
                    ensure!(reg(a + b - 1));
                }
                if c == 0 {
                    open_result_consumer(p, pc)?;
                } else if c > 1 {
                    ensure!(reg(a + c - 2));
                }
            }
            OpCode::Return => {
                if b > 1 {
                    ensure!(reg(a + b - 2));
                }
            }
            OpCode::SetList => {
                if b > 0 {
                    ensure!(reg(a + b));
                }
                if c == 0 {
                    // The next word is the batch number, not an instruction.
                    pc += 1;
                    ensure!(pc < size - 1);
                }
            }
            OpCode::Closure => {
                let child = p.protos.get(i.bx() as usize)?;
                let nup = child.num_upvalues as usize;
                ensure!(pc + nup < size);
                for pseudo in &p.code[pc + 1..=pc + nup] {
                    ensure!(matches!(pseudo.opcode(), OpCode::GetUpval | OpCode::Move));
                }
                // The pseudo-instructions are checked as instructions in the next rounds:
                // a jump may land on them.
            }
            OpCode::Vararg => {
                ensure!(p.is_vararg & VARARG_ISVARARG != 0);
                ensure!(p.is_vararg & VARARG_NEEDSARG == 0);
                if b == 0 {
                    open_result_consumer(p, pc)?;
                } else if b > 1 {
                    ensure!(reg(a + b - 2));
                }
            }
            _ => {}
        }
        pc += 1;
    }
    Some(())
}

/// `pc + 1 + offset`, when it is inside the function.
fn jump_target(pc: usize, offset: i32, size: usize) -> Option<usize> {
    let dest = pc as i64 + 1 + offset as i64;
    (0..size as i64).contains(&dest).then_some(dest as usize)
}

/// After an instruction leaving a variable number of values up to the stack top, the next one
/// must take them: a CALL, TAILCALL, RETURN or SETLIST with B = 0.
fn open_result_consumer(p: &Proto, pc: usize) -> Option<()> {
    let next = *p.code.get(pc + 1)?;
    ensure!(next.b() == 0);
    ensure!(matches!(
        next.opcode_number(),
        x if x == OpCode::Call as u32
            || x == OpCode::TailCall as u32
            || x == OpCode::Return as u32
            || x == OpCode::SetList as u32
    ));
    Some(())
}

/// Which words are SETLIST batch numbers (the word after a SETLIST with C = 0), found as the
/// VM meets them: in order from the first word.
fn setlist_count_words(code: &[Instruction]) -> Vec<bool> {
    let mut counts = vec![false; code.len()];
    let mut pc = 0;
    while pc < code.len() {
        let i = code[pc];
        if i.opcode_number() == OpCode::SetList as u32 && i.c() == 0 && pc + 1 < code.len() {
            counts[pc + 1] = true;
            pc += 1;
        }
        pc += 1;
    }
    counts
}

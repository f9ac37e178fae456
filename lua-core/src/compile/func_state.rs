//! The state kept while one function is compiled: the prototype being filled, the register
//! allocation, the active local variables and blocks, the upvalues, and the constant table with
//! its index for reuse.

use std::collections::hash_map::RandomState;
use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::rc::Rc;

use super::expdesc::{ExpKind, NO_JUMP};
use super::ParseError;
use crate::bytecode::{Constant, Instruction, LocVar, Proto, MAXARG_BX};

/// Most local variables active at once in a function (`LUAI_MAXVARS`).
pub(crate) const MAX_VARS: u32 = 200;
/// Most upvalues of a function (`LUAI_MAXUPVALUES`).
pub(crate) const MAX_UPVALUES: u32 = 60;
/// Registers available to a function (`MAXSTACK`).
pub(crate) const MAX_STACK: u32 = 250;
/// Most entries in a function's debug list of local variables (`SHRT_MAX`).
const MAX_LOCVARS: usize = i16::MAX as usize;

/// A hasher for keys that are already hashes with a secret key (see `StringIndex`): it passes
/// them through.
#[derive(Default)]
struct PassThrough(u64);

impl Hasher for PassThrough {
    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used; fold anything else in anyway.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// What an upvalue of the function captures from the enclosing one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum UpvalSource {
    /// A local variable of the enclosing function, in this register.
    Local(u32),
    /// An upvalue of the enclosing function, by index.
    Upval(u32),
}

/// A block (loop body, `do ... end`, branch...), for scoping and `break`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Block {
    /// Jumps out of the loop (pending `break`s).
    pub(crate) break_list: i32,
    /// Active locals outside the block.
    pub(crate) nactvar: u32,
    /// Some local of the block is captured as an upvalue (its registers need closing).
    pub(crate) has_upval: bool,
    /// The block is a loop (`break` leaves it).
    pub(crate) is_loop: bool,
}

/// Working storage of a function's compilation. It is handed from each finished function to
/// the next one, so that compiling many small functions does not allocate it anew each time.
#[derive(Default)]
pub(crate) struct Scratch {
    /// Growing room for the prototype's vectors; the prototype gets exact-size copies.
    code: Vec<Instruction>,
    line_info: Vec<u32>,
    constants: Vec<Constant>,
    loc_vars: Vec<LocVar>,
    actvar: Vec<u16>,
    pub(crate) upvalues: Vec<UpvalSource>,
    blocks: Vec<Block>,
    string_k: StringIndex,
    /// Numeric constants by the bits of their value. The keys come from the program being
    /// compiled, so they are hashed with a secret key (no crafted collisions).
    number_k: HashMap<u64, u32>,
}

/// Where each string constant is, without copying the strings: a map from a string's hash to
/// its last constant with that hash, and for each constant the previous one with the same hash.
/// Strings are hashed with a secret key, so a program cannot make its strings collide.
#[derive(Default)]
struct StringIndex {
    hasher: RandomState,
    by_hash: HashMap<u64, u32, BuildHasherDefault<PassThrough>>,
    /// For constant `i`, the previous constant whose string has the same hash (`u32::MAX`:
    /// none). Sized like the constant table.
    same_hash: Vec<u32>,
}

impl StringIndex {
    fn clear(&mut self) {
        self.by_hash.clear();
        self.same_hash.clear();
    }

    fn hash(&self, s: &[u8]) -> u64 {
        self.hasher.hash_one(s)
    }

    /// The index of `s` among `constants`, if it is there; `hash` is `self.hash(s)`.
    fn find(&self, constants: &[Constant], s: &[u8], hash: u64) -> Option<u32> {
        let mut i = *self.by_hash.get(&hash)?;
        loop {
            if let Some(Constant::String(k)) = constants.get(i as usize) {
                if k.as_slice() == s {
                    return Some(i);
                }
            }
            i = *self.same_hash.get(i as usize)?;
        }
    }

    /// Record that constant `i` (the last one) is a string with this hash.
    fn insert(&mut self, i: u32, hash: u64) {
        self.same_hash.resize(i as usize, u32::MAX);
        let previous = self.by_hash.insert(hash, i).unwrap_or(u32::MAX);
        self.same_hash.push(previous);
    }
}

impl Scratch {
    /// Empty it for the next function, keeping its storage.
    pub(crate) fn clear(&mut self) {
        self.code.clear();
        self.line_info.clear();
        self.constants.clear();
        self.loc_vars.clear();
        self.actvar.clear();
        self.upvalues.clear();
        self.blocks.clear();
        self.string_k.clear();
        self.number_k.clear();
    }
}

/// The state of one function under compilation (Lua's `FuncState`).
pub(crate) struct FuncState {
    /// The prototype being built.
    pub(crate) f: Proto,
    /// Line stamped on new instructions: where the last token consumed ended.
    pub(crate) line: u32,
    /// pc of the last jump target (instructions before it may not be merged with new ones).
    pub(crate) last_target: i32,
    /// Jumps pending to the next instruction emitted.
    pub(crate) jpc: i32,
    /// First free register.
    pub(crate) free_reg: u32,
    /// Number of active local variables (they occupy the first registers).
    pub(crate) nactvar: u32,
    /// For each declared local variable, in register order, its index in `f.loc_vars`.
    actvar: Vec<u16>,
    /// What each upvalue captures.
    pub(crate) upvalues: Vec<UpvalSource>,
    /// The chain of enclosing blocks, innermost last.
    pub(crate) blocks: Vec<Block>,
    /// Constants already in `f.constants`, for reuse.
    string_k: StringIndex,
    number_k: HashMap<u64, u32>,
    nil_k: Option<u32>,
    bool_k: [Option<u32>; 2],
}

impl FuncState {
    /// A function starting on `line_defined`, with cleared working storage.
    pub(crate) fn new(source: Rc<[u8]>, line_defined: u32, line: u32, scratch: Scratch) -> Self {
        let f = Proto {
            code: scratch.code,
            line_info: scratch.line_info,
            constants: scratch.constants,
            loc_vars: scratch.loc_vars,
            source,
            line_defined,
            // Registers 0 and 1 are always valid.
            max_stack_size: 2,
            ..Proto::default()
        };
        FuncState {
            f,
            line,
            last_target: -1,
            jpc: NO_JUMP,
            free_reg: 0,
            nactvar: 0,
            actvar: scratch.actvar,
            upvalues: scratch.upvalues,
            blocks: scratch.blocks,
            string_k: scratch.string_k,
            number_k: scratch.number_k,
            nil_k: None,
            bool_k: [None, None],
        }
    }

    /// The finished prototype, and the working storage (still holding the upvalue sources).
    pub(crate) fn into_parts(mut self) -> (Proto, Scratch) {
        /// Move the contents into a vector of exact size, keeping the roomy one.
        fn shrink<T>(v: &mut Vec<T>) -> Vec<T> {
            let mut exact = Vec::with_capacity(v.len());
            exact.append(v);
            std::mem::replace(v, exact)
        }
        let scratch = Scratch {
            code: shrink(&mut self.f.code),
            line_info: shrink(&mut self.f.line_info),
            constants: shrink(&mut self.f.constants),
            loc_vars: shrink(&mut self.f.loc_vars),
            actvar: self.actvar,
            upvalues: self.upvalues,
            blocks: self.blocks,
            string_k: self.string_k,
            number_k: self.number_k,
        };
        (self.f, scratch)
    }

    /// Next pc to be emitted.
    #[inline]
    pub(crate) fn pc(&self) -> i32 {
        self.f.code.len() as i32
    }

    /// The error for exceeding one of the function's limits (`errorlimit`).
    pub(crate) fn limit_error(&self, limit: u32, what: &str) -> ParseError {
        let msg = if self.f.line_defined == 0 {
            format!("main function has more than {limit} {what}")
        } else {
            format!(
                "function at line {} has more than {limit} {what}",
                self.f.line_defined
            )
        };
        ParseError::NoNear(msg)
    }

    // ---- constants ----

    fn add_constant(&mut self, k: Constant) -> Result<u32, ParseError> {
        if self.f.constants.len() >= MAXARG_BX as usize {
            return Err(ParseError::Bare("constant table overflow"));
        }
        self.f.constants.push(k);
        Ok(self.f.constants.len() as u32 - 1)
    }

    /// The index of a string constant, added if new.
    pub(crate) fn string_constant(&mut self, s: &[u8]) -> Result<u32, ParseError> {
        let hash = self.string_k.hash(s);
        if let Some(i) = self.string_k.find(&self.f.constants, s, hash) {
            return Ok(i);
        }
        let i = self.add_constant(Constant::String(s.to_vec()))?;
        self.string_k.insert(i, hash);
        Ok(i)
    }

    /// The index of a numeric constant, added if new. Numbers are looked up by value, so `0`
    /// and `-0` share one entry (the first one seen), as in Lua 5.1.
    pub(crate) fn number_constant(&mut self, n: f64) -> Result<u32, ParseError> {
        let key = if n == 0.0 { 0 } else { n.to_bits() };
        if let Some(&i) = self.number_k.get(&key) {
            return Ok(i);
        }
        let i = self.add_constant(Constant::Number(n))?;
        self.number_k.insert(key, i);
        Ok(i)
    }

    pub(crate) fn bool_constant(&mut self, b: bool) -> Result<u32, ParseError> {
        let slot = usize::from(b);
        if let Some(Some(i)) = self.bool_k.get(slot) {
            return Ok(*i);
        }
        let i = self.add_constant(Constant::Boolean(b))?;
        if let Some(entry) = self.bool_k.get_mut(slot) {
            *entry = Some(i);
        }
        Ok(i)
    }

    pub(crate) fn nil_constant(&mut self) -> Result<u32, ParseError> {
        if let Some(i) = self.nil_k {
            return Ok(i);
        }
        let i = self.add_constant(Constant::Nil)?;
        self.nil_k = Some(i);
        Ok(i)
    }

    /// Number of constants so far.
    pub(crate) fn num_constants(&self) -> u32 {
        self.f.constants.len() as u32
    }

    // ---- registers ----

    /// Make sure `n` more registers fit (`luaK_checkstack`).
    pub(crate) fn check_stack(&mut self, n: u32) -> Result<(), ParseError> {
        let new_stack = self.free_reg + n;
        if new_stack > u32::from(self.f.max_stack_size) {
            if new_stack >= MAX_STACK {
                return Err(ParseError::Syntax(
                    "function or expression too complex".into(),
                ));
            }
            self.f.max_stack_size = new_stack as u8;
        }
        Ok(())
    }

    /// Take the next `n` registers (`luaK_reserveregs`).
    pub(crate) fn reserve_regs(&mut self, n: u32) -> Result<(), ParseError> {
        self.check_stack(n)?;
        self.free_reg += n;
        Ok(())
    }

    /// Give back a register that held a temporary value (`freereg`). Registers of locals and
    /// constant operands are not temporaries.
    pub(crate) fn free_register(&mut self, reg: u32) {
        if !crate::bytecode::is_k(reg) && reg >= self.nactvar {
            self.free_reg = self.free_reg.saturating_sub(1);
            debug_assert_eq!(reg, self.free_reg);
        }
    }

    /// Give back the register of an expression that holds a temporary value (`freeexp`).
    pub(crate) fn free_exp_kind(&mut self, k: ExpKind) {
        if let ExpKind::NonReloc(reg) = k {
            self.free_register(reg);
        }
    }

    // ---- local variables ----

    /// Declare the `n`-th of a group of new local variables, not yet active (`new_localvar`).
    pub(crate) fn new_local(&mut self, name: &[u8], n: u32) -> Result<(), ParseError> {
        if self.nactvar + n + 1 > MAX_VARS {
            return Err(self.limit_error(MAX_VARS, "local variables"));
        }
        if self.f.loc_vars.len() >= MAX_LOCVARS {
            return Err(ParseError::Bare("too many local variables"));
        }
        let index = self.f.loc_vars.len() as u16;
        self.f.loc_vars.push(LocVar {
            name: name.into(),
            start_pc: 0,
            end_pc: 0,
        });
        self.actvar.truncate((self.nactvar + n) as usize);
        self.actvar.push(index);
        Ok(())
    }

    /// The debug entry of the `i`-th active local variable.
    pub(crate) fn local_var(&mut self, i: u32) -> Option<&mut LocVar> {
        let index = *self.actvar.get(i as usize)?;
        self.f.loc_vars.get_mut(index as usize)
    }

    /// Activate the last `n` declared locals (`adjustlocalvars`).
    pub(crate) fn activate_locals(&mut self, n: u32) {
        self.nactvar += n;
        let pc = self.pc() as u32;
        for i in self.nactvar - n..self.nactvar {
            if let Some(var) = self.local_var(i) {
                var.start_pc = pc;
            }
        }
    }

    /// End the scope of the locals above `level` (`removevars`).
    pub(crate) fn remove_locals(&mut self, level: u32) {
        let pc = self.pc() as u32;
        while self.nactvar > level {
            self.nactvar -= 1;
            let i = self.nactvar;
            if let Some(var) = self.local_var(i) {
                var.end_pc = pc;
            }
        }
    }

    /// The register of the active local named `name`, innermost first (`searchvar`).
    pub(crate) fn find_local(&self, name: &[u8]) -> Option<u32> {
        (0..self.nactvar).rev().find(|&i| {
            self.actvar
                .get(i as usize)
                .and_then(|&index| self.f.loc_vars.get(index as usize))
                .is_some_and(|var| *var.name == *name)
        })
    }

    /// Note that the local in register `level` is captured by a closure, so the block that
    /// declares it must close it (`markupval`).
    pub(crate) fn mark_upval(&mut self, level: u32) {
        if let Some(block) = self.blocks.iter_mut().rev().find(|b| b.nactvar <= level) {
            block.has_upval = true;
        }
    }

    // ---- upvalues ----

    /// The index of the upvalue capturing `source`, added if new (`indexupvalue`).
    pub(crate) fn upvalue_index(
        &mut self,
        name: &[u8],
        source: UpvalSource,
    ) -> Result<u32, ParseError> {
        if let Some(i) = self.upvalues.iter().position(|&u| u == source) {
            return Ok(i as u32);
        }
        let count = self.upvalues.len() as u32;
        if count + 1 > MAX_UPVALUES {
            return Err(self.limit_error(MAX_UPVALUES, "upvalues"));
        }
        self.upvalues.push(source);
        self.f.upvalue_names.push(name.into());
        self.f.num_upvalues = (count + 1) as u8;
        Ok(count)
    }
}

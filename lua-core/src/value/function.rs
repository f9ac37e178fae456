//! Functions: loaded prototypes, Lua closures with their upvalues, and native functions.

use super::{LuaStr, Table, Value};
use crate::bytecode::{Instruction, LocVar};
use crate::gc::Gc;
use crate::vm::{LuaResult, State};
use std::cell::Cell;

/// A compiled function as the VM runs it: constants are values, nested functions are objects.
pub struct FuncProto {
    pub code: Box<[Instruction]>,
    pub constants: Box<[Value]>,
    pub protos: Box<[Gc<FuncProto>]>,
    pub line_info: Box<[u32]>,
    pub loc_vars: Box<[LocVar]>,
    pub upvalue_names: Box<[Box<[u8]>]>,
    /// The chunk name (`@file`, `=stdin`, or source text).
    pub source: Gc<LuaStr>,
    pub line_defined: u32,
    pub last_line_defined: u32,
    pub num_upvalues: u8,
    pub num_params: u8,
    pub is_vararg: u8,
    pub max_stack_size: u8,
}

/// Where an upvalue's value lives: in a slot of its thread's stack while the variable is in
/// scope, then in the upvalue itself once the scope closes.
#[derive(Clone, Copy)]
pub enum UpState {
    Open(usize, Gc<super::LuaThread>),
    Closed(Value),
}

pub struct UpVal {
    pub(crate) state: UpState,
}

/// The upvalues of a Lua closure.
pub type UpvalList = smallvec::SmallVec<[Gc<UpVal>; 3]>;

pub struct LuaClosure {
    pub proto: Gc<FuncProto>,
    /// Most closures capture a few upvalues; up to three are stored inline.
    pub upvals: UpvalList,
    pub(crate) env: Cell<Gc<Table>>,
}

impl LuaClosure {
    pub fn env(&self) -> Gc<Table> {
        self.env.get()
    }
    pub fn set_env(&self, env: Gc<Table>) {
        self.env.set(env)
    }
}

/// A function implemented in Rust. It finds its arguments on the stack of the calling frame
/// (`State::arg`), pushes its results and returns how many it pushed.
pub type NativeFn = fn(&mut State) -> LuaResult<usize>;

/// A native function that is a Rust closure (capturing state), for embedders.
pub type BoxedNativeFn = std::rc::Rc<dyn Fn(&mut State) -> LuaResult<usize>>;

/// A function written against the extension surface ([`crate::native`]).
pub type ExtensionFn = fn(&mut crate::native::Ctx) -> Result<usize, crate::native::Raised>;

/// What runs when a native function is called.
pub enum NativeKind {
    /// One of the crate's own library functions.
    Builtin(NativeFn),
    /// A function of an outside library, written against [`crate::native::Ctx`].
    Extension(ExtensionFn),
    /// A Rust closure registered through the embedding API.
    Boxed(BoxedNativeFn),
}

pub struct NativeClosure {
    pub kind: NativeKind,
    /// The name the function was registered under. Argument errors name the function as its
    /// caller did (from the bytecode), as Lua 5.1 does; this is kept for debugging.
    #[allow(dead_code)]
    pub name: &'static str,
    pub upvalues: Box<[Cell<Value>]>,
    pub(crate) env: Cell<Gc<Table>>,
}

impl NativeClosure {
    pub fn env(&self) -> Gc<Table> {
        self.env.get()
    }
    pub fn set_env(&self, env: Gc<Table>) {
        self.env.set(env)
    }
}

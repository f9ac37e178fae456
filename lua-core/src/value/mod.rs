//! Lua values and the objects they refer to.

mod function;
mod string;
mod table;
mod thread;
mod userdata;

pub use function::{
    BoxedNativeFn, ExtensionFn, FuncProto, LuaClosure, NativeClosure, NativeFn, NativeKind,
    UpState, UpVal, UpvalList,
};
pub use string::{LuaStr, StringHash, StringTable};
pub(crate) use table::SpareParts;
pub use table::{KeyNotFound, Table};
pub(crate) use thread::ExecContext;
pub use thread::{LuaThread, ThreadStatus};
pub use userdata::{NullPointer, UserData};

use crate::gc::Gc;

/// A Lua value: 16 bytes, copied freely; heap objects are referred to by `Gc` handles.
///
/// The tag is a full word so that a value has no padding and moves as two aligned words; with
/// a byte tag, copies of the bytes after the tag compile to overlapping unaligned moves that
/// stall store forwarding in the dispatch loop.
#[derive(Clone, Copy, Debug, Default)]
#[repr(C, u64)]
pub enum Value {
    #[default]
    Nil,
    Boolean(bool),
    Number(f64),
    String(Gc<LuaStr>),
    Table(Gc<Table>),
    LuaFunction(Gc<LuaClosure>),
    NativeFunction(Gc<NativeClosure>),
    UserData(Gc<UserData>),
    Thread(Gc<LuaThread>),
}

/// The basic types, in Lua 5.1's numbering (used to index per-type metatables).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LuaType {
    Nil = 0,
    Boolean = 1,
    /// Lua 5.1's type tag 2; no value of this type exists here, but the tags keep their numbers.
    #[allow(dead_code)]
    LightUserData = 2,
    Number = 3,
    String = 4,
    Table = 5,
    Function = 6,
    UserData = 7,
    Thread = 8,
}

impl LuaType {
    pub fn name(self) -> &'static str {
        match self {
            LuaType::Nil => "nil",
            LuaType::Boolean => "boolean",
            LuaType::LightUserData | LuaType::UserData => "userdata",
            LuaType::Number => "number",
            LuaType::String => "string",
            LuaType::Table => "table",
            LuaType::Function => "function",
            LuaType::Thread => "thread",
        }
    }
}

impl Value {
    /// Copy a value as two separate word loads. A value is often read right after being
    /// written as two words (tag, then payload); a single 16-byte load of it would wait for both
    /// stores to retire (a failed store forward), while word loads are forwarded at once. The
    /// VM's hot register moves go through here.
    #[inline(always)]
    pub fn load(src: &Value) -> Value {
        use std::mem::MaybeUninit;
        let p = src as *const Value as *const MaybeUninit<u64>;
        // SAFETY: `Value` is `repr(C, u64)`, 16 bytes = two words; the words are read as
        // `MaybeUninit` (a payload may be uninitialized, e.g. for nil) and reassembled into
        // exactly the bytes of a valid `Value`.
        unsafe {
            let words = [std::ptr::read(p), std::ptr::read(p.add(1))];
            std::mem::transmute::<[MaybeUninit<u64>; 2], Value>(words)
        }
    }

    #[inline(always)]
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Lua truthiness: everything but `nil` and `false` is true.
    #[inline(always)]
    pub fn is_falsy(&self) -> bool {
        matches!(self, Value::Nil | Value::Boolean(false))
    }

    pub fn lua_type(&self) -> LuaType {
        match self {
            Value::Nil => LuaType::Nil,
            Value::Boolean(_) => LuaType::Boolean,
            Value::Number(_) => LuaType::Number,
            Value::String(_) => LuaType::String,
            Value::Table(_) => LuaType::Table,
            Value::LuaFunction(_) | Value::NativeFunction(_) => LuaType::Function,
            Value::UserData(_) => LuaType::UserData,
            Value::Thread(_) => LuaType::Thread,
        }
    }

    pub fn type_name(&self) -> &'static str {
        self.lua_type().name()
    }

    /// The object's address for collectable values, 0 otherwise (identity hashing, `%p`).
    #[inline]
    pub fn identity(&self) -> usize {
        match self {
            Value::String(s) => s.addr(),
            Value::Table(t) => t.addr(),
            Value::LuaFunction(f) => f.addr(),
            Value::NativeFunction(f) => f.addr(),
            Value::UserData(u) => u.addr(),
            Value::Thread(t) => t.addr(),
            _ => 0,
        }
    }

    /// Primitive equality (`rawequal`): numbers by value, everything else by identity.
    #[inline]
    pub fn raw_equal(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Nil, Value::Nil) => true,
            (Value::Boolean(a), Value::Boolean(b)) => a == b,
            (Value::Number(a), Value::Number(b)) => a == b,
            (Value::String(a), Value::String(b)) => a == b,
            (Value::Table(a), Value::Table(b)) => a == b,
            (Value::LuaFunction(a), Value::LuaFunction(b)) => a == b,
            (Value::NativeFunction(a), Value::NativeFunction(b)) => a == b,
            (Value::UserData(a), Value::UserData(b)) => a == b,
            (Value::Thread(a), Value::Thread(b)) => a == b,
            _ => false,
        }
    }

    pub fn as_table(&self) -> Option<Gc<Table>> {
        match self {
            Value::Table(t) => Some(*t),
            _ => None,
        }
    }

    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            _ => None,
        }
    }

    pub fn is_function(&self) -> bool {
        matches!(self, Value::LuaFunction(_) | Value::NativeFunction(_))
    }
}

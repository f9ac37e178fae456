//! Full userdata: a host value with an optional metatable and an environment table.

use super::Table;
use crate::gc::Gc;
use std::any::Any;

/// The contents of a userdata that stands for C's null pointer, as libraries written for C
/// Lua use the light userdata `NULL` (lua-cjson's `cjson.null`): `tostring` shows it as
/// Lua 5.1 shows that value through glibc's `%p`, `userdata: (nil)`.
pub struct NullPointer;

pub struct UserData {
    pub(crate) data: Box<dyn Any>,
    pub(crate) metatable: Option<Gc<Table>>,
    pub(crate) env: Option<Gc<Table>>,
    /// Its `__gc` has been scheduled (a userdata is finalized at most once).
    pub(crate) finalized: std::cell::Cell<bool>,
}

impl UserData {
    pub fn new(data: Box<dyn Any>) -> UserData {
        UserData {
            data,
            metatable: None,
            env: None,
            finalized: std::cell::Cell::new(false),
        }
    }
    pub fn data(&self) -> &dyn Any {
        &*self.data
    }
    pub fn metatable(&self) -> Option<Gc<Table>> {
        self.metatable
    }
}

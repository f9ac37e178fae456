//! Loading compiled chunks: turning the compiler's `Proto` into heap objects and a closure.

use super::{ErrorKind, LuaError, LuaResult, State};
use crate::bytecode::{Constant, Proto};
use crate::gc::Gc;
use crate::value::{FuncProto, LuaClosure, Value};
use std::cell::Cell;

impl State {
    fn load_proto(&mut self, p: &Proto) -> Gc<FuncProto> {
        let constants: Box<[Value]> = p
            .constants
            .iter()
            .map(|k| match k {
                Constant::Nil => Value::Nil,
                Constant::Boolean(b) => Value::Boolean(*b),
                Constant::Number(n) => Value::Number(*n),
                Constant::String(s) => self.new_string(s),
            })
            .collect();
        let protos: Box<[Gc<FuncProto>]> = p.protos.iter().map(|c| self.load_proto(c)).collect();
        let source = self.intern(&p.source);
        self.heap.alloc_proto(FuncProto {
            code: p.code.clone().into_boxed_slice(),
            constants,
            protos,
            line_info: p.line_info.clone().into_boxed_slice(),
            loc_vars: p.loc_vars.clone().into_boxed_slice(),
            upvalue_names: p.upvalue_names.clone().into_boxed_slice(),
            source,
            line_defined: p.line_defined,
            last_line_defined: p.last_line_defined,
            num_upvalues: p.num_upvalues,
            num_params: p.num_params,
            is_vararg: p.is_vararg,
            max_stack_size: p.max_stack_size,
        })
    }

    /// Compile `source` as a chunk named `chunkname` into a function whose environment is the
    /// global table. A syntax error comes back as an error of kind `Syntax` holding the message.
    pub fn load(&mut self, source: &[u8], chunkname: &[u8]) -> LuaResult<Value> {
        match crate::compile::compile(source, chunkname) {
            Ok(proto) => {
                // Loading allocates many objects at once; it must not run between the steps
                // below, so collect first if one is due.
                if self.heap.should_collect() {
                    self.collect_garbage();
                }
                let fp = self.load_proto(&proto);
                let env = self.globals;
                let cl = self.heap.alloc_lua_closure(LuaClosure {
                    proto: fp,
                    upvals: Box::new([]),
                    env: Cell::new(env),
                });
                Ok(Value::LuaFunction(cl))
            }
            Err(e) => {
                let value = self.new_string(&e.message);
                Err(LuaError { kind: ErrorKind::Syntax, value })
            }
        }
    }
}

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
        // Compiling needs memory in proportion to the source; refuse what the limit cannot hold.
        self.reserve_memory(source.len().saturating_mul(2))?;
        if !self.binary_as_text && source.first() == Some(&BINARY_SIGNATURE[0]) {
            let msg = binary_chunk_error(source, chunkname);
            let value = self.new_string(&msg);
            return Err(LuaError {
                kind: ErrorKind::Syntax,
                value,
            });
        }
        // The parser's nesting limit counts the calls already running through the host, as
        // Lua 5.1's shared C-call counter does.
        let depth = self.rust_calls;
        match crate::compile::compile_at_depth(source, chunkname, depth as _) {
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
                    upvals: crate::value::UpvalList::new(),
                    env: Cell::new(env),
                });
                Ok(Value::LuaFunction(cl))
            }
            Err(e) => {
                let value = self.new_string(&e.message);
                Err(LuaError {
                    kind: ErrorKind::Syntax,
                    value,
                })
            }
        }
    }
}

/// Precompiled chunks start with this; they are refused (only source text is loaded).
const BINARY_SIGNATURE: &[u8] = b"\x1bLua";

/// The header Lua 5.1.5 writes on x86-64: signature, version 5.1, official format, little
/// endian, and the sizes of int, size_t, Instruction and lua_Number, numbers not integral.
const BINARY_HEADER: &[u8] = b"\x1bLua\x51\x00\x01\x04\x08\x04\x08\x00";

/// The message for a binary chunk, worded as Lua 5.1's loader words its header errors
/// (`binary string: unexpected end in precompiled chunk`). A chunk with a valid header is
/// refused as well, since bytecode from outside cannot be trusted by this VM.
fn binary_chunk_error(source: &[u8], chunkname: &[u8]) -> Vec<u8> {
    let mut msg = match chunkname.first() {
        Some(b'@') | Some(b'=') => chunkname[1..].to_vec(),
        Some(&c) if c == BINARY_SIGNATURE[0] => b"binary string".to_vec(),
        _ => chunkname.to_vec(),
    };
    let reason = if source.len() < BINARY_HEADER.len() {
        ": unexpected end in precompiled chunk"
    } else if source[..BINARY_HEADER.len()] != *BINARY_HEADER {
        ": bad header in precompiled chunk"
    } else {
        ": precompiled chunks are not accepted (load source text instead)"
    };
    msg.extend_from_slice(reason.as_bytes());
    msg
}

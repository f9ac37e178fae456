//! `string.dump`: a loaded function's prototype back as the compiler's plain prototype, written
//! by `bytecode::dump` as the binary chunk lua5.1 writes.

use crate::bytecode::{Constant, Proto};
use crate::value::{FuncProto, Value};

/// The binary chunk of a function.
pub(crate) fn dump(proto: &FuncProto) -> Vec<u8> {
    crate::bytecode::dump(&plain(proto), false)
}

/// The prototype with its heap values turned back into constants.
fn plain(f: &FuncProto) -> Proto {
    Proto {
        code: f.code.to_vec(),
        constants: f
            .constants
            .iter()
            .map(|k| match k {
                Value::Boolean(b) => Constant::Boolean(*b),
                Value::Number(x) => Constant::Number(*x),
                Value::String(s) => Constant::String(s.as_bytes().to_vec()),
                _ => Constant::Nil,
            })
            .collect(),
        protos: f.protos.iter().map(|p| plain(p)).collect(),
        line_info: f.line_info.to_vec(),
        loc_vars: f.loc_vars.to_vec(),
        upvalue_names: f.upvalue_names.to_vec(),
        source: std::rc::Rc::from(f.source.as_bytes()),
        line_defined: f.line_defined,
        last_line_defined: f.last_line_defined,
        num_upvalues: f.num_upvalues,
        num_params: f.num_params,
        is_vararg: f.is_vararg,
        max_stack_size: f.max_stack_size,
    }
}

//! Writing prototypes as Lua 5.1 binary chunks, in the layout `luac5.1` writes on x86-64
//! (`ldump.c`): the 12-byte header, then each function's header fields, code, constants,
//! nested functions and debug information, little-endian, with 4-byte ints and 8-byte sizes.
//! Stripping (`luac -s`) leaves out the source names and the debug information.

use super::{Constant, Proto, BINARY_HEADER};

const TNIL: u8 = 0;
const TBOOLEAN: u8 = 1;
const TNUMBER: u8 = 3;
const TSTRING: u8 = 4;

/// The binary chunk of `p`, without debug information when `strip` is set.
pub fn dump(p: &Proto, strip: bool) -> Vec<u8> {
    let mut out = BINARY_HEADER.to_vec();
    function(&mut out, p, None, strip);
    out
}

fn int(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u32).to_le_bytes());
}

fn size(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&(n as u64).to_le_bytes());
}

/// A string as `DumpString` writes it: its size counting a terminating NUL, its bytes and the
/// NUL; size 0 for none.
fn string(out: &mut Vec<u8>, s: Option<&[u8]>) {
    match s {
        None => size(out, 0),
        Some(bytes) => {
            size(out, bytes.len() + 1);
            out.extend_from_slice(bytes);
            out.push(0);
        }
    }
}

fn function(out: &mut Vec<u8>, f: &Proto, parent_source: Option<&[u8]>, strip: bool) {
    // A nested function from the same chunk leaves its source out.
    let same_source = parent_source.is_some_and(|p| p == &f.source[..]);
    string(out, (!same_source && !strip).then_some(&f.source[..]));
    int(out, f.line_defined as usize);
    int(out, f.last_line_defined as usize);
    out.extend_from_slice(&[f.num_upvalues, f.num_params, f.is_vararg, f.max_stack_size]);
    int(out, f.code.len());
    for i in &f.code {
        out.extend_from_slice(&i.0.to_le_bytes());
    }
    int(out, f.constants.len());
    for k in &f.constants {
        match k {
            Constant::Nil => out.push(TNIL),
            Constant::Boolean(b) => out.extend_from_slice(&[TBOOLEAN, u8::from(*b)]),
            Constant::Number(x) => {
                out.push(TNUMBER);
                out.extend_from_slice(&x.to_le_bytes());
            }
            Constant::String(s) => {
                out.push(TSTRING);
                string(out, Some(s));
            }
        }
    }
    int(out, f.protos.len());
    for p in &f.protos {
        function(out, p, Some(&f.source), strip);
    }
    if strip {
        // No line information, locals or upvalue names.
        int(out, 0);
        int(out, 0);
        int(out, 0);
        return;
    }
    int(out, f.line_info.len());
    for l in &f.line_info {
        int(out, *l as usize);
    }
    int(out, f.loc_vars.len());
    for v in &f.loc_vars {
        string(out, Some(&v.name));
        int(out, v.start_pc as usize);
        int(out, v.end_pc as usize);
    }
    int(out, f.upvalue_names.len());
    for name in &f.upvalue_names {
        string(out, Some(name));
    }
}

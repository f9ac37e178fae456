//! Loading compiled chunks: turning the compiler's `Proto` into heap objects and a closure.

use super::{ErrorKind, LuaError, LuaResult, State};
use crate::bytecode::{Constant, Proto, BINARY_SIGNATURE_BYTE};
use crate::gc::Gc;
use crate::value::{FuncProto, LuaClosure, UpState, Value};
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
    /// global table; a binary chunk (`string.dump`, `luac`) is read and verified instead,
    /// unless this state treats binary chunks as text (Redis's sandbox). An error comes back
    /// as an error of kind `Syntax` holding lua5.1's message.
    pub fn load(&mut self, source: &[u8], chunkname: &[u8]) -> LuaResult<Value> {
        // Compiling needs memory in proportion to the source; refuse what the limit cannot hold.
        self.reserve_memory(source.len().saturating_mul(2))?;
        // The nesting limits count the calls already running through the host, as Lua 5.1's
        // shared C-call counter does.
        let depth = self.rust_calls as u32;
        let proto = if self.is_binary(source) {
            crate::bytecode::undump(source, chunkname, depth).map_err(|e| e.message)
        } else {
            match crate::compile::compile_at_depth(source, chunkname, depth as _) {
                Err(e) if e.raised_at_runtime => {
                    let value = self.new_string(&e.message);
                    return Err(self.throw(value));
                }
                r => r.map_err(|e| e.message),
            }
        };
        match proto {
            Ok(proto) => {
                // Loading allocates many objects at once; it must not run between the steps
                // below, so collect first if one is due.
                if self.heap.should_collect() {
                    self.collect_garbage();
                }
                let fp = self.load_proto(&proto);
                // A main function with upvalues (a dumped closure) gets fresh ones holding
                // nil, as lua5.1 gives it.
                let upvals = (0..proto.num_upvalues)
                    .map(|_| self.heap.alloc_upval(UpState::Closed(Value::Nil)))
                    .collect();
                let env = self.globals;
                let cl = self.heap.alloc_lua_closure(LuaClosure {
                    proto: fp,
                    upvals,
                    env: Cell::new(env),
                });
                Ok(Value::LuaFunction(cl))
            }
            Err(message) => {
                let value = self.new_string(&message);
                Err(LuaError {
                    kind: ErrorKind::Syntax,
                    value,
                })
            }
        }
    }

    /// Whether `source` is read as a binary chunk.
    fn is_binary(&self, source: &[u8]) -> bool {
        !self.binary_as_text && source.first() == Some(&BINARY_SIGNATURE_BYTE)
    }

    /// For a chunk arriving in pieces (`load` with a reader), with `source` the pieces read
    /// so far: `None` while more input is needed, else the outcome `load` gives, decided
    /// where lua5.1, which reads its input as it goes, decides it.
    pub(crate) fn load_partial(
        &mut self,
        source: &[u8],
        chunkname: &[u8],
    ) -> Option<LuaResult<Value>> {
        let depth = self.rust_calls as u32;
        let message = if self.is_binary(source) {
            match crate::bytecode::undump(source, chunkname, depth) {
                // A binary chunk is read no further than its main function.
                Ok(_) => return Some(self.load(source, chunkname)),
                Err(e) if e.truncated => return None,
                Err(e) => e.message,
            }
        } else {
            let e = crate::compile::probe_partial(source, chunkname, depth as _)?;
            if e.raised_at_runtime {
                let value = self.new_string(&e.message);
                return Some(Err(self.throw(value)));
            }
            e.message
        };
        let value = self.new_string(&message);
        Some(Err(LuaError {
            kind: ErrorKind::Syntax,
            value,
        }))
    }

    /// Load a file as a chunk named `@path` (standard input as `=stdin` when `path` is `None`)
    /// as `luaL_loadfile` does: a first line starting with `#` is skipped (and counted, as an
    /// empty line, for a text chunk); a file whose content then starts a binary chunk is
    /// read from its first signature byte. Source text is read piece by piece with its
    /// comments condensed (`lex::condense`), so a file of mostly comments costs little memory.
    pub fn load_file(&mut self, path: Option<&[u8]>) -> LuaResult<Value> {
        let chunkname = match path {
            Some(p) => [b"@", p].concat(),
            None => b"=stdin".to_vec(),
        };
        let text =
            crate::sys::open_source(path).and_then(|reader| read_chunk(reader, path.is_some()));
        match text {
            Ok(chunk) => self.load(&chunk, &chunkname),
            Err((what, e)) => {
                let msg = crate::sys::file_error_message(what, path.unwrap_or(b"stdin"), &e);
                let value = self.new_string(&msg);
                Err(LuaError {
                    kind: ErrorKind::Runtime,
                    value,
                })
            }
        }
    }
}

/// What the loader gets from a file (see `file_chunk`), read piece by piece: a binary chunk
/// whole, source text with its comments condensed.
fn read_chunk(
    mut reader: Box<dyn std::io::Read>,
    from_file: bool,
) -> Result<Vec<u8>, (&'static str, std::io::Error)> {
    use std::io::Read;
    let read_err = |e| ("read", e);
    // The first line when it starts with `#`, and the byte after it.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        let n = reader.read(&mut byte).map_err(read_err)?;
        if n == 0 {
            break;
        }
        head.push(byte[0]);
        let in_comment_line = head[0] == b'#' && !head[..head.len() - 1].contains(&b'\n');
        if !in_comment_line {
            break;
        }
    }
    let skipped = head.first() == Some(&b'#');
    let rest_start = if skipped {
        head.iter()
            .position(|&c| c == b'\n')
            .map_or(head.len(), |i| i + 1)
    } else {
        0
    };
    if from_file && head.get(rest_start) == Some(&BINARY_SIGNATURE_BYTE) {
        reader.read_to_end(&mut head).map_err(read_err)?;
        return Ok(file_chunk(&head, true).to_vec());
    }
    let mut text = if skipped { b"\n".to_vec() } else { Vec::new() };
    let condensed =
        crate::lex::condense::condense(&head[rest_start..], reader).map_err(read_err)?;
    text.extend_from_slice(&condensed);
    Ok(text)
}

/// What `luaL_loadfile` hands the loader from a file's bytes (`from_file`: not standard
/// input): a first line starting with `#` is skipped, its `\n` kept so that line numbers stay
/// right; a file whose content then starts a binary chunk is read from its first signature
/// byte (lua5.1 reopens the file and skips to it).
pub(crate) fn file_chunk(data: &[u8], from_file: bool) -> &[u8] {
    // `text` is what the compiler reads; `rest` what follows a skipped line.
    let (text, rest): (&[u8], &[u8]) = if data.first() == Some(&b'#') {
        match data.iter().position(|&c| c == b'\n') {
            Some(i) => (&data[i..], &data[i + 1..]),
            None => (b"\n", b""),
        }
    } else {
        (data, data)
    };
    if from_file && rest.first() == Some(&BINARY_SIGNATURE_BYTE) {
        let start = data.iter().position(|&c| c == BINARY_SIGNATURE_BYTE);
        return &data[start.unwrap_or(0)..];
    }
    text
}

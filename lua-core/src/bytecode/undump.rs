//! Reading Lua 5.1 binary chunks (the format `luac5.1` and `string.dump` write on x86-64)
//! back into prototypes, as `lundump.c` reads them: the same field order, the same error
//! texts (`bad header`, `unexpected end`, `bad integer`, `bad constant`, `code too deep`,
//! `bad code`), and every function checked by the verifier before it is accepted.
//!
//! Sizes in the chunk are never trusted for allocation: a vector is only allocated once the
//! bytes it claims are known to be there.

use super::{verify, Constant, Instruction, LocVar, Proto};
use std::rc::Rc;

/// The header Lua 5.1.5 writes on x86-64: signature, version 5.1, official format, little
/// endian, and the sizes of int, size_t, Instruction and lua_Number, numbers not integral.
pub const HEADER: &[u8] = b"\x1bLua\x51\x00\x01\x04\x08\x04\x08\x00";

/// The first byte of every binary chunk (`LUA_SIGNATURE[0]`).
pub const SIGNATURE_BYTE: u8 = 0x1b;

/// Nested functions deeper than this are refused (`LUAI_MAXCCALLS`), counting the host calls
/// already running, as Lua 5.1's shared C-call counter does.
const MAX_DEPTH: u32 = 200;

const UNEXPECTED_END: &str = "unexpected end";

const TNIL: u8 = 0;
const TBOOLEAN: u8 = 1;
const TNUMBER: u8 = 3;
const TSTRING: u8 = 4;

/// Why a binary chunk was refused.
#[derive(Debug)]
pub struct UndumpError {
    /// lua5.1's message (`binary string: bad header in precompiled chunk`).
    pub message: Vec<u8>,
    /// The chunk ended before the function did (more bytes might complete it).
    pub truncated: bool,
}

/// Read the binary chunk `bytes` named `chunkname` into its main function's prototype; `depth`
/// is the number of host calls already running.
pub fn undump(bytes: &[u8], chunkname: &[u8], depth: u32) -> Result<Proto, UndumpError> {
    let mut reader = Reader {
        bytes,
        pos: 0,
        depth,
    };
    let result = reader.header().and_then(|()| {
        let main_source: Rc<[u8]> = Rc::from(&b"=?"[..]);
        reader.function(&main_source)
    });
    result.map_err(|stop| match stop {
        Stop::Memory => UndumpError {
            message: b"not enough memory".to_vec(),
            truncated: false,
        },
        Stop::Format(why) => {
            let mut message = display_name(chunkname);
            message.extend_from_slice(b": ");
            message.extend_from_slice(why.as_bytes());
            message.extend_from_slice(b" in precompiled chunk");
            UndumpError {
                message,
                truncated: why == UNEXPECTED_END,
            }
        }
    })
}

/// The name errors give the chunk: without its `@` or `=` mark, and `binary string` for a
/// chunk named after its own bytes (as `loadstring` names it).
fn display_name(chunkname: &[u8]) -> Vec<u8> {
    // lua5.1 formats the name with `%s`: it ends at its first zero byte.
    let name = crate::cstr::c_str(chunkname);
    match name.first() {
        Some(b'@') | Some(b'=') => name[1..].to_vec(),
        Some(&SIGNATURE_BYTE) => b"binary string".to_vec(),
        _ => name.to_vec(),
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
    depth: u32,
}

/// Why reading stopped: a format error (`bad header`, ...) or an allocation lua5.1 could not
/// make for a size the chunk claims.
enum Stop {
    Format(&'static str),
    Memory,
}

impl From<&'static str> for Stop {
    fn from(why: &'static str) -> Stop {
        Stop::Format(why)
    }
}

type Step<T> = Result<T, Stop>;

/// Claims for more memory than this fail as lua5.1's allocation fails on a machine with 16 to
/// 32 GB of memory (`not enough memory`); smaller claims the chunk cannot back end in
/// `unexpected end`, as there the allocation succeeds and the read fails.
const ALLOCATION_CEILING: u64 = 1 << 34;

impl<'a> Reader<'a> {
    fn block(&mut self, n: usize) -> Step<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(Stop::Format(UNEXPECTED_END))?;
        let block = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(block)
    }

    /// How many of `count` items, taking at least `size` bytes each in the chunk, to reserve
    /// room for: no more than the chunk can still hold, so a false count costs nothing.
    /// lua5.1 allocates `c_size` bytes an item first, and fails on what it cannot allocate.
    fn capacity(&self, count: usize, size: usize, c_size: usize) -> Step<usize> {
        if count as u64 * c_size as u64 > ALLOCATION_CEILING {
            return Err(Stop::Memory);
        }
        Ok(count.min((self.bytes.len() - self.pos) / size))
    }

    fn byte(&mut self) -> Step<u8> {
        Ok(self.block(1)?[0])
    }

    fn raw_int(&mut self) -> Step<i32> {
        let b = self.block(4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A count or line number: negative ones are refused.
    fn int(&mut self) -> Step<usize> {
        let x = self.raw_int()?;
        usize::try_from(x).map_err(|_| Stop::Format("bad integer"))
    }

    fn size(&mut self) -> Step<u64> {
        let b = self.block(8)?;
        let mut word = [0u8; 8];
        word.copy_from_slice(b);
        Ok(u64::from_le_bytes(word))
    }

    fn number(&mut self) -> Step<f64> {
        Ok(f64::from_bits(self.size()?))
    }

    /// A string: its size counting a terminating byte (dropped unread, as lua5.1 drops it),
    /// or 0 for none.
    fn string(&mut self) -> Step<Option<&'a [u8]>> {
        let size = self.size()?;
        if size == 0 {
            return Ok(None);
        }
        if size > ALLOCATION_CEILING {
            return Err(Stop::Memory);
        }
        let s = self.block(size as usize)?;
        Ok(Some(&s[..s.len() - 1]))
    }

    fn header(&mut self) -> Step<()> {
        let h = self.block(HEADER.len())?;
        if h != HEADER {
            return Err(Stop::Format("bad header"));
        }
        Ok(())
    }

    fn function(&mut self, parent_source: &Rc<[u8]>) -> Step<Proto> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(Stop::Format("code too deep"));
        }
        let source = match self.string()? {
            Some(s) => Rc::from(s),
            None => parent_source.clone(),
        };
        let line_defined = self.int()? as u32;
        let last_line_defined = self.int()? as u32;
        let num_upvalues = self.byte()?;
        let num_params = self.byte()?;
        let is_vararg = self.byte()?;
        let max_stack_size = self.byte()?;
        let code = self.code()?;
        let mut proto = Proto {
            code,
            constants: Vec::new(),
            protos: Vec::new(),
            line_info: Vec::new(),
            loc_vars: Vec::new(),
            upvalue_names: Vec::new(),
            source,
            line_defined,
            last_line_defined,
            num_upvalues,
            num_params,
            is_vararg,
            max_stack_size,
        };
        self.constants(&mut proto)?;
        self.debug_info(&mut proto)?;
        if !verify::verify(&proto) {
            return Err(Stop::Format("bad code"));
        }
        self.depth -= 1;
        Ok(proto)
    }

    fn code(&mut self) -> Step<Vec<Instruction>> {
        let n = self.int()?;
        self.capacity(n, 4, 4)?;
        let words = self.block(n * 4)?;
        Ok(words
            .chunks_exact(4)
            .map(|w| Instruction(u32::from_le_bytes([w[0], w[1], w[2], w[3]])))
            .collect())
    }

    fn constants(&mut self, proto: &mut Proto) -> Step<()> {
        let n = self.int()?;
        // Each constant takes at least its type byte (a `TValue` in lua5.1).
        let room = self.capacity(n, 1, 16)?;
        proto.constants.reserve_exact(room);
        for _ in 0..n {
            let k = match self.byte()? {
                TNIL => Constant::Nil,
                TBOOLEAN => Constant::Boolean(self.byte()? != 0),
                TNUMBER => Constant::Number(self.number()?),
                TSTRING => match self.string()? {
                    Some(s) => Constant::String(s.to_vec()),
                    // A missing string reads as nil in lua5.1 (a NULL string object); the
                    // verifier then refuses it where a name is needed.
                    None => Constant::Nil,
                },
                _ => return Err(Stop::Format("bad constant")),
            };
            proto.constants.push(k);
        }
        let n = self.int()?;
        // Each nested function takes at least its 8-byte source size.
        let room = self.capacity(n, 8, 8)?;
        proto.protos.reserve_exact(room);
        for _ in 0..n {
            let child = self.function(&proto.source)?;
            proto.protos.push(child);
        }
        Ok(())
    }

    fn debug_info(&mut self, proto: &mut Proto) -> Step<()> {
        let n = self.int()?;
        let mut line_info = Vec::with_capacity(self.capacity(n, 4, 4)?);
        for _ in 0..n {
            // Lines are not checked for sign by lua5.1; they are kept as the same 32 bits.
            line_info.push(self.raw_int()? as u32);
        }
        proto.line_info = line_info;
        let n = self.int()?;
        // Each local takes at least its name's size and two ints.
        let room = self.capacity(n, 16, 16)?;
        proto.loc_vars.reserve_exact(room);
        for _ in 0..n {
            let name = self.string()?.unwrap_or_default().to_vec();
            let start_pc = self.int()? as u32;
            let end_pc = self.int()? as u32;
            proto.loc_vars.push(LocVar {
                name: name.into(),
                start_pc,
                end_pc,
            });
        }
        let n = self.int()?;
        let room = self.capacity(n, 8, 8)?;
        proto.upvalue_names.reserve_exact(room);
        for _ in 0..n {
            let name = self.string()?.unwrap_or_default().to_vec();
            proto.upvalue_names.push(name.into());
        }
        Ok(())
    }
}

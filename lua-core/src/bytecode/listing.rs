//! A readable listing of compiled functions, the same text as `luac5.1 -l` (`-l -l` with `full`).
//!
//! Where luac prints a function's memory address (`bytes at 0x55d0...`, `constants (2) for
//! 0x...`, the comment of a CLOSURE), we print `0x` and the function's rank in order of first
//! mention in the listing (`0x1` for the main function). The same renumbering applied to luac's
//! output makes the two texts directly comparable.

use std::collections::HashMap;
use std::fmt::Write;

use super::{index_k, is_k, Constant, Instruction, OpArgMode, OpCode, OpMode, Proto};

/// List `p` and every function nested in it, like `luac -l` (`full`: like `luac -l -l`, adding
/// the constants, locals and upvalues of each function).
pub fn list_proto(p: &Proto, full: bool) -> String {
    list(p, full, false)
}

/// As `list_proto`, but showing each function's real address, as `luac` itself does.
pub fn list_proto_with_addresses(p: &Proto, full: bool) -> String {
    list(p, full, true)
}

fn list(p: &Proto, full: bool, real_addresses: bool) -> String {
    let mut listing = Listing {
        out: String::new(),
        ids: HashMap::new(),
        real_addresses,
    };
    listing.function(p, full);
    listing.out
}

struct Listing {
    out: String,
    /// Functions already mentioned, by address, with their rank of first mention.
    ids: HashMap<*const Proto, usize>,
    real_addresses: bool,
}

impl Listing {
    /// The function's address, or its stand-in.
    fn address(&mut self, p: &Proto) -> String {
        if self.real_addresses {
            return format!("{:p}", p as *const Proto);
        }
        let next = self.ids.len() + 1;
        let id = *self.ids.entry(p as *const Proto).or_insert(next);
        format!("0x{id}")
    }

    fn function(&mut self, p: &Proto, full: bool) {
        self.header(p);
        self.code(p);
        if full {
            self.constants(p);
            self.locals(p);
            self.upvalues(p);
        }
        for child in &p.protos {
            self.function(child, full);
        }
    }

    fn header(&mut self, p: &Proto) {
        let source = match p.source.first() {
            Some(b'@' | b'=') => {
                String::from_utf8_lossy(crate::cstr::c_str(p.source.get(1..).unwrap_or_default()))
                    .into_owned()
            }
            Some(0x1B) => "(bstring)".to_string(),
            _ => "(string)".to_string(),
        };
        let kind = if p.line_defined == 0 {
            "main"
        } else {
            "function"
        };
        let n = p.code.len();
        let address = self.address(p);
        let _ = writeln!(
            self.out,
            "\n{kind} <{source}:{},{}> ({n} instruction{}, {} bytes at {address})",
            p.line_defined,
            p.last_line_defined,
            plural(n),
            n * 4
        );
        let _ = write!(
            self.out,
            "{}{} param{}, {} slot{}, {} upvalue{}, ",
            p.num_params,
            if p.is_vararg != 0 { "+" } else { "" },
            plural(p.num_params as usize),
            p.max_stack_size,
            plural(p.max_stack_size as usize),
            p.num_upvalues,
            plural(p.num_upvalues as usize),
        );
        let _ = writeln!(
            self.out,
            "{} local{}, {} constant{}, {} function{}",
            p.loc_vars.len(),
            plural(p.loc_vars.len()),
            p.constants.len(),
            plural(p.constants.len()),
            p.protos.len(),
            plural(p.protos.len()),
        );
    }

    fn code(&mut self, p: &Proto) {
        let mut pc = 0;
        while let Some(&i) = p.code.get(pc) {
            let op = i.opcode();
            let _ = write!(self.out, "\t{}\t", pc + 1);
            match p.line_info.get(pc) {
                Some(&line) if line > 0 => {
                    let _ = write!(self.out, "[{line}]\t");
                }
                _ => self.out.push_str("[-]\t"),
            }
            let _ = write!(self.out, "{:<9}\t", op.name());
            self.operands(i);
            pc = self.comment(p, pc, i);
            self.out.push('\n');
            pc += 1;
        }
    }

    fn operands(&mut self, i: Instruction) {
        let op = i.opcode();
        let (a, b, c, bx, sbx) = (i.a(), i.b(), i.c(), i.bx() as i64, i.sbx());
        let rk = |x: u32| -> i64 {
            if is_k(x) {
                -1 - i64::from(index_k(x))
            } else {
                i64::from(x)
            }
        };
        let _ = match op.mode() {
            OpMode::ABC => {
                let _ = write!(self.out, "{a}");
                if op.b_mode() != OpArgMode::N {
                    let _ = write!(self.out, " {}", rk(b));
                }
                if op.c_mode() != OpArgMode::N {
                    let _ = write!(self.out, " {}", rk(c));
                }
                Ok(())
            }
            OpMode::ABx if op.b_mode() == OpArgMode::K => write!(self.out, "{a} {}", -1 - bx),
            OpMode::ABx => write!(self.out, "{a} {bx}"),
            OpMode::AsBx if op == OpCode::Jmp => write!(self.out, "{sbx}"),
            OpMode::AsBx => write!(self.out, "{a} {sbx}"),
        };
    }

    /// Print the comment after an instruction's operands; returns the pc of the last word the
    /// instruction used (SETLIST may take the next word as its operand).
    fn comment(&mut self, p: &Proto, pc: usize, i: Instruction) -> usize {
        let (b, c, bx) = (i.b(), i.c(), i.bx() as usize);
        match i.opcode() {
            OpCode::LoadK => {
                self.out.push_str("\t; ");
                self.constant(p, bx);
            }
            OpCode::GetUpval | OpCode::SetUpval => {
                let name = p.upvalue_names.get(b as usize).map(|n| lossy(n));
                let _ = write!(self.out, "\t; {}", name.as_deref().unwrap_or("-"));
            }
            OpCode::GetGlobal | OpCode::SetGlobal => {
                let name = match p.constants.get(bx) {
                    Some(Constant::String(s)) => lossy(crate::cstr::c_str(s)),
                    _ => String::new(),
                };
                let _ = write!(self.out, "\t; {name}");
            }
            OpCode::GetTable | OpCode::SelfOp if is_k(c) => {
                self.out.push_str("\t; ");
                self.constant(p, index_k(c) as usize);
            }
            OpCode::SetTable
            | OpCode::Add
            | OpCode::Sub
            | OpCode::Mul
            | OpCode::Div
            | OpCode::Pow
            | OpCode::Eq
            | OpCode::Lt
            | OpCode::Le
                if is_k(b) || is_k(c) =>
            {
                self.out.push_str("\t; ");
                self.rk_constant(p, b);
                self.out.push(' ');
                self.rk_constant(p, c);
            }
            OpCode::Jmp | OpCode::ForLoop | OpCode::ForPrep => {
                let _ = write!(self.out, "\t; to {}", i64::from(i.sbx()) + pc as i64 + 2);
            }
            OpCode::Closure => {
                let address = match p.protos.get(bx) {
                    Some(child) => self.address(child),
                    None => "0x0".to_string(),
                };
                let _ = write!(self.out, "\t; {address}");
            }
            OpCode::SetList => {
                if c == 0 {
                    // The block number did not fit in C: it is the next word.
                    let word = p.code.get(pc + 1).map_or(0, |w| w.0 as i32);
                    let _ = write!(self.out, "\t; {word}");
                    return pc + 1;
                }
                let _ = write!(self.out, "\t; {c}");
            }
            _ => {}
        }
        pc
    }

    fn rk_constant(&mut self, p: &Proto, x: u32) {
        if is_k(x) {
            self.constant(p, index_k(x) as usize);
        } else {
            self.out.push('-');
        }
    }

    fn constant(&mut self, p: &Proto, index: usize) {
        match p.constants.get(index) {
            Some(Constant::Nil) => self.out.push_str("nil"),
            Some(Constant::Boolean(b)) => self.out.push_str(if *b { "true" } else { "false" }),
            Some(Constant::Number(n)) => {
                let mut text = Vec::new();
                crate::number::format_number(*n, &mut text);
                self.out.push_str(&String::from_utf8_lossy(&text));
            }
            Some(Constant::String(s)) => quote_string(&mut self.out, s),
            None => self.out.push_str("? type=-1"),
        }
    }

    fn constants(&mut self, p: &Proto) {
        let address = self.address(p);
        let _ = writeln!(self.out, "constants ({}) for {address}:", p.constants.len());
        for i in 0..p.constants.len() {
            let _ = write!(self.out, "\t{}\t", i + 1);
            self.constant(p, i);
            self.out.push('\n');
        }
    }

    fn locals(&mut self, p: &Proto) {
        let address = self.address(p);
        let _ = writeln!(self.out, "locals ({}) for {address}:", p.loc_vars.len());
        for (i, v) in p.loc_vars.iter().enumerate() {
            let _ = writeln!(
                self.out,
                "\t{i}\t{}\t{}\t{}",
                lossy(crate::cstr::c_str(&v.name)),
                v.start_pc + 1,
                v.end_pc + 1
            );
        }
    }

    fn upvalues(&mut self, p: &Proto) {
        let address = self.address(p);
        let _ = writeln!(
            self.out,
            "upvalues ({}) for {address}:",
            p.upvalue_names.len()
        );
        for (i, name) in p.upvalue_names.iter().enumerate() {
            let _ = writeln!(self.out, "\t{i}\t{}", lossy(crate::cstr::c_str(name)));
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn lossy(s: &[u8]) -> String {
    String::from_utf8_lossy(s).into_owned()
}

/// A string constant in double quotes, with C escapes for quotes, backslashes and control
/// characters and `\ddd` for any other unprintable byte.
fn quote_string(out: &mut String, s: &[u8]) {
    out.push('"');
    for &c in s {
        match c {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x07 => out.push_str("\\a"),
            0x08 => out.push_str("\\b"),
            0x0C => out.push_str("\\f"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x0B => out.push_str("\\v"),
            0x20..=0x7E => out.push(c as char),
            _ => {
                let _ = write!(out, "\\{c:03}");
            }
        }
    }
    out.push('"');
}

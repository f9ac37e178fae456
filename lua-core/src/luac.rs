//! The `luac` compiler's behaviour (what `luac5.1` does with its command line): compile or
//! load each input, list it (`-l`, `-l -l`), and write it as one binary chunk (`-o`, `-s`),
//! with `luac5.1`'s messages and exit statuses. Several inputs are joined under a main
//! function that runs each in turn, as `luac5.1` joins them.

use crate::bytecode::{self, Instruction, OpCode, Proto};
use std::io::Write;

const VERSION: &str = "Lua 5.1.5  Copyright (C) 1994-2012 Lua.org, PUC-Rio";
/// The output file when `-o` is not given.
const DEFAULT_OUTPUT: &str = "luac.out";

/// What the command line asks for.
struct Options {
    listing: u32,
    dumping: bool,
    stripping: bool,
    /// `None`: standard output (`-o -`).
    output: Option<Vec<u8>>,
    inputs: Vec<Vec<u8>>,
}

/// Why the run stops early: a message for standard error, with the usage text or not.
enum Stop {
    Fatal(Vec<u8>),
    Usage(Vec<u8>),
    /// `-v` alone: the version was printed and there is nothing else to do.
    Done,
}

/// Run `luac` with `args` (`args[0]` is the program name); returns the exit status.
pub fn run(args: Vec<Vec<u8>>) -> i32 {
    let progname = match args.first() {
        Some(a) if !a.is_empty() => a.clone(),
        _ => b"luac".to_vec(),
    };
    let outcome = parse_args(&args).and_then(|o| compile_inputs(&o));
    let mut err = std::io::stderr().lock();
    match outcome {
        Ok(()) | Err(Stop::Done) => 0,
        Err(Stop::Fatal(msg)) => {
            let _ = err.write_all(&[&progname[..], b": ", &msg, b"\n"].concat());
            1
        }
        Err(Stop::Usage(msg)) => {
            let _ = err.write_all(&[&progname[..], b": ", &msg, b"\n"].concat());
            let p = String::from_utf8_lossy(&progname);
            let _ = write!(
                err,
                "usage: {p} [options] [filenames].\n\
                 Available options are:\n  \
                 -        process stdin\n  \
                 -l       list\n  \
                 -o name  output to file 'name' (default is \"{DEFAULT_OUTPUT}\")\n  \
                 -p       parse only\n  \
                 -s       strip debug information\n  \
                 -v       show version information\n  \
                 --       stop handling options\n"
            );
            1
        }
    }
}

/// `doargs`: options end at the first argument not starting with `-`, at `-` (standard
/// input) or after `--`.
fn parse_args(args: &[Vec<u8>]) -> Result<Options, Stop> {
    let mut o = Options {
        listing: 0,
        dumping: true,
        stripping: false,
        output: Some(DEFAULT_OUTPUT.as_bytes().to_vec()),
        inputs: Vec::new(),
    };
    let mut version = 0;
    let mut i = 1;
    while i < args.len() {
        let arg = &args[i][..];
        if arg.first() != Some(&b'-') || arg == b"-" {
            break;
        }
        match arg {
            b"--" => {
                i += 1;
                if version > 0 {
                    version += 1;
                }
                break;
            }
            b"-l" => o.listing += 1,
            b"-o" => {
                i += 1;
                match args.get(i) {
                    None => return Err(Stop::Usage(b"'-o' needs argument".to_vec())),
                    Some(name) if name.is_empty() => {
                        return Err(Stop::Usage(b"'-o' needs argument".to_vec()))
                    }
                    Some(name) if name == b"-" => o.output = None,
                    Some(name) => o.output = Some(name.clone()),
                }
            }
            b"-p" => o.dumping = false,
            b"-s" => o.stripping = true,
            b"-v" => version += 1,
            _ => {
                let msg = [b"unrecognized option '", arg, b"'"].concat();
                return Err(Stop::Usage(msg));
            }
        }
        i += 1;
    }
    o.inputs = args[i.min(args.len())..].to_vec();
    if o.inputs.is_empty() && (o.listing > 0 || !o.dumping) {
        // Listing or checking with no input works on the default output file.
        o.dumping = false;
        o.inputs.push(DEFAULT_OUTPUT.as_bytes().to_vec());
    }
    if version > 0 {
        println!("{VERSION}");
        if version == args.len() - 1 {
            return Err(Stop::Done);
        }
    }
    if o.inputs.is_empty() {
        return Err(Stop::Usage(b"no input files given".to_vec()));
    }
    Ok(o)
}

fn compile_inputs(o: &Options) -> Result<(), Stop> {
    let mut protos = Vec::with_capacity(o.inputs.len());
    for input in &o.inputs {
        let path = (input != b"-").then_some(&input[..]);
        protos.push(load_input(path).map_err(Stop::Fatal)?);
    }
    let main = combine(protos);
    if o.listing > 0 {
        let text = bytecode::list_proto_with_addresses(&main, o.listing > 1);
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
        let _ = out.flush();
    }
    if o.dumping {
        let chunk = bytecode::dump(&main, o.stripping);
        write_output(o, &chunk)?;
    }
    Ok(())
}

/// Compile (or read, for a binary chunk) one input as `luaL_loadfile` does.
fn load_input(path: Option<&[u8]>) -> Result<Proto, Vec<u8>> {
    let data = crate::sys::read_source(path)
        .map_err(|(what, e)| crate::sys::file_error_message(what, path.unwrap_or(b"stdin"), &e))?;
    let chunkname = match path {
        Some(p) => [b"@", p].concat(),
        None => b"=stdin".to_vec(),
    };
    let chunk = crate::vm::file_chunk(&data, path.is_some());
    // The loader runs one C call deep under luac5.1 (its `pmain`).
    if chunk.first() == Some(&bytecode::BINARY_SIGNATURE_BYTE) {
        bytecode::undump(chunk, &chunkname, 1).map_err(|e| e.message)
    } else {
        crate::compile::compile_at_depth(chunk, &chunkname, 1).map_err(|e| e.message)
    }
}

/// One input is its own main function; several are called in turn by a new one, named
/// `=(luac)`, as `luac5.1`'s `combine` builds it.
fn combine(mut protos: Vec<Proto>) -> Proto {
    if protos.len() == 1 {
        if let Some(p) = protos.pop() {
            return p;
        }
    }
    let mut code = Vec::with_capacity(2 * protos.len() + 1);
    for i in 0..protos.len() {
        code.push(Instruction::abx(OpCode::Closure, 0, i as u32));
        code.push(Instruction::abc(OpCode::Call, 0, 1, 1));
    }
    code.push(Instruction::abc(OpCode::Return, 0, 1, 0));
    Proto {
        code,
        protos,
        source: std::rc::Rc::from(&b"=(luac)"[..]),
        max_stack_size: 1,
        ..Proto::default()
    }
}

fn write_output(o: &Options, chunk: &[u8]) -> Result<(), Stop> {
    let Some(name) = &o.output else {
        let mut out = std::io::stdout().lock();
        return out
            .write_all(chunk)
            .and_then(|()| out.flush())
            .map_err(|e| cannot("write", b"(null)", &e));
    };
    let path = crate::sys::bytes_to_path(name);
    let mut file = std::fs::File::create(path).map_err(|e| cannot("open", name, &e))?;
    file.write_all(chunk)
        .map_err(|e| cannot("write", name, &e))?;
    file.sync_data().ok();
    Ok(())
}

/// `luac5.1`'s `cannot`: `cannot open luac.out: Permission denied`.
fn cannot(what: &str, name: &[u8], e: &std::io::Error) -> Stop {
    Stop::Fatal(crate::sys::file_error_message(what, name, e))
}

//! The io library, as in Lua 5.1 on glibc: `io.*` over a default input and output, and file
//! handles as userdata with the `FILE*` metatable (`read write lines seek setvbuf flush close`).
//! Only the standalone interpreter opens it.
//!
//! - `io.stdout` writes through the interpreter's stdout writer, the one `print` uses, so the
//!   two never reorder; `io.stdin` reads through the process-wide stdin buffer the CLI also uses.
//! - Failures come back as `nil, message, errno`, with glibc's messages.
//! - A file's state lives behind an `Rc` so that `os.exit` can flush every open file, as C's
//!   `exit` flushes every stream; the userdata holds one reference, a weak list the other.

mod file;
mod scan;
mod stream;

use crate::gc::Gc;
use crate::value::{NativeFn, Table, UserData, Value};
use crate::vm::{LuaResult, State};
use std::cell::{RefCell, RefMut};
use std::rc::{Rc, Weak};
use stream::{os_error, Buffering, Handle, OpenMode, Stream, EINVAL};

/// The `io` functions, in the order Lua 5.1 registers them (which fixes `pairs(io)` order).
const FUNCTIONS: &[(&str, NativeFn)] = &[
    ("close", io_close),
    ("flush", io_flush),
    ("input", io_input),
    ("lines", io_lines),
    ("open", io_open),
    ("output", io_output),
    ("popen", io_popen),
    ("read", io_read),
    ("tmpfile", io_tmpfile),
    ("type", io_type),
    ("write", io_write),
];

/// Registry key of the file handle metatable (`LUA_FILEHANDLE`).
const FILE_HANDLE: &str = "FILE*";

/// Slots of the private table every `io` function holds as its upvalue.
const INPUT: i64 = 1;
const OUTPUT: i64 = 2;

/// Where a file's bytes go.
pub(crate) enum Channel {
    Stdin,
    /// The interpreter's stdout writer, with the policy `setvbuf` chose.
    Stdout(Buffering),
    Stderr,
    Stream(Stream),
}

/// How a file is closed.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum FileKind {
    /// `io.stdin`, `io.stdout`, `io.stderr`: never closed.
    Standard,
    Regular,
    /// From `io.popen`: closing waits for the command.
    Pipe,
}

/// An open or closed file (`channel` is `None` once closed).
pub(crate) struct FileSlot {
    channel: Option<Channel>,
    kind: FileKind,
}

pub(crate) type FileRef = Rc<RefCell<FileSlot>>;

/// The payload of a file userdata.
struct FileHandle(FileRef);

/// Every file opened so far, to flush at `os.exit`.
#[derive(Default)]
struct OpenFiles {
    files: Vec<Weak<RefCell<FileSlot>>>,
    /// Length after the last pruning of dead entries.
    pruned_len: usize,
}

pub fn open(state: &mut State, allowed: Option<&[&str]>) -> LuaResult<()> {
    let permitted = |name: &str| allowed.is_none_or(|list| list.contains(&name));
    let meta = state.new_table();
    state.set_field(meta, "__index", Value::Table(meta))?;
    for &(name, f) in file::METHODS {
        let v = state.new_native(name, f);
        state.set_field(meta, name, v)?;
    }
    let registry = state.registry();
    state.set_field(registry, FILE_HANDLE, Value::Table(meta))?;

    // The private table of the current input and output files.
    let env = state.new_table();
    let io = state.new_table_with(0, FUNCTIONS.len());
    state.set_global("io", Value::Table(io))?;
    for &(name, f) in FUNCTIONS {
        if permitted(name) {
            let v = state.new_native_with_upvalues(name, f, vec![Value::Table(env)]);
            state.set_field(io, name, v)?;
        }
    }
    let standard = [
        ("stdin", Channel::Stdin, Some(INPUT)),
        (
            "stdout",
            Channel::Stdout(Buffering::Full(stream::BUFFER_SIZE)),
            Some(OUTPUT),
        ),
        ("stderr", Channel::Stderr, None),
    ];
    for (name, channel, slot) in standard {
        let f = new_file(state, channel, FileKind::Standard);
        if let Some(slot) = slot {
            state.raw_set_int(env, slot, f)?;
        }
        if permitted(name) {
            state.set_field(io, name, f)?;
        }
    }
    Ok(())
}

/// Flush every open file (the interpreter's stdout is flushed separately).
pub(crate) fn flush_all_files(state: &mut State) {
    let Some(open) = state.app_data_mut::<OpenFiles>() else {
        return;
    };
    for file in open.files.iter().filter_map(Weak::upgrade) {
        if let Ok(mut slot) = file.try_borrow_mut() {
            if let Some(Channel::Stream(s)) = &mut slot.channel {
                let _ = s.flush();
            }
        }
    }
}

// ---- file values ---------------------------------------------------------------------------

/// A new file userdata with the `FILE*` metatable.
fn new_file(state: &mut State, channel: Channel, kind: FileKind) -> Value {
    let file = Rc::new(RefCell::new(FileSlot {
        channel: Some(channel),
        kind,
    }));
    if kind != FileKind::Standard {
        if state.app_data_mut::<OpenFiles>().is_none() {
            state.set_app_data(OpenFiles::default());
        }
        if let Some(open) = state.app_data_mut::<OpenFiles>() {
            open.files.push(Rc::downgrade(&file));
            if open.files.len() > 2 * open.pruned_len.max(16) {
                open.files.retain(|w| w.strong_count() > 0);
                open.pruned_len = open.files.len();
            }
        }
    }
    let mut u = UserData::new(Box::new(FileHandle(file)));
    u.metatable = file_metatable(state);
    Value::UserData(state.heap_mut().alloc_userdata(u))
}

fn file_metatable(state: &mut State) -> Option<Gc<Table>> {
    let registry = state.registry();
    state.get_field(registry, FILE_HANDLE).as_table()
}

/// The file behind a value, if it is a file handle (`luaL_checkudata`'s test).
fn file_of(state: &mut State, v: Value) -> Option<FileRef> {
    let Value::UserData(u) = v else { return None };
    if u.metatable().is_none() || u.metatable() != file_metatable(state) {
        return None;
    }
    u.data().downcast_ref::<FileHandle>().map(|h| h.0.clone())
}

/// Argument `n` as a file handle, open or closed.
fn check_file(state: &mut State, n: usize) -> LuaResult<FileRef> {
    let v = state.arg(n);
    match file_of(state, v) {
        Some(f) => Ok(f),
        None => Err(state.arg_type_error(n, FILE_HANDLE)),
    }
}

/// The slot of a file, mutably. Borrows never outlive one library call, so this cannot clash.
fn slot_of(file: &FileRef) -> Option<RefMut<'_, FileSlot>> {
    file.try_borrow_mut().ok()
}

fn is_open(file: &FileRef) -> bool {
    slot_of(file).is_some_and(|s| s.channel.is_some())
}

/// Argument `n` as an open file (`tofile`).
fn check_open_file(state: &mut State, n: usize) -> LuaResult<FileRef> {
    let f = check_file(state, n)?;
    if !is_open(&f) {
        return Err(state.native_error("attempt to use a closed file"));
    }
    Ok(f)
}

/// The private table of default files (upvalue of every `io` function).
fn default_files(state: &mut State) -> Option<Gc<Table>> {
    state.native_upvalue(0).as_table()
}

/// The current input or output file, which must be open (`getiofile`).
fn default_file(state: &mut State, which: i64) -> LuaResult<FileRef> {
    let v = default_files(state).map_or(Value::Nil, |env| env.get_int(which));
    match file_of(state, v) {
        Some(f) if is_open(&f) => Ok(f),
        _ => {
            let name = if which == INPUT { "input" } else { "output" };
            Err(state.native_error(&format!("standard {} file is closed", name)))
        }
    }
}

// ---- results -------------------------------------------------------------------------------

/// `true`, or `nil, message, errno` where the message is prefixed with `name: ` when given
/// (`pushresult`).
fn push_result(state: &mut State, r: std::io::Result<()>, name: Option<&[u8]>) -> LuaResult<usize> {
    match r {
        Ok(()) => {
            state.push(Value::Boolean(true));
            Ok(1)
        }
        Err(e) => push_failure(state, &e, name),
    }
}

fn push_failure(state: &mut State, e: &std::io::Error, name: Option<&[u8]>) -> LuaResult<usize> {
    let msg = error_message(e, name);
    state.push(Value::Nil);
    let msg = state.new_string(&msg);
    state.push(msg);
    state.push(Value::Number(super::os::errno_of(e) as f64));
    Ok(3)
}

fn error_message(e: &std::io::Error, name: Option<&[u8]>) -> Vec<u8> {
    let mut msg = Vec::new();
    if let Some(name) = name {
        msg.extend_from_slice(name);
        msg.extend_from_slice(b": ");
    }
    msg.extend_from_slice(crate::sys::strerror(e).as_bytes());
    msg
}

/// A path from the bytes of a file name.
#[cfg(unix)]
pub(crate) fn bytes_path(name: &[u8]) -> std::path::PathBuf {
    use std::os::unix::ffi::OsStrExt;
    std::path::PathBuf::from(std::ffi::OsStr::from_bytes(crate::cstr::c_str(name)))
}

#[cfg(not(unix))]
pub(crate) fn bytes_path(name: &[u8]) -> std::path::PathBuf {
    std::path::PathBuf::from(String::from_utf8_lossy(crate::cstr::c_str(name)).into_owned())
}

/// Open `name` as `fopen(name, mode)` would.
fn open_stream(name: &[u8], mode: &[u8]) -> std::io::Result<Stream> {
    let Some(m) = OpenMode::parse(crate::cstr::c_str(mode)) else {
        return Err(os_error(EINVAL));
    };
    let f = m.open(&bytes_path(name))?;
    Ok(Stream::new(Handle::File(f), m.read, m.write))
}

/// A new empty file `/tmp/lua_XXXXXX` that did not exist before (as `mkstemp` makes it),
/// with its name.
pub(crate) fn create_temp_file() -> Option<(Vec<u8>, std::fs::File)> {
    const LETTERS: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let clock = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    let mut x = clock ^ ((std::process::id() as u64) << 32) ^ 0x9e37_79b9_7f4a_7c15;
    for _ in 0..100 {
        let mut name = b"/tmp/lua_".to_vec();
        for _ in 0..6 {
            // xorshift64
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            name.push(LETTERS[(x % LETTERS.len() as u64) as usize]);
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        match options.open(bytes_path(&name)) {
            Ok(f) => return Some((name, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(_) => return None,
        }
    }
    None
}

// ---- the io functions ----------------------------------------------------------------------

fn io_open(state: &mut State) -> LuaResult<usize> {
    let name = state.check_string(1)?;
    let mode = state.opt_string(2)?;
    let mode = mode.map_or_else(|| b"r".to_vec(), |m| m.as_bytes().to_vec());
    let name = crate::cstr::c_str(name.as_bytes()).to_vec();
    match open_stream(&name, &mode) {
        Ok(s) => {
            let f = new_file(state, Channel::Stream(s), FileKind::Regular);
            state.push(f);
            Ok(1)
        }
        Err(e) => push_failure(state, &e, Some(&name)),
    }
}

/// `popen(cmd [, mode])`: the output (`r`) or input (`w`) of `/bin/sh -c cmd`.
fn io_popen(state: &mut State) -> LuaResult<usize> {
    let cmd = state.check_string(1)?;
    let mode = state.opt_string(2)?;
    let mode = mode.map_or_else(
        || b"r".to_vec(),
        |m| crate::cstr::c_str(m.as_bytes()).to_vec(),
    );
    let cmd = crate::cstr::c_str(cmd.as_bytes()).to_vec();
    // glibc's `popen` flushes every output stream before starting the command.
    state.flush_stdout();
    flush_all_files(state);
    match spawn_pipe(&cmd, &mode) {
        Ok(s) => {
            let f = new_file(state, Channel::Stream(s), FileKind::Pipe);
            state.push(f);
            Ok(1)
        }
        Err(e) => push_failure(state, &e, Some(&cmd)),
    }
}

#[cfg(unix)]
fn spawn_pipe(cmd: &[u8], mode: &[u8]) -> std::io::Result<Stream> {
    use std::os::unix::ffi::OsStrExt;
    use std::process::{Command, Stdio};
    let reading = match mode {
        b"r" | b"re" => true,
        b"w" | b"we" => false,
        _ => return Err(os_error(EINVAL)),
    };
    let mut command = Command::new("/bin/sh");
    command.arg("-c").arg(std::ffi::OsStr::from_bytes(cmd));
    if reading {
        command.stdout(Stdio::piped());
        let mut child = command.spawn()?;
        match child.stdout.take() {
            Some(out) => Ok(Stream::new(Handle::PipeFrom(child, out), true, false)),
            None => Err(os_error(EINVAL)),
        }
    } else {
        command.stdin(Stdio::piped());
        let mut child = command.spawn()?;
        match child.stdin.take() {
            Some(input) => Ok(Stream::new(Handle::PipeTo(child, input), false, true)),
            None => Err(os_error(EINVAL)),
        }
    }
}

#[cfg(not(unix))]
fn spawn_pipe(_cmd: &[u8], _mode: &[u8]) -> std::io::Result<Stream> {
    Err(os_error(EINVAL))
}

/// `tmpfile()`: a new file opened for update, removed from the file system at once.
fn io_tmpfile(state: &mut State) -> LuaResult<usize> {
    match create_temp_file() {
        Some((name, f)) => {
            let _ = std::fs::remove_file(bytes_path(&name));
            let f = new_file(
                state,
                Channel::Stream(Stream::new(Handle::File(f), true, true)),
                FileKind::Regular,
            );
            state.push(f);
            Ok(1)
        }
        None => {
            let e = std::io::Error::from_raw_os_error(17);
            push_failure(state, &e, None)
        }
    }
}

fn io_type(state: &mut State) -> LuaResult<usize> {
    let v = state.check_any(1)?;
    let result = match file_of(state, v) {
        Some(f) if is_open(&f) => state.new_string(b"file"),
        Some(_) => state.new_string(b"closed file"),
        None => Value::Nil,
    };
    state.push(result);
    Ok(1)
}

/// `io.input`/`io.output`: with a file name, open it (with `mode`) and make it the default;
/// with a file, make it the default; return the default.
fn default_file_access(state: &mut State, which: i64, mode: &[u8]) -> LuaResult<usize> {
    let env = match default_files(state) {
        Some(env) => env,
        None => return Err(state.native_error("io library state is missing")),
    };
    match state.arg(1) {
        Value::Nil => {}
        Value::String(_) | Value::Number(_) => {
            let name = state.check_string(1)?;
            let name = crate::cstr::c_str(name.as_bytes()).to_vec();
            match open_stream(&name, mode) {
                Ok(s) => {
                    let f = new_file(state, Channel::Stream(s), FileKind::Regular);
                    state.raw_set_int(env, which, f)?;
                }
                Err(e) => {
                    let msg = error_message(&e, Some(&name));
                    return Err(state.arg_error(1, &String::from_utf8_lossy(&msg)));
                }
            }
        }
        v => {
            check_open_file(state, 1)?;
            state.raw_set_int(env, which, v)?;
        }
    }
    state.push(env.get_int(which));
    Ok(1)
}

fn io_input(state: &mut State) -> LuaResult<usize> {
    default_file_access(state, INPUT, b"r")
}

fn io_output(state: &mut State) -> LuaResult<usize> {
    default_file_access(state, OUTPUT, b"w")
}

/// `close([file])`: the default output when no argument is given.
fn io_close(state: &mut State) -> LuaResult<usize> {
    let f = if state.arg_present(1) {
        check_open_file(state, 1)?
    } else {
        let v = default_files(state).map_or(Value::Nil, |env| env.get_int(OUTPUT));
        state.push(v);
        check_open_file(state, 1)?
    };
    file::close_file(state, &f)
}

fn io_read(state: &mut State) -> LuaResult<usize> {
    let f = default_file(state, INPUT)?;
    file::read_formats(state, &f, 1)
}

fn io_write(state: &mut State) -> LuaResult<usize> {
    let f = default_file(state, OUTPUT)?;
    file::write_values(state, &f, 1)
}

fn io_flush(state: &mut State) -> LuaResult<usize> {
    let f = default_file(state, OUTPUT)?;
    let r = file::flush_file(state, &f);
    push_result(state, r, None)
}

/// `lines([name])`: an iterator over the lines of the named file (closed at its end), or of the
/// default input.
fn io_lines(state: &mut State) -> LuaResult<usize> {
    match state.arg(1) {
        Value::Nil => {
            // Lua 5.1 checks its first argument here: an explicit nil fails, while no argument
            // means the default input.
            if state.arg_present(1) {
                return Err(state.arg_type_error(1, FILE_HANDLE));
            }
            let v = default_files(state).map_or(Value::Nil, |env| env.get_int(INPUT));
            state.push(v);
            check_open_file(state, 1)?;
            file::push_line_iterator(state, v, false)
        }
        _ => {
            let name = state.check_string(1)?;
            let name = crate::cstr::c_str(name.as_bytes()).to_vec();
            match open_stream(&name, b"r") {
                Ok(s) => {
                    let f = new_file(state, Channel::Stream(s), FileKind::Regular);
                    file::push_line_iterator(state, f, true)
                }
                Err(e) => {
                    let msg = error_message(&e, Some(&name));
                    Err(state.arg_error(1, &String::from_utf8_lossy(&msg)))
                }
            }
        }
    }
}

/// Write to the interpreter's stdout, applying the `setvbuf` policy of `io.stdout`.
fn write_stdout(state: &mut State, buffering: Buffering, data: &[u8]) -> std::io::Result<()> {
    let out = state.stdout();
    out.write_all(data)?;
    match buffering {
        Buffering::Unbuffered => out.flush(),
        Buffering::Line if data.contains(&b'\n') => out.flush(),
        _ => Ok(()),
    }
}

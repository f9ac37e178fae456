//! File handle methods (`file:read`, `file:write`, ...) and the reading, writing and closing
//! that `io.read`, `io.write` and `io.close` share with them.

use super::scan::{self, ByteSource};
use super::stream::{os_error, Buffering, BUFFER_SIZE, EBADF, EINVAL};
use super::{
    check_file, check_open_file, file_of, push_failure, push_result, slot_of, Channel, FileKind,
    FileRef,
};
use crate::value::{NativeFn, Value};
use crate::vm::{LuaResult, State};
use std::io::{self, SeekFrom, Write};

/// The methods of the `FILE*` metatable, in the order Lua 5.1 registers them.
pub(super) const METHODS: &[(&str, NativeFn)] = &[
    ("close", file_close),
    ("flush", file_flush),
    ("lines", file_lines),
    ("read", file_read),
    ("seek", file_seek),
    ("setvbuf", file_setvbuf),
    ("write", file_write),
    ("__gc", file_gc),
    ("__tostring", file_tostring),
];

/// Run `f` on the input side of a channel.
fn with_input<R>(
    channel: &mut Channel,
    f: impl FnOnce(&mut dyn ByteSource) -> io::Result<R>,
) -> io::Result<R> {
    match channel {
        Channel::Stdin => f(&mut std::io::stdin().lock()),
        Channel::Stream(s) => f(s),
        Channel::Stdout(_) | Channel::Stderr => Err(os_error(EBADF)),
    }
}

/// The value one read format produced: a string, a number, or nil for a failed read.
fn push_read(state: &mut State, r: Option<Vec<u8>>) -> bool {
    match r {
        Some(bytes) => {
            let s = state.new_string(&bytes);
            state.push(s);
            true
        }
        None => {
            state.push(Value::Nil);
            false
        }
    }
}

/// One read format: a count, or `*n`, `*l`, `*a` (only the character after `*` matters).
enum Format {
    Count(usize),
    Number,
    Line,
    All,
}

fn read_format(state: &mut State, idx: usize) -> LuaResult<Format> {
    match state.arg(idx) {
        // A count is converted as C's `(size_t)` of a `long`: negative counts are huge.
        Value::Number(n) => Ok(Format::Count(crate::number::to_c_long(n) as u64 as usize)),
        Value::String(s) => {
            let p = s.as_bytes();
            if p.first() != Some(&b'*') {
                return Err(state.arg_error(idx, "invalid option"));
            }
            match p.get(1) {
                Some(b'n') => Ok(Format::Number),
                Some(b'l') => Ok(Format::Line),
                Some(b'a') => Ok(Format::All),
                _ => Err(state.arg_error(idx, "invalid format")),
            }
        }
        _ => Err(state.arg_error(idx, "invalid option")),
    }
}

/// `g_read`: read with the formats in arguments `first..`, a line when there are none. Stops at
/// the first format that fails, which gives nil; an I/O error gives `nil, message, errno`.
pub(super) fn read_formats(state: &mut State, file: &FileRef, first: usize) -> LuaResult<usize> {
    let nargs = (state.arg_count() + 1).saturating_sub(first);
    let Some(mut slot) = slot_of(file) else {
        return Err(state.native_error("attempt to use a closed file"));
    };
    let Some(channel) = slot.channel.as_mut() else {
        return Err(state.native_error("attempt to use a closed file"));
    };
    if nargs == 0 {
        return match with_input(channel, scan::read_line) {
            Ok(line) => {
                push_read(state, line);
                Ok(1)
            }
            Err(e) => push_failure(state, &e, None),
        };
    }
    let mut count = 0;
    for idx in first..first + nargs {
        let format = read_format(state, idx)?;
        count += 1;
        let ok = match format {
            Format::Number => match with_input(channel, scan::read_number) {
                Ok(Some(n)) => {
                    state.push(Value::Number(n));
                    true
                }
                Ok(None) => {
                    state.push(Value::Nil);
                    false
                }
                Err(e) => return push_failure(state, &e, None),
            },
            Format::Line => match with_input(channel, scan::read_line) {
                Ok(r) => push_read(state, r),
                Err(e) => return push_failure(state, &e, None),
            },
            Format::All => match with_input(channel, |src| scan::read_bytes(src, usize::MAX)) {
                Ok(r) => push_read(state, Some(r.unwrap_or_default())),
                Err(e) => return push_failure(state, &e, None),
            },
            Format::Count(0) => match with_input(channel, scan::test_eof) {
                Ok(r) => push_read(state, r),
                Err(e) => return push_failure(state, &e, None),
            },
            Format::Count(n) => match with_input(channel, |src| scan::read_bytes(src, n)) {
                Ok(r) => push_read(state, r),
                Err(e) => return push_failure(state, &e, None),
            },
        };
        if !ok {
            break;
        }
    }
    Ok(count)
}

/// Write bytes to a channel.
fn write_channel(state: &mut State, channel: &mut Channel, data: &[u8]) -> io::Result<()> {
    match channel {
        Channel::Stdout(buffering) => super::write_stdout(state, *buffering, data),
        Channel::Stderr => std::io::stderr().write_all(data),
        Channel::Stdin => Err(os_error(EBADF)),
        Channel::Stream(s) => s.write(data),
    }
}

/// `g_write`: write arguments `first..` (strings, and numbers as `%.14g`); after a failure the
/// remaining arguments are still checked but not written. Returns `true` or `nil, msg, errno`.
pub(super) fn write_values(state: &mut State, file: &FileRef, first: usize) -> LuaResult<usize> {
    let nargs = (state.arg_count() + 1).saturating_sub(first);
    let Some(mut slot) = slot_of(file) else {
        return Err(state.native_error("attempt to use a closed file"));
    };
    let Some(channel) = slot.channel.as_mut() else {
        return Err(state.native_error("attempt to use a closed file"));
    };
    let mut status = Ok(());
    let mut number = Vec::new();
    for idx in first..first + nargs {
        let r = match state.arg(idx) {
            Value::Number(n) => {
                number.clear();
                crate::number::format_number(n, &mut number);
                if status.is_ok() {
                    write_channel(state, channel, &number)
                } else {
                    Ok(())
                }
            }
            _ => {
                let s = state.check_string(idx)?;
                if status.is_ok() {
                    write_channel(state, channel, s.as_bytes())
                } else {
                    Ok(())
                }
            }
        };
        if status.is_ok() {
            status = r;
        }
    }
    drop(slot);
    push_result(state, status, None)
}

pub(super) fn flush_file(state: &mut State, file: &FileRef) -> io::Result<()> {
    let Some(mut slot) = slot_of(file) else {
        return Err(os_error(EBADF));
    };
    match slot.channel.as_mut() {
        Some(Channel::Stdout(_)) => state.stdout().flush(),
        Some(Channel::Stream(s)) => s.flush(),
        Some(Channel::Stdin | Channel::Stderr) => Ok(()),
        None => Err(os_error(EBADF)),
    }
}

/// `aux_close`: standard files refuse; others are closed (a pipe waits for its command).
pub(super) fn close_file(state: &mut State, file: &FileRef) -> LuaResult<usize> {
    let Some(mut slot) = slot_of(file) else {
        return Err(state.native_error("attempt to use a closed file"));
    };
    if slot.kind == FileKind::Standard {
        drop(slot);
        state.push(Value::Nil);
        let msg = state.new_string(b"cannot close standard file");
        state.push(msg);
        return Ok(2);
    }
    let r = match slot.channel.take() {
        Some(Channel::Stream(mut s)) => s.close(),
        _ => Ok(()),
    };
    drop(slot);
    push_result(state, r, None)
}

/// Push the `lines` iterator over `file`; `close_at_end` closes it when the lines run out.
pub(super) fn push_line_iterator(
    state: &mut State,
    file: Value,
    close_at_end: bool,
) -> LuaResult<usize> {
    let iter = state.new_native_with_upvalues(
        "lines",
        next_line,
        vec![file, Value::Boolean(close_at_end)],
    );
    state.push(iter);
    Ok(1)
}

/// The `lines` iterator: the next line, or nothing at the end.
fn next_line(state: &mut State) -> LuaResult<usize> {
    let v = state.native_upvalue(0);
    let close_at_end = !state.native_upvalue(1).is_falsy();
    let file = file_of(state, v);
    let Some(file) = file.filter(super::is_open) else {
        return Err(state.native_error("file is already closed"));
    };
    let r = match slot_of(&file) {
        Some(mut slot) => match slot.channel.as_mut() {
            Some(channel) => with_input(channel, scan::read_line),
            None => Err(os_error(EBADF)),
        },
        None => Err(os_error(EBADF)),
    };
    match r {
        Ok(Some(line)) => {
            let s = state.new_string(&line);
            state.push(s);
            Ok(1)
        }
        Ok(None) => {
            if close_at_end {
                let base = state.arg_count();
                close_file(state, &file)?;
                state.set_top(base);
            }
            Ok(0)
        }
        Err(e) => Err(state.native_error(&crate::sys::strerror(&e))),
    }
}

// ---- methods -------------------------------------------------------------------------------

fn file_read(state: &mut State) -> LuaResult<usize> {
    let f = check_open_file(state, 1)?;
    read_formats(state, &f, 2)
}

fn file_write(state: &mut State) -> LuaResult<usize> {
    let f = check_open_file(state, 1)?;
    write_values(state, &f, 2)
}

fn file_lines(state: &mut State) -> LuaResult<usize> {
    check_open_file(state, 1)?;
    let v = state.arg(1);
    push_line_iterator(state, v, false)
}

fn file_flush(state: &mut State) -> LuaResult<usize> {
    let f = check_open_file(state, 1)?;
    let r = flush_file(state, &f);
    push_result(state, r, None)
}

/// `file:close()`. Called with no argument at all it looks for the file in the global table's
/// slot 2, where Lua 5.1's `close` method finds its "default output" (its environment being
/// the globals), so it normally fails with `FILE* expected, got nil`.
fn file_close(state: &mut State) -> LuaResult<usize> {
    if !state.arg_present(1) {
        let g = state.globals();
        state.push(g.get_int(2));
    }
    let f = check_open_file(state, 1)?;
    close_file(state, &f)
}

/// `__gc`: closes a file that is still open (standard files stay open).
fn file_gc(state: &mut State) -> LuaResult<usize> {
    let f = check_file(state, 1)?;
    if let Some(mut slot) = slot_of(&f) {
        if slot.kind != FileKind::Standard {
            if let Some(Channel::Stream(mut s)) = slot.channel.take() {
                let _ = s.close();
            }
        }
    }
    Ok(0)
}

fn file_tostring(state: &mut State) -> LuaResult<usize> {
    let f = check_file(state, 1)?;
    let text = if super::is_open(&f) {
        format!("file (0x{:08x})", state.arg(1).identity())
    } else {
        "file (closed)".to_string()
    };
    let s = state.new_string(text.as_bytes());
    state.push(s);
    Ok(1)
}

const SEEK_MODES: [&str; 3] = ["set", "cur", "end"];

/// `file:seek([whence [, offset]])`: the new position, or `nil, message, errno`.
fn file_seek(state: &mut State) -> LuaResult<usize> {
    let f = check_open_file(state, 1)?;
    let whence = state.check_option(2, Some("cur"), &SEEK_MODES)?;
    let offset = state.opt_int(3, 0)?;
    let to = match whence {
        0 if offset < 0 => None,
        0 => Some(SeekFrom::Start(offset as u64)),
        1 => Some(SeekFrom::Current(offset)),
        _ => Some(SeekFrom::End(offset)),
    };
    let r = match to {
        None => Err(os_error(EINVAL)),
        Some(to) => seek_file(state, &f, to),
    };
    match r {
        Ok(pos) => {
            state.push(Value::Number(pos as f64));
            Ok(1)
        }
        Err(e) => push_failure(state, &e, None),
    }
}

fn seek_file(state: &mut State, file: &FileRef, to: SeekFrom) -> io::Result<u64> {
    let Some(mut slot) = slot_of(file) else {
        return Err(os_error(EBADF));
    };
    match slot.channel.as_mut() {
        Some(Channel::Stream(s)) => s.seek(to),
        Some(Channel::Stdout(_)) => {
            state.flush_stdout();
            seek_standard(1, to)
        }
        Some(Channel::Stdin) => seek_standard(0, to),
        Some(Channel::Stderr) => seek_standard(2, to),
        None => Err(os_error(EBADF)),
    }
}

/// Seek a standard stream's descriptor (through a duplicate, which shares its position).
/// Input the process already buffered from stdin is not accounted for.
#[cfg(unix)]
fn seek_standard(fd: i32, to: SeekFrom) -> io::Result<u64> {
    use std::io::Seek;
    use std::os::fd::AsFd;
    let owned = match fd {
        0 => std::io::stdin().as_fd().try_clone_to_owned()?,
        1 => std::io::stdout().as_fd().try_clone_to_owned()?,
        _ => std::io::stderr().as_fd().try_clone_to_owned()?,
    };
    std::fs::File::from(owned).seek(to)
}

#[cfg(not(unix))]
fn seek_standard(_fd: i32, _to: SeekFrom) -> io::Result<u64> {
    Err(os_error(super::stream::ESPIPE))
}

const BUFFER_MODES: [&str; 3] = ["no", "full", "line"];

/// `file:setvbuf(mode [, size])`.
fn file_setvbuf(state: &mut State) -> LuaResult<usize> {
    let f = check_open_file(state, 1)?;
    let mode = state.check_option(2, None, &BUFFER_MODES)?;
    let size = state.opt_int(3, BUFFER_SIZE as i64)?;
    let buffering = match mode {
        0 => Buffering::Unbuffered,
        1 => Buffering::Full(if size > 0 { size as usize } else { BUFFER_SIZE }),
        _ => Buffering::Line,
    };
    let r = match slot_of(&f) {
        Some(mut slot) => match slot.channel.as_mut() {
            Some(Channel::Stream(s)) => s.set_buffering(buffering),
            Some(Channel::Stdout(b)) => {
                *b = buffering;
                if buffering == Buffering::Unbuffered {
                    state.flush_stdout();
                }
                Ok(())
            }
            _ => Ok(()),
        },
        None => Err(os_error(EBADF)),
    };
    push_result(state, r, None)
}

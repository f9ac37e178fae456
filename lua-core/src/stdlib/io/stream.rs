//! Buffered streams over files and pipes, behaving like C's `FILE`: a read-ahead buffer and a
//! write buffer on one handle, the access checks of the open mode (`EBADF`), and `setvbuf`
//! policies. The standard streams are not here: stdout goes through the interpreter's own
//! writer (so `io.write` and `print` stay in order), stdin through the process-wide buffer.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::process::{Child, ChildStdin, ChildStdout};

/// `BUFSIZ` on glibc: the read-ahead size and the default write buffer.
pub(crate) const BUFFER_SIZE: usize = 8192;

pub(crate) const EBADF: i32 = 9;
pub(crate) const EINVAL: i32 = 22;
pub(crate) const ESPIPE: i32 = 29;

/// When buffered output is passed on (`setvbuf` modes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Buffering {
    /// Every write goes out at once (`_IONBF`).
    Unbuffered,
    /// Output goes out at each newline (`_IOLBF`).
    Line,
    /// Output goes out when this many bytes are waiting (`_IOFBF`).
    Full(usize),
}

/// What a stream reads from or writes to.
pub(crate) enum Handle {
    File(File),
    /// The output of a command started by `io.popen(cmd, "r")`.
    PipeFrom(Child, ChildStdout),
    /// The input of a command started by `io.popen(cmd, "w")`.
    PipeTo(Child, ChildStdin),
}

/// The access an open mode grants, parsed as glibc's `fopen` parses it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct OpenMode {
    pub(crate) read: bool,
    pub(crate) write: bool,
    pub(crate) append: bool,
    pub(crate) create: bool,
    pub(crate) truncate: bool,
    pub(crate) exclusive: bool,
}

impl OpenMode {
    /// `r`, `w` or `a`, then up to six flag characters, of which `+` (update) and `x`
    /// (exclusive) matter; others (`b`, ...) are ignored. `None` is `EINVAL`.
    pub(crate) fn parse(mode: &[u8]) -> Option<OpenMode> {
        let mut m = match mode.first()? {
            b'r' => OpenMode {
                read: true,
                write: false,
                append: false,
                create: false,
                truncate: false,
                exclusive: false,
            },
            b'w' => OpenMode {
                read: false,
                write: true,
                append: false,
                create: true,
                truncate: true,
                exclusive: false,
            },
            b'a' => OpenMode {
                read: false,
                write: true,
                append: true,
                create: true,
                truncate: false,
                exclusive: false,
            },
            _ => return None,
        };
        for &c in mode.iter().skip(1).take(6) {
            match c {
                0 => break,
                b'+' => {
                    m.read = true;
                    m.write = true;
                }
                b'x' => m.exclusive = true,
                _ => {}
            }
        }
        Some(m)
    }

    pub(crate) fn open(&self, path: &std::path::Path) -> io::Result<File> {
        let mut options = std::fs::OpenOptions::new();
        options
            .read(self.read)
            .write(self.write && !self.append)
            .append(self.append);
        if self.create {
            if self.exclusive {
                options.create_new(true);
            } else {
                options.create(true);
            }
        }
        options.truncate(self.truncate);
        options.open(path)
    }
}

/// A buffered stream. Invariant: at most one of the buffers holds data, since switching
/// direction flushes the write buffer or gives back the unread read-ahead.
pub(crate) struct Stream {
    handle: Option<Handle>,
    can_read: bool,
    can_write: bool,
    read_ahead: Vec<u8>,
    read_pos: usize,
    pending: Vec<u8>,
    pub(crate) buffering: Buffering,
}

pub(crate) fn os_error(code: i32) -> io::Error {
    io::Error::from_raw_os_error(code)
}

impl Stream {
    pub(crate) fn new(handle: Handle, can_read: bool, can_write: bool) -> Stream {
        Stream {
            handle: Some(handle),
            can_read,
            can_write,
            read_ahead: Vec::new(),
            read_pos: 0,
            pending: Vec::new(),
            buffering: Buffering::Full(BUFFER_SIZE),
        }
    }

    /// Buffered input, reading more when none is left; empty at end of file.
    pub(crate) fn fill(&mut self) -> io::Result<&[u8]> {
        if self.read_pos >= self.read_ahead.len() {
            if !self.can_read {
                return Err(os_error(EBADF));
            }
            self.flush()?;
            self.read_ahead.resize(BUFFER_SIZE, 0);
            self.read_pos = 0;
            let n = loop {
                let r = match &mut self.handle {
                    Some(Handle::File(f)) => f.read(&mut self.read_ahead),
                    Some(Handle::PipeFrom(_, out)) => out.read(&mut self.read_ahead),
                    Some(Handle::PipeTo(..)) | None => Err(os_error(EBADF)),
                };
                match r {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.read_ahead.clear();
                        return Err(e);
                    }
                    Ok(n) => break n,
                }
            };
            self.read_ahead.truncate(n);
        }
        Ok(self.read_ahead.get(self.read_pos..).unwrap_or_default())
    }

    pub(crate) fn consume(&mut self, n: usize) {
        self.read_pos = (self.read_pos + n).min(self.read_ahead.len());
    }

    fn raw_write(&mut self, data: &[u8]) -> io::Result<()> {
        match &mut self.handle {
            Some(Handle::File(f)) => f.write_all(data),
            Some(Handle::PipeTo(_, input)) => input.write_all(data),
            Some(Handle::PipeFrom(..)) | None => Err(os_error(EBADF)),
        }
    }

    pub(crate) fn write(&mut self, data: &[u8]) -> io::Result<()> {
        if !self.can_write {
            return Err(os_error(EBADF));
        }
        self.drop_read_ahead()?;
        self.pending.extend_from_slice(data);
        let due = match self.buffering {
            Buffering::Unbuffered => true,
            Buffering::Line => data.contains(&b'\n'),
            Buffering::Full(size) => self.pending.len() >= size,
        };
        if due {
            self.flush()?;
        }
        Ok(())
    }

    /// Pass buffered output on to the handle.
    pub(crate) fn flush(&mut self) -> io::Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let data = std::mem::take(&mut self.pending);
        self.raw_write(&data)
    }

    /// Give back unread read-ahead, moving the file position back to what was consumed (as C
    /// does when a read is followed by a write or a seek).
    fn drop_read_ahead(&mut self) -> io::Result<()> {
        let unread = self.read_ahead.len().saturating_sub(self.read_pos);
        self.read_ahead.clear();
        self.read_pos = 0;
        if unread > 0 {
            if let Some(Handle::File(f)) = &mut self.handle {
                f.seek(SeekFrom::Current(-(unread as i64)))?;
            }
        }
        Ok(())
    }

    /// `fseek` then `ftell`: the new position.
    pub(crate) fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        if !matches!(self.handle, Some(Handle::File(_))) {
            return Err(os_error(ESPIPE));
        }
        self.flush()?;
        self.drop_read_ahead()?;
        if let SeekFrom::Start(p) = to {
            if p > i64::MAX as u64 {
                return Err(os_error(EINVAL));
            }
        }
        match &mut self.handle {
            Some(Handle::File(f)) => f.seek(to),
            _ => Err(os_error(ESPIPE)),
        }
    }

    /// `setvbuf`: output waiting in the buffer goes out first.
    pub(crate) fn set_buffering(&mut self, buffering: Buffering) -> io::Result<()> {
        self.flush()?;
        self.buffering = buffering;
        Ok(())
    }

    /// Flush and release the handle; for a pipe, wait for the command to finish.
    pub(crate) fn close(&mut self) -> io::Result<()> {
        let flushed = self.flush();
        match self.handle.take() {
            Some(Handle::PipeFrom(mut child, out)) => {
                drop(out);
                child.wait()?;
            }
            Some(Handle::PipeTo(mut child, input)) => {
                drop(input);
                child.wait()?;
            }
            Some(Handle::File(f)) => drop(f),
            None => {}
        }
        flushed
    }
}

impl super::scan::ByteSource for Stream {
    fn fill(&mut self) -> io::Result<&[u8]> {
        Stream::fill(self)
    }
    fn consume(&mut self, n: usize) {
        Stream::consume(self, n)
    }
}

impl Drop for Stream {
    fn drop(&mut self) {
        // As C's `exit` flushes every open stream; nothing can report a failure here.
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_parse_like_fopen() {
        let r = OpenMode::parse(b"r");
        assert!(matches!(
            r,
            Some(OpenMode {
                read: true,
                write: false,
                ..
            })
        ));
        let rw = OpenMode::parse(b"r+b");
        assert!(matches!(
            rw,
            Some(OpenMode {
                read: true,
                write: true,
                create: false,
                ..
            })
        ));
        let a = OpenMode::parse(b"a+");
        assert!(matches!(
            a,
            Some(OpenMode {
                read: true,
                append: true,
                create: true,
                ..
            })
        ));
        // Unknown flag characters are ignored, as glibc does.
        assert!(matches!(
            OpenMode::parse(b"rw"),
            Some(OpenMode { write: false, .. })
        ));
        assert!(OpenMode::parse(b"").is_none());
        assert!(OpenMode::parse(b"z").is_none());
        assert!(OpenMode::parse(b"+r").is_none());
    }
}

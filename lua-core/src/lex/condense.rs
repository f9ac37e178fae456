//! Reading a source file piece by piece, keeping only what the compiler needs: comments are
//! dropped as they stream past (a long comment leaves its brackets and its line breaks, so
//! every line number and every error stays the same), so a file that is mostly comments costs
//! little more memory than its code, as in lua5.1, whose lexer reads its input as it goes.
//!
//! Strings, long strings and everything else pass through byte for byte; so does a long comment
//! from the point where it holds an error (`[[` nested in a level-0 one), for the lexer to
//! report.

use std::io::Read;

/// How much is read from the file at a time.
const PIECE: usize = 64 * 1024;

/// The input, with a look-ahead of any length over the pieces read so far.
struct Input<R: Read> {
    reader: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
}

impl<R: Read> Input<R> {
    /// The byte `k` places ahead, reading more when needed.
    fn peek(&mut self, k: usize) -> std::io::Result<Option<u8>> {
        while self.pos + k >= self.buf.len() && !self.eof {
            // Drop what was consumed before reading more.
            if self.pos > 0 {
                self.buf.drain(..self.pos);
                self.pos = 0;
            }
            let start = self.buf.len();
            self.buf.resize(start + PIECE, 0);
            let n = loop {
                match self.reader.read(&mut self.buf[start..]) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(e) => {
                        self.buf.truncate(start);
                        return Err(e);
                    }
                }
            };
            self.buf.truncate(start + n);
            if n == 0 {
                self.eof = true;
            }
        }
        Ok(self.buf.get(self.pos + k).copied())
    }

    fn next(&mut self) -> std::io::Result<Option<u8>> {
        let c = self.peek(0)?;
        if c.is_some() {
            self.pos += 1;
        }
        Ok(c)
    }

    /// Pass over bytes while `skip` holds for them, copying them to `out` when given; stops at
    /// the first other byte (left unread) or the end.
    fn run(
        &mut self,
        skip: impl Fn(u8) -> bool,
        mut out: Option<&mut Vec<u8>>,
    ) -> std::io::Result<()> {
        while self.peek(0)?.is_some() {
            let rest = &self.buf[self.pos..];
            let n = rest.iter().position(|&c| !skip(c)).unwrap_or(rest.len());
            if let Some(out) = out.as_deref_mut() {
                out.extend_from_slice(&rest[..n]);
            }
            self.pos += n;
            if n < rest.len() {
                break;
            }
        }
        Ok(())
    }

    /// The number of `=` from `k` places ahead.
    fn equals_from(&mut self, k: usize) -> std::io::Result<usize> {
        let mut n = 0;
        while self.peek(k + n)? == Some(b'=') {
            n += 1;
        }
        Ok(n)
    }
}

/// The source text read from `reader` (after `first`, bytes already read from it), with its
/// comments condensed.
pub(crate) fn condense(first: &[u8], reader: impl Read) -> std::io::Result<Vec<u8>> {
    let mut input = Input {
        reader: first.chain(reader),
        buf: Vec::new(),
        pos: 0,
        eof: false,
    };
    let mut out = Vec::new();
    loop {
        // Plain code goes through as it is.
        input.run(|c| !matches!(c, b'-' | b'[' | b'"' | b'\''), Some(&mut out))?;
        let Some(c) = input.next()? else { break };
        match c {
            b'-' if input.peek(0)? == Some(b'-') => {
                input.next()?;
                comment(&mut input, &mut out)?;
            }
            b'[' => {
                out.push(c);
                let level = input.equals_from(0)?;
                if input.peek(level)? == Some(b'[') {
                    for _ in 0..=level {
                        out.push(input.next()?.unwrap_or(b'['));
                    }
                    long_bracket(&mut input, &mut out, level, true)?;
                }
            }
            b'"' | b'\'' => {
                out.push(c);
                short_string(&mut input, &mut out, c)?;
            }
            _ => out.push(c),
        }
    }
    Ok(out)
}

/// After `--`: a long comment keeps its brackets and line breaks; a short one is dropped up
/// to its line break.
fn comment<R: Read>(input: &mut Input<R>, out: &mut Vec<u8>) -> std::io::Result<()> {
    if input.peek(0)? == Some(b'[') {
        let level = input.equals_from(1)?;
        if input.peek(1 + level)? == Some(b'[') {
            out.extend_from_slice(b"--");
            for _ in 0..level + 2 {
                out.push(input.next()?.unwrap_or(b'['));
            }
            return long_bracket(input, out, level, false);
        }
    }
    input.run(|c| c != b'\n' && c != b'\r', None)
}

/// The body of a long bracket of `level`, its opening bracket already passed: all of it for a
/// string (`keep`), only line breaks and the closing bracket for a comment. At a `[[` nested in
/// a level-0 bracket (an error), the rest is kept as it is.
fn long_bracket<R: Read>(
    input: &mut Input<R>,
    out: &mut Vec<u8>,
    level: usize,
    keep: bool,
) -> std::io::Result<()> {
    loop {
        let special = |c: u8| matches!(c, b']' | b'[' | b'\n' | b'\r');
        input.run(|c| !special(c), keep.then_some(&mut *out))?;
        let Some(c) = input.next()? else { break };
        match c {
            b']' => {
                let n = input.equals_from(0)?;
                if n == level && input.peek(n)? == Some(b']') {
                    out.push(b']');
                    for _ in 0..=n {
                        out.push(input.next()?.unwrap_or(b']'));
                    }
                    return Ok(());
                }
                if keep {
                    out.push(c);
                }
            }
            b'[' if level == 0 && input.peek(0)? == Some(b'[') => {
                // "nesting of [[...]] is deprecated": the lexer reports it here.
                out.push(c);
                while let Some(c) = input.next()? {
                    out.push(c);
                }
                return Ok(());
            }
            b'\n' | b'\r' => out.push(c),
            _ if keep => out.push(c),
            _ => {}
        }
    }
    Ok(())
}

/// A quoted string after its opening quote, through its closing quote or the line break that
/// leaves it unfinished (an escaped line break belongs to it).
fn short_string<R: Read>(
    input: &mut Input<R>,
    out: &mut Vec<u8>,
    quote: u8,
) -> std::io::Result<()> {
    while let Some(c) = input.next()? {
        out.push(c);
        match c {
            b'\\' => {
                if let Some(escaped) = input.next()? {
                    out.push(escaped);
                }
            }
            b'\n' | b'\r' => return Ok(()),
            _ if c == quote => return Ok(()),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::condense;

    fn run(src: &str) -> String {
        String::from_utf8(condense(b"", src.as_bytes()).unwrap()).unwrap()
    }

    #[test]
    fn comments_shrink_and_keep_lines() {
        assert_eq!(run("a = 1 -- one\nb = 2"), "a = 1 \nb = 2");
        assert_eq!(run("--[==[ x\r\n y ]] ]==]z"), "--[==[\r\n]==]z");
        assert_eq!(
            run("s = '--x' .. \"a\\\"--\" -- c"),
            "s = '--x' .. \"a\\\"--\" "
        );
        assert_eq!(
            run("t = [[ -- kept\n]] --[[ dropped ]]"),
            "t = [[ -- kept\n]] --[[]]"
        );
        assert_eq!(run("--[[ a [[ b"), "--[[[[ b");
        assert_eq!(run("--[= not long\nx"), "\nx");
    }
}

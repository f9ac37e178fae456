//! The read formats of `io.read`/`file:read`, reproducing the C calls Lua 5.1 makes: `fgets` in
//! chunks of `BUFSIZ` for lines (so a NUL byte cuts the rest of its chunk, as `strlen` does),
//! `fread` for counts and `*a`, `getc`/`ungetc` for `read(0)`, and `fscanf("%lf")` for `*n`.

use std::io;

/// Buffered input: what is available without blocking further, refilled when empty.
pub(crate) trait ByteSource {
    /// The buffered bytes, reading more when none are left; empty at end of input.
    fn fill(&mut self) -> io::Result<&[u8]>;
    /// Mark `n` buffered bytes as read.
    fn consume(&mut self, n: usize);

    /// The next byte without reading it (`getc` then `ungetc`).
    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.fill()?.first().copied())
    }
}

impl ByteSource for std::io::StdinLock<'_> {
    fn fill(&mut self) -> io::Result<&[u8]> {
        fill_buffer(self)
    }
    fn consume(&mut self, n: usize) {
        std::io::BufRead::consume(self, n)
    }
}

#[cfg(test)]
impl ByteSource for std::io::Cursor<Vec<u8>> {
    fn fill(&mut self) -> io::Result<&[u8]> {
        fill_buffer(self)
    }
    fn consume(&mut self, n: usize) {
        std::io::BufRead::consume(self, n)
    }
}

/// `fill_buf`. (No signal handlers are installed, so reads are not interrupted.)
fn fill_buffer<R: std::io::BufRead>(r: &mut R) -> io::Result<&[u8]> {
    r.fill_buf()
}

/// Longest piece one `fgets` call reads (its buffer is `BUFSIZ` bytes with the final NUL).
const FGETS_CHUNK: usize = super::stream::BUFFER_SIZE - 1;

/// `*l`: a line without its newline; `None` at end of input when nothing was read.
///
/// As Lua 5.1 reads lines with `fgets` and measures each piece with `strlen`, a NUL byte drops
/// the rest of its piece, newline included, so the line continues into the next one.
pub(crate) fn read_line(src: &mut dyn ByteSource) -> io::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    loop {
        // One `fgets` call: up to FGETS_CHUNK bytes, stopping after a newline.
        let piece_start = line.len();
        let mut ended_with_newline = false;
        while line.len() - piece_start < FGETS_CHUNK {
            let buf = src.fill()?;
            if buf.is_empty() {
                break;
            }
            let room = FGETS_CHUNK - (line.len() - piece_start);
            let take = &buf[..buf.len().min(room)];
            let (n, newline) = match take.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (take.len(), false),
            };
            line.extend_from_slice(&take[..n]);
            src.consume(n);
            if newline {
                ended_with_newline = true;
                break;
            }
        }
        if line.len() == piece_start {
            // `fgets` read nothing: end of input.
            return Ok(if line.is_empty() { None } else { Some(line) });
        }
        let piece_len = match line[piece_start..].iter().position(|&b| b == 0) {
            Some(nul) => nul,
            None => line.len() - piece_start,
        };
        let complete = ended_with_newline && piece_len == line.len() - piece_start;
        if complete {
            line.truncate(piece_start + piece_len - 1);
            return Ok(Some(line));
        }
        line.truncate(piece_start + piece_len);
    }
}

/// A count: up to `n` bytes; `None` when `n > 0` and nothing was left. `*a` is a count of
/// `usize::MAX` whose empty result still counts as success.
pub(crate) fn read_bytes(src: &mut dyn ByteSource, n: usize) -> io::Result<Option<Vec<u8>>> {
    let mut out = Vec::with_capacity(n.min(super::stream::BUFFER_SIZE));
    while out.len() < n {
        let buf = src.fill()?;
        if buf.is_empty() {
            break;
        }
        let take = buf.len().min(n - out.len());
        out.extend_from_slice(&buf[..take]);
        src.consume(take);
    }
    Ok(if n == 0 || !out.is_empty() {
        Some(out)
    } else {
        None
    })
}

/// `read(0)`: an empty string, or `None` at end of input.
pub(crate) fn test_eof(src: &mut dyn ByteSource) -> io::Result<Option<Vec<u8>>> {
    Ok(src.peek()?.map(|_| Vec::new()))
}

/// `*n`: a number as `fscanf("%lf")` reads it on glibc. White space is skipped, then the longest
/// text that can start a floating-point numeral is taken (with one character of look-ahead, so
/// text like `1e+` or `0x` is consumed even when it does not complete a numeral); the value is
/// what `strtod` makes of that text, or `None` when it makes nothing.
pub(crate) fn read_number(src: &mut dyn ByteSource) -> io::Result<Option<f64>> {
    // C's `isspace`.
    while let Some(c) = src.peek()? {
        if !matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r') {
            break;
        }
        src.consume(1);
    }
    let mut text = Vec::new();
    if !scan_numeral(src, &mut text)? {
        return Ok(None);
    }
    Ok(strtod_prefix(&text))
}

/// Take the next byte if `accept` says so.
fn take_if(
    src: &mut dyn ByteSource,
    text: &mut Vec<u8>,
    accept: impl Fn(u8) -> bool,
) -> io::Result<bool> {
    match src.peek()? {
        Some(c) if accept(c) => {
            src.consume(1);
            text.push(c);
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Read the letters of `word` (case-insensitively); a mismatching byte is consumed, as
/// `fscanf` consumes it before failing.
fn expect_word(src: &mut dyn ByteSource, text: &mut Vec<u8>, word: &[u8]) -> io::Result<bool> {
    for &w in word {
        match src.peek()? {
            Some(c) => {
                src.consume(1);
                if c.to_ascii_lowercase() != w {
                    return Ok(false);
                }
                text.push(c);
            }
            None => return Ok(false),
        }
    }
    Ok(true)
}

/// Collect the text of a numeral into `text`; `false` when `fscanf` fails outright.
fn scan_numeral(src: &mut dyn ByteSource, text: &mut Vec<u8>) -> io::Result<bool> {
    if src.peek()?.is_none() {
        return Ok(false);
    }
    let signed = take_if(src, text, |c| c == b'+' || c == b'-')?;
    if signed && src.peek()?.is_none() {
        return Ok(false);
    }
    match src.peek()?.map(|c| c.to_ascii_lowercase()) {
        Some(b'n') => return expect_word(src, text, b"nan"),
        Some(b'i') => {
            if !expect_word(src, text, b"inf")? {
                return Ok(false);
            }
            if matches!(src.peek()?, Some(b'i' | b'I')) {
                return expect_word(src, text, b"inity");
            }
            return Ok(true);
        }
        _ => {}
    }
    let mut hex = false;
    let mut got_digit = false;
    if take_if(src, text, |c| c == b'0')? {
        if take_if(src, text, |c| c == b'x' || c == b'X')? {
            hex = true;
        } else {
            got_digit = true;
        }
    }
    let exponent_char = if hex { b'p' } else { b'e' };
    let mut got_dot = false;
    let mut got_exponent = false;
    while let Some(c) = src.peek()? {
        let stored = if c.is_ascii_digit() || (hex && !got_exponent && c.is_ascii_hexdigit()) {
            got_digit = true;
            c
        } else if got_exponent && text.last() == Some(&exponent_char) && (c == b'+' || c == b'-') {
            c
        } else if got_digit && !got_exponent && c.to_ascii_lowercase() == exponent_char {
            // Stored in lower case, as the sign test above expects.
            got_exponent = true;
            got_dot = true;
            exponent_char
        } else if !got_dot && c == b'.' {
            got_dot = true;
            c
        } else {
            break;
        };
        src.consume(1);
        text.push(stored);
    }
    // Nothing but a sign, or a bare `0x`, is a failed conversion.
    let prefix_len = signed as usize + if hex { 2 } else { 0 };
    Ok(text.len() > prefix_len)
}

/// The value `strtod` reads from the start of `text` (the longest prefix that is a numeral).
fn strtod_prefix(text: &[u8]) -> Option<f64> {
    // The scanner stops at most a few bytes past the end of the numeral strtod reads (a dangling
    // exponent marker and sign, or an `x` without hex digits), so few prefixes are tried.
    (1..=text.len())
        .rev()
        .find_map(|n| text.get(..n).and_then(crate::number::str_to_number))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn number(input: &str) -> (Option<f64>, String) {
        let mut src = std::io::Cursor::new(input.as_bytes().to_vec());
        let v = read_number(&mut src).unwrap_or(None);
        let pos = src.position() as usize;
        (v, input[pos..].to_string())
    }

    #[test]
    fn numbers_scan_like_glibc() {
        assert_eq!(number("1e x"), (Some(1.0), " x".into()));
        assert_eq!(number("0x x"), (None, " x".into()));
        assert_eq!(number("0xg"), (None, "g".into()));
        assert_eq!(number(".e1"), (None, "e1".into()));
        assert_eq!(number("0x1p4 z"), (Some(16.0), " z".into()));
        assert_eq!(number("infx"), (Some(f64::INFINITY), "x".into()));
        assert_eq!(number("infinx"), (None, "".into()));
        assert_eq!(number("nax"), (None, "".into()));
        assert_eq!(number("+-1"), (None, "-1".into()));
        assert_eq!(number("00x1"), (Some(0.0), "x1".into()));
        assert_eq!(number("0x.p1"), (Some(0.0), "p1".into()));
        assert_eq!(number("1ee"), (Some(1.0), "e".into()));
        assert_eq!(number("-0xz"), (None, "z".into()));
        assert_eq!(number("  12  34"), (Some(12.0), "  34".into()));
    }

    fn line(input: &[u8]) -> (Option<Vec<u8>>, usize) {
        let mut src = std::io::Cursor::new(input.to_vec());
        let l = read_line(&mut src).unwrap_or(None);
        (l, src.position() as usize)
    }

    #[test]
    fn lines_cut_at_nul_like_fgets() {
        assert_eq!(line(b"ab\ncd"), (Some(b"ab".to_vec()), 3));
        assert_eq!(line(b"a\0b\nc\n"), (Some(b"ac".to_vec()), 6));
        assert_eq!(line(b"\0"), (None, 1));
        assert_eq!(line(b""), (None, 0));
        assert_eq!(line(b"tail"), (Some(b"tail".to_vec()), 4));
    }
}

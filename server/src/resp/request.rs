//! Requests from clients: RESP multibulk arrays (`*2\r\n$3\r\nGET\r\n$1\r\nk\r\n`) and inline
//! commands (`GET k\r\n`), parsed with the rules and error texts of Redis's `networking.c`.
//!
//! The parser works on the connection's query buffer without copying multibulk arguments: a
//! complete request is returned as byte ranges into the buffer. An incomplete one returns how
//! many bytes the buffer must hold before it is worth parsing again, so a large argument
//! arriving in many reads is not rescanned on each one.

use crate::util::parse_i64;
use std::ops::Range;

/// Longest inline request, or count line, without a newline (`PROTO_INLINE_MAX_SIZE`).
pub const INLINE_MAX: usize = 64 * 1024;
/// Before authentication: at most this many arguments...
const UNAUTH_MAX_ARGS: i64 = 10;
/// ...each at most this long.
const UNAUTH_MAX_BULK: i64 = 16384;

/// Limits that depend on the connection and the configuration.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// `proto-max-bulk-len`.
    pub max_bulk: i64,
    /// The client still has to authenticate (smaller limits apply).
    pub unauthenticated: bool,
}

/// What one call to [`parse`] found at the start of the buffer.
#[derive(Debug, PartialEq)]
pub enum Parsed {
    /// A request of `consumed` bytes; its arguments are in the [`Args`] (none for an empty
    /// line or `*0`, which Redis skips silently).
    Request { consumed: usize },
    /// Not complete: parse again once the buffer holds at least `need` bytes. Of what is
    /// there, Redis would already have taken the first `parsed` bytes off its query buffer
    /// and made complete arguments of `args_len` bytes (`qbuf` and `argv-mem` in
    /// `CLIENT LIST` follow that).
    Incomplete {
        need: usize,
        parsed: usize,
        args_len: usize,
    },
    /// A protocol error: Redis replies this text (after `-ERR `... the text includes
    /// `Protocol error: `) and closes the connection.
    Error(String),
}

/// The arguments of the last request parsed: ranges into the buffer for multibulk requests,
/// owned bytes for inline ones (whose quotes and escapes are decoded).
#[derive(Debug, Default)]
pub struct Args {
    ranges: Vec<Range<usize>>,
    inline: Vec<Vec<u8>>,
    is_inline: bool,
}

impl Args {
    pub fn len(&self) -> usize {
        if self.is_inline {
            self.inline.len()
        } else {
            self.ranges.len()
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Where the arguments of a multibulk request lie in its buffer (`None` for inline
    /// requests).
    pub fn ranges(&self) -> Option<&[Range<usize>]> {
        (!self.is_inline).then_some(&self.ranges[..])
    }

    /// The arguments of a multibulk request parsed before, at these places in its buffer.
    pub fn set_ranges(&mut self, ranges: &[Range<usize>]) {
        self.is_inline = false;
        self.inline.clear();
        self.ranges.clear();
        self.ranges.extend_from_slice(ranges);
    }

    /// The arguments as slices of `buffer` (the buffer that was parsed).
    pub fn slices<'a>(&'a self, buffer: &'a [u8]) -> smallvec::SmallVec<[&'a [u8]; 8]> {
        if self.is_inline {
            self.inline.iter().map(|a| a.as_slice()).collect()
        } else {
            self.ranges.iter().map(|r| &buffer[r.clone()]).collect()
        }
    }
}

/// Parse the request at the start of `buffer`.
pub fn parse(buffer: &[u8], limits: Limits, args: &mut Args) -> Parsed {
    args.ranges.clear();
    args.inline.clear();
    match buffer.first() {
        None => incomplete(1),
        Some(b'*') => {
            args.is_inline = false;
            parse_multibulk(buffer, limits, &mut args.ranges)
        }
        Some(_) => {
            args.is_inline = true;
            parse_inline(buffer, &mut args.inline)
        }
    }
}

fn protocol_error(text: &str) -> Parsed {
    Parsed::Error(format!("ERR Protocol error: {text}"))
}

/// The line starting at `from` up to its `\r` (Redis looks for `\r`, then wants the `\n`
/// after it in the buffer before going on).
enum Line {
    Complete { end: usize },
    Incomplete,
    TooLong,
}

fn line_at(buffer: &[u8], from: usize) -> Line {
    match memchr(b'\r', &buffer[from..]) {
        Some(offset) => {
            let end = from + offset;
            if end + 2 > buffer.len() {
                Line::Incomplete
            } else {
                Line::Complete { end }
            }
        }
        None if buffer.len() - from > INLINE_MAX => Line::TooLong,
        None => Line::Incomplete,
    }
}

/// Incomplete with nothing parsed yet.
fn incomplete(need: usize) -> Parsed {
    Parsed::Incomplete {
        need,
        parsed: 0,
        args_len: 0,
    }
}

fn memchr(needle: u8, haystack: &[u8]) -> Option<usize> {
    haystack.iter().position(|&b| b == needle)
}

/// The most digits [`plain_header`] reads: any such number fits an `i64`.
const PLAIN_DIGITS: usize = 18;

/// A count or length line as nearly every client sends it (`*3\r\n`, `$5\r\n`), read in one
/// pass: the marker byte at `at`, then 1 to [`PLAIN_DIGITS`] digits without a leading zero
/// (or a single `0`), then `\r` with its `\n` in the buffer. Gives where the `\r` is and
/// the number, as the general path would (`line_at`, then `parse_i64`); any other line
/// (a sign, a bad byte, one not all in the buffer) is `None`, left to that path and its
/// errors.
fn plain_header(buffer: &[u8], at: usize) -> Option<(usize, Option<i64>)> {
    let first = *buffer.get(at + 1)?;
    let mut end = at + 2;
    let value = match first {
        b'0' => 0,
        b'1'..=b'9' => {
            let mut value = i64::from(first - b'0');
            let last = (at + 1 + PLAIN_DIGITS).min(buffer.len());
            while end < last && buffer[end].is_ascii_digit() {
                value = value * 10 + i64::from(buffer[end] - b'0');
                end += 1;
            }
            value
        }
        _ => return None,
    };
    (buffer.get(end) == Some(&b'\r') && end + 1 < buffer.len()).then_some((end, Some(value)))
}

fn parse_multibulk(buffer: &[u8], limits: Limits, ranges: &mut Vec<Range<usize>>) -> Parsed {
    let (end, count) = match plain_header(buffer, 0) {
        Some(header) => header,
        None => {
            let end = match line_at(buffer, 0) {
                Line::Complete { end } => end,
                Line::Incomplete => {
                    return incomplete(buffer.len() + 1);
                }
                Line::TooLong => return protocol_error("too big mbulk count string"),
            };
            (end, parse_i64(&buffer[1..end]))
        }
    };
    let count = match count {
        Some(n) if n <= i64::from(i32::MAX) => n,
        _ => return protocol_error("invalid multibulk length"),
    };
    if count > UNAUTH_MAX_ARGS && limits.unauthenticated {
        return protocol_error("unauthenticated multibulk length");
    }
    let mut pos = end + 2;
    if count <= 0 {
        return Parsed::Request { consumed: pos };
    }
    let mut args_len = 0;
    for _ in 0..count {
        if pos >= buffer.len() {
            return Parsed::Incomplete {
                need: pos + 1,
                parsed: pos,
                args_len,
            };
        }
        let (end, length) = match plain_header(buffer, pos).filter(|_| buffer[pos] == b'$') {
            Some(header) => header,
            None => {
                let end = match line_at(buffer, pos) {
                    Line::Complete { end } => end,
                    Line::Incomplete => {
                        return Parsed::Incomplete {
                            need: buffer.len() + 1,
                            parsed: pos,
                            args_len,
                        }
                    }
                    Line::TooLong => return protocol_error("too big bulk count string"),
                };
                if buffer[pos] != b'$' {
                    return Parsed::Error(format!(
                        "ERR Protocol error: expected '$', got '{}'",
                        buffer[pos] as char
                    ));
                }
                (end, parse_i64(&buffer[pos + 1..end]))
            }
        };
        let length = match length {
            Some(n) if n >= 0 && n <= limits.max_bulk => n as usize,
            _ => return protocol_error("invalid bulk length"),
        };
        if length as i64 > UNAUTH_MAX_BULK && limits.unauthenticated {
            return protocol_error("unauthenticated bulk length");
        }
        let start = end + 2;
        // The two bytes after the data are taken as its CRLF without looking (as Redis does).
        let next = start + length + 2;
        if buffer.len() < next {
            return Parsed::Incomplete {
                need: next,
                parsed: start,
                args_len,
            };
        }
        ranges.push(start..start + length);
        args_len += length;
        pos = next;
    }
    Parsed::Request { consumed: pos }
}

fn parse_inline(buffer: &[u8], args: &mut Vec<Vec<u8>>) -> Parsed {
    let Some(newline) = memchr(b'\n', buffer) else {
        if buffer.len() > INLINE_MAX {
            return protocol_error("too big inline request");
        }
        return incomplete(buffer.len() + 1);
    };
    let mut line_end = newline;
    if line_end > 0 && buffer[line_end - 1] == b'\r' {
        line_end -= 1;
    }
    match split_args(&buffer[..line_end]) {
        Some(split) => {
            *args = split;
            Parsed::Request {
                consumed: newline + 1,
            }
        }
        None => protocol_error("unbalanced quotes in request"),
    }
}

/// Split a line into arguments as Redis's `sdssplitargs` does: white space separates them;
/// `"..."` takes `\n \r \t \b \a \\ \"` and `\xHH` escapes, `'...'` only `\'`; a closing quote
/// must be followed by white space or the end. `None` for unbalanced quotes.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let mut args = Vec::new();
    let mut i = 0;
    let n = line.len();
    loop {
        while i < n && is_space(line[i]) {
            i += 1;
        }
        if i >= n {
            return Some(args);
        }
        let mut current = Vec::new();
        let mut in_double = false;
        let mut in_single = false;
        loop {
            if in_double {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\' && i + 3 < n && line[i + 1] == b'x' {
                    if let (Some(h), Some(l)) = (hex(line[i + 2]), hex(line[i + 3])) {
                        current.push(h * 16 + l);
                        i += 4;
                        continue;
                    }
                }
                if c == b'\\' && i + 1 < n {
                    current.push(match line[i + 1] {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 8,
                        b'a' => 7,
                        other => other,
                    });
                    i += 2;
                    continue;
                }
                if c == b'"' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                }
                current.push(c);
                i += 1;
            } else if in_single {
                if i >= n {
                    return None;
                }
                let c = line[i];
                if c == b'\\' && i + 1 < n && line[i + 1] == b'\'' {
                    current.push(b'\'');
                    i += 2;
                    continue;
                }
                if c == b'\'' {
                    if i + 1 < n && !is_space(line[i + 1]) {
                        return None;
                    }
                    i += 1;
                    break;
                }
                current.push(c);
                i += 1;
            } else {
                if i >= n {
                    break;
                }
                match line[i] {
                    c if is_space(c) => break,
                    b'"' => in_double = true,
                    b'\'' => in_single = true,
                    c => current.push(c),
                }
                i += 1;
            }
        }
        args.push(current);
    }
}

/// C's `isspace` in the C locale.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    const OPEN: Limits = Limits {
        max_bulk: 512 * 1024 * 1024,
        unauthenticated: false,
    };

    fn one(input: &[u8]) -> (Parsed, Vec<Vec<u8>>) {
        let mut args = Args::default();
        let parsed = parse(input, OPEN, &mut args);
        let slices = args.slices(input);
        (parsed, slices.iter().map(|s| s.to_vec()).collect())
    }

    /// The general reading of a header line: `line_at`, then `parse_i64` (`None` where the
    /// line is not complete).
    fn general_header(buffer: &[u8], at: usize) -> Option<(usize, Option<i64>)> {
        match line_at(buffer, at) {
            Line::Complete { end } => Some((end, parse_i64(&buffer[at + 1..end]))),
            _ => None,
        }
    }

    #[test]
    fn a_plain_header_reads_as_the_general_path_does() {
        // Every line of up to five bytes after the marker over these bytes, and long ones.
        let alphabet = b"0159\r\n-+ x";
        let mut lines: Vec<Vec<u8>> = vec![Vec::new()];
        for _ in 0..5 {
            let longer: Vec<Vec<u8>> = lines
                .iter()
                .filter(|l| l.len() == lines.last().map_or(0, |x| x.len()))
                .flat_map(|l| alphabet.iter().map(move |&b| [&l[..], &[b]].concat()))
                .collect();
            lines.extend(longer);
        }
        for digits in 17..=20 {
            lines.push([&b"9".repeat(digits)[..], b"\r\n"].concat());
            lines.push([&b"1".repeat(digits)[..], b"\r"].concat());
        }
        let mut plain = 0;
        for line in &lines {
            let buffer = [&b"xx$"[..], line].concat();
            if let Some(found) = plain_header(&buffer, 2) {
                plain += 1;
                assert_eq!(Some(found), general_header(&buffer, 2), "{line:?}");
            }
        }
        assert!(plain > 100, "the plain path was taken {plain} times");
    }

    #[test]
    fn multibulk_and_partial_frames() {
        let full = b"*2\r\n$3\r\nGET\r\n$1\r\nk\r\n";
        let (parsed, args) = one(full);
        assert_eq!(
            parsed,
            Parsed::Request {
                consumed: full.len()
            }
        );
        assert_eq!(args, vec![b"GET".to_vec(), b"k".to_vec()]);
        for cut in 1..full.len() {
            let (parsed, _) = one(&full[..cut]);
            match parsed {
                Parsed::Incomplete {
                    need,
                    parsed,
                    args_len,
                } => {
                    assert!(need > cut && need <= full.len());
                    assert!(parsed <= cut && args_len <= parsed);
                }
                other => panic!("{cut}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_partial_request_reports_what_redis_has_taken_off_its_buffer() {
        // Redis's `qbuf` is then 2 in each case ("ab", "$5", "fo").
        let cases: [(&[u8], usize, usize); 3] = [
            (b"*2\r\n$3\r\nfoo\r\n$5\r\nab", 17, 3),
            (b"*2\r\n$3\r\nfoo\r\n$5", 13, 3),
            (b"*2\r\n$3\r\nfo", 8, 0),
        ];
        for (input, parsed_bytes, args_bytes) in cases {
            match one(input).0 {
                Parsed::Incomplete {
                    parsed, args_len, ..
                } => {
                    assert_eq!((parsed, args_len), (parsed_bytes, args_bytes));
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn protocol_errors() {
        let error = |input: &[u8]| match one(input).0 {
            Parsed::Error(e) => e,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            error(b"*3000000000\r\n"),
            "ERR Protocol error: invalid multibulk length"
        );
        assert_eq!(
            error(b"*abc\r\n"),
            "ERR Protocol error: invalid multibulk length"
        );
        assert_eq!(
            error(b"*1\r\nfoo\r\n"),
            "ERR Protocol error: expected '$', got 'f'"
        );
        assert_eq!(
            error(b"*1\r\n$-1\r\n"),
            "ERR Protocol error: invalid bulk length"
        );
        assert_eq!(
            error(b"*1\r\n$2147483648\r\n"),
            "ERR Protocol error: invalid bulk length"
        );
        assert_eq!(
            error(b"\"a\r\n"),
            "ERR Protocol error: unbalanced quotes in request"
        );
        let mut args = Args::default();
        let limits = Limits {
            unauthenticated: true,
            ..OPEN
        };
        assert_eq!(
            parse(b"*11\r\n", limits, &mut args),
            Parsed::Error("ERR Protocol error: unauthenticated multibulk length".into())
        );
        let long = vec![b'a'; INLINE_MAX + 1];
        assert_eq!(error(&long), "ERR Protocol error: too big inline request");
    }

    #[test]
    fn inline_splitting() {
        let (parsed, args) = one(b"SET \"a b\" 'c\\'d' \"\\x41\\n\"\r\n");
        assert!(matches!(parsed, Parsed::Request { .. }));
        assert_eq!(
            args,
            vec![
                b"SET".to_vec(),
                b"a b".to_vec(),
                b"c'd".to_vec(),
                b"A\n".to_vec()
            ]
        );
        assert_eq!(one(b"\r\n").1.len(), 0);
        assert_eq!(split_args(b"\"a\"b"), None);
        assert_eq!(split_args(b"  "), Some(vec![]));
    }
}

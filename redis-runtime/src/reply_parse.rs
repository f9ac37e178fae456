//! Reading a reply back from the RESP bytes a command wrote: how a host that gets its
//! commands' replies as protocol text (our server's script client, a Valkey module's call
//! replies) hands them to scripts.

use crate::Reply;

/// Nesting allowed when reading a reply back (deeper replies are not built by commands).
const MAX_DEPTH: usize = 64;

impl Reply {
    /// Read one complete reply from `bytes` (RESP2 or RESP3, as a command wrote it); `None`
    /// when the bytes are not exactly one well-formed reply. Attributes are dropped: the reply
    /// they annotate is what scripts see.
    pub fn parse(bytes: &[u8]) -> Option<Reply> {
        let mut pos = 0;
        let reply = parse_at(bytes, &mut pos, 0)?;
        (pos == bytes.len()).then_some(reply)
    }
}

/// Where the first `\r\n` at or after `from` starts.
fn line_end(bytes: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    loop {
        let cr = at + bytes.get(at..)?.iter().position(|&b| b == b'\r')?;
        if bytes.get(cr + 1) == Some(&b'\n') {
            return Some(cr);
        }
        at = cr + 1;
    }
}

fn parse_at(bytes: &[u8], pos: &mut usize, depth: usize) -> Option<Reply> {
    if depth > MAX_DEPTH {
        return None;
    }
    let tag = *bytes.get(*pos)?;
    let start = *pos + 1;
    let end = line_end(bytes, start)?;
    let text = &bytes[start..end];
    *pos = end + 2;
    let number = || crate::functions::parse_long_long(text);
    let items = |pos: &mut usize, n: i64| -> Option<Vec<Reply>> {
        (0..n).map(|_| parse_at(bytes, pos, depth + 1)).collect()
    };
    Some(match tag {
        b'+' => Reply::Status(text.to_vec()),
        b'-' => Reply::Error(text.to_vec()),
        b':' => Reply::Integer(number()?),
        b'_' => Reply::Null,
        b'#' => Reply::Boolean(text == b"t"),
        b',' => Reply::Double(parse_double(text)?),
        b'(' => Reply::BigNumber(text.to_vec()),
        b'$' | b'=' => {
            let n = number()?;
            if n < 0 {
                return Some(Reply::Null);
            }
            let n = usize::try_from(n).ok()?;
            let data = bytes.get(*pos..pos.checked_add(n)?)?;
            if bytes.get(*pos + n..*pos + n + 2)? != b"\r\n" {
                return None;
            }
            *pos += n + 2;
            if tag == b'=' {
                let (format, text) = (data.get(..3)?, data.get(4..)?);
                Reply::Verbatim {
                    format: [format[0], format[1], format[2]],
                    text: text.to_vec(),
                }
            } else {
                Reply::Bulk(data.to_vec())
            }
        }
        b'*' => {
            let n = number()?;
            if n < 0 {
                return Some(Reply::NullArray);
            }
            Reply::Array(items(pos, n)?)
        }
        b'~' => Reply::Set(items(pos, number()?)?),
        b'|' => {
            items(pos, number()?.checked_mul(2)?)?;
            parse_at(bytes, pos, depth + 1)?
        }
        b'%' => {
            let flat = items(pos, number()?.checked_mul(2)?)?;
            let mut pairs = Vec::with_capacity(flat.len() / 2);
            let mut iter = flat.into_iter();
            while let (Some(k), Some(v)) = (iter.next(), iter.next()) {
                pairs.push((k, v));
            }
            Reply::Map(pairs)
        }
        _ => return None,
    })
}

/// A RESP3 double's text: what `strtod` reads whole, or `inf`, `-inf`, `nan`.
fn parse_double(text: &[u8]) -> Option<f64> {
    match text {
        b"inf" => return Some(f64::INFINITY),
        b"-inf" => return Some(f64::NEG_INFINITY),
        b"nan" | b"-nan" => return Some(f64::NAN),
        _ => {}
    }
    let (value, used) = lua_core::tools::strtod(text)?;
    (used == text.len() && !text.is_empty()).then_some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_bytes() {
        let reply = Reply::Map(vec![
            (Reply::Bulk(b"a".to_vec()), Reply::Integer(-5)),
            (
                Reply::Status(b"b".to_vec()),
                Reply::Array(vec![
                    Reply::Null,
                    Reply::Double(1.5),
                    Reply::Boolean(true),
                    Reply::BigNumber(b"123456789012345678901234567890".to_vec()),
                    Reply::Set(vec![Reply::Error(b"ERR x".to_vec())]),
                    Reply::Verbatim {
                        format: *b"txt",
                        text: b"hi\r\nthere".to_vec(),
                    },
                ]),
            ),
        ]);
        let mut bytes = Vec::new();
        reply.write_resp(3, &mut bytes);
        assert_eq!(Reply::parse(&bytes), Some(reply));
    }

    #[test]
    fn malformed_or_incomplete_bytes_are_refused() {
        for bad in [
            &b""[..],
            b"+OK",
            b"$5\r\nab\r\n",
            b"$2\r\nabcd\r\n",
            b"*2\r\n:1\r\n",
            b":x\r\n",
            b"?\r\n",
            b"$-5\r\n\r\n",
            b"%9223372036854775807\r\n",
            b"+OK\r\n+OK\r\n",
        ] {
            assert_eq!(
                Reply::parse(bad),
                None,
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        let deep = "*1\r\n".repeat(100) + ":1\r\n";
        assert_eq!(Reply::parse(deep.as_bytes()), None);
    }

    #[test]
    fn a_line_ends_at_the_first_crlf_not_at_a_lone_cr() {
        assert_eq!(
            Reply::parse(b"+a\rb\r\r\n"),
            Some(Reply::Status(b"a\rb\r".to_vec()))
        );
        assert_eq!(Reply::parse(b"+a\rb\r"), None);
    }

    #[test]
    fn attributes_are_dropped_and_nulls_kept() {
        assert_eq!(
            Reply::parse(b"|1\r\n+a\r\n+b\r\n:7\r\n"),
            Some(Reply::Integer(7))
        );
        assert_eq!(Reply::parse(b"$-1\r\n"), Some(Reply::Null));
        assert_eq!(Reply::parse(b"*-1\r\n"), Some(Reply::NullArray));
    }
}

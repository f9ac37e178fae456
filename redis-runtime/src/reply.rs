//! Replies: what a command gives a script and what a script gives its caller, rich enough for
//! RESP3. Hosts encode them for their clients; [`Reply::write_resp`] does it as Redis does.

/// A reply in RESP3's terms. RESP2 clients see the downgraded forms Redis sends them (see
/// [`Reply::write_resp`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Reply {
    /// `+OK`
    Status(Vec<u8>),
    /// `-ERR ...`: the whole text, code included.
    Error(Vec<u8>),
    Integer(i64),
    Bulk(Vec<u8>),
    /// RESP3's null; `$-1` (a null bulk string) on RESP2.
    Null,
    /// A null array (`*-1` on RESP2), which some commands answer on RESP2.
    NullArray,
    Array(Vec<Reply>),
    Map(Vec<(Reply, Reply)>),
    Set(Vec<Reply>),
    Double(f64),
    Boolean(bool),
    /// A big number's decimal digits.
    BigNumber(Vec<u8>),
    /// A verbatim string: a three-letter format (`txt`, `mkd`) and the text.
    Verbatim {
        format: [u8; 3],
        text: Vec<u8>,
    },
}

impl Reply {
    /// `+OK`
    pub fn ok() -> Reply {
        Reply::Status(b"OK".to_vec())
    }

    /// An error reply with this full text (`ERR something`, `WRONGTYPE ...`).
    pub fn error(text: impl Into<Vec<u8>>) -> Reply {
        Reply::Error(text.into())
    }

    pub fn is_error(&self) -> bool {
        matches!(self, Reply::Error(_))
    }

    /// Append the reply as Redis sends it to a client speaking `protocol` (2 or 3).
    pub fn write_resp(&self, protocol: u8, out: &mut Vec<u8>) {
        let resp3 = protocol >= 3;
        match self {
            Reply::Status(s) => line(out, b'+', s),
            Reply::Error(e) => line(out, b'-', e),
            Reply::Integer(i) => {
                out.push(b':');
                push_decimal(out, *i);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Bulk(b) => bulk(out, b),
            Reply::Null if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::Null => out.extend_from_slice(b"$-1\r\n"),
            Reply::NullArray if resp3 => out.extend_from_slice(b"_\r\n"),
            Reply::NullArray => out.extend_from_slice(b"*-1\r\n"),
            Reply::Array(items) => {
                header(out, b'*', items.len());
                for item in items {
                    item.write_resp(protocol, out);
                }
            }
            Reply::Set(items) => {
                header(out, if resp3 { b'~' } else { b'*' }, items.len());
                for item in items {
                    item.write_resp(protocol, out);
                }
            }
            Reply::Map(pairs) => {
                if resp3 {
                    header(out, b'%', pairs.len());
                } else {
                    header(out, b'*', pairs.len() * 2);
                }
                for (k, v) in pairs {
                    k.write_resp(protocol, out);
                    v.write_resp(protocol, out);
                }
            }
            Reply::Double(d) => {
                let text = format_double(*d);
                if resp3 {
                    line(out, b',', &text);
                } else {
                    bulk(out, &text);
                }
            }
            Reply::Boolean(b) if resp3 => line(out, b'#', if *b { b"t" } else { b"f" }),
            Reply::Boolean(b) => line(out, b':', if *b { b"1" } else { b"0" }),
            Reply::BigNumber(n) if resp3 => line(out, b'(', n),
            Reply::BigNumber(n) => bulk(out, n),
            Reply::Verbatim { format, text } if resp3 => {
                header(out, b'=', text.len() + 4);
                out.extend_from_slice(format);
                out.push(b':');
                out.extend_from_slice(text);
                out.extend_from_slice(b"\r\n");
            }
            Reply::Verbatim { text, .. } => bulk(out, text),
        }
    }
}

/// A double as Redis writes it in replies: glibc's `%.17g` (`inf`, `-inf`, and `-nan` for
/// the NaN `0/0` gives).
pub fn format_double(d: f64) -> Vec<u8> {
    let mut out = Vec::with_capacity(24);
    lua_core::tools::format_general(d, 17, &mut out);
    out
}

/// Append `n` in decimal, without the allocation `to_string` makes (every integer reply and
/// every length header passes here).
fn push_decimal(out: &mut Vec<u8>, n: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn line(out: &mut Vec<u8>, tag: u8, text: &[u8]) {
    out.push(tag);
    out.extend_from_slice(text);
    out.extend_from_slice(b"\r\n");
}

fn header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    push_decimal(out, i64::try_from(len).unwrap_or(i64::MAX));
    out.extend_from_slice(b"\r\n");
}

fn bulk(out: &mut Vec<u8>, bytes: &[u8]) {
    header(out, b'$', bytes.len());
    out.extend_from_slice(bytes);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp2(reply: &Reply) -> Vec<u8> {
        let mut out = Vec::new();
        reply.write_resp(2, &mut out);
        out
    }

    #[test]
    fn integers_and_headers_in_decimal() {
        for n in [0, 7, -1, 10, 1234567890, i64::MAX, i64::MIN] {
            assert_eq!(resp2(&Reply::Integer(n)), format!(":{n}\r\n").into_bytes());
        }
        let bulk = Reply::Bulk(vec![b'x'; 1000]);
        assert!(resp2(&bulk).starts_with(b"$1000\r\nxxx"));
        assert_eq!(resp2(&Reply::Array(Vec::new())), b"*0\r\n");
    }
}

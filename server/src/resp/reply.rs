//! Replies as bytes on the wire. Commands write into a [`ReplyWriter`], which encodes each
//! reply for the protocol its client speaks (RESP2 or RESP3) as Redis's `networking.c` does;
//! [`Reply::parse`] reads such bytes back into a [`Reply`] for scripts.

use redis_runtime::{format_double, Reply};

/// A client's reply buffer and the protocol it speaks.
#[derive(Debug)]
pub struct ReplyWriter {
    pub buf: Vec<u8>,
    pub resp: u8,
}

impl ReplyWriter {
    pub fn new(resp: u8) -> Self {
        ReplyWriter {
            buf: Vec::new(),
            resp,
        }
    }

    pub fn resp3(&self) -> bool {
        self.resp >= 3
    }

    fn line(&mut self, tag: u8, text: &[u8]) {
        self.buf.push(tag);
        self.buf.extend_from_slice(text);
        self.buf.extend_from_slice(b"\r\n");
    }

    fn header(&mut self, tag: u8, len: i64) {
        self.buf.push(tag);
        self.buf
            .extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn ok(&mut self) {
        self.buf.extend_from_slice(b"+OK\r\n");
    }

    pub fn status(&mut self, text: &[u8]) {
        self.line(b'+', text);
    }

    /// An error reply; `text` starts with its code (`ERR ...`, `WRONGTYPE ...`). Newlines in
    /// it become spaces, as Redis makes sure of, so the reply stays one line.
    pub fn error(&mut self, text: &str) {
        self.error_bytes(text.as_bytes());
    }

    pub fn error_bytes(&mut self, text: &[u8]) {
        self.buf.push(b'-');
        self.buf.extend(
            text.iter()
                .map(|&c| if c == b'\r' || c == b'\n' { b' ' } else { c }),
        );
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn int(&mut self, value: i64) {
        self.header(b':', value);
    }

    pub fn bulk(&mut self, bytes: &[u8]) {
        self.header(b'$', bytes.len() as i64);
        self.buf.extend_from_slice(bytes);
        self.buf.extend_from_slice(b"\r\n");
    }

    pub fn bulk_int(&mut self, value: i64) {
        self.bulk(itoa::Buffer::new().format(value).as_bytes());
    }

    /// RESP2's null bulk string, RESP3's null.
    pub fn null(&mut self) {
        if self.resp3() {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"$-1\r\n");
        }
    }

    /// RESP2's null array, RESP3's null.
    pub fn null_array(&mut self) {
        if self.resp3() {
            self.buf.extend_from_slice(b"_\r\n");
        } else {
            self.buf.extend_from_slice(b"*-1\r\n");
        }
    }

    pub fn array(&mut self, len: usize) {
        self.header(b'*', len as i64);
    }

    /// A map of `len` pairs (a flat array of `2 * len` on RESP2).
    pub fn map(&mut self, len: usize) {
        if self.resp3() {
            self.header(b'%', len as i64);
        } else {
            self.header(b'*', 2 * len as i64);
        }
    }

    /// A RESP3 push (`>`): out-of-band data such as pub/sub messages.
    pub fn push(&mut self, len: usize) {
        self.header(b'>', len as i64);
    }

    pub fn set(&mut self, len: usize) {
        let tag = if self.resp3() { b'~' } else { b'*' };
        self.header(tag, len as i64);
    }

    /// A double (`,` on RESP3, a bulk string of `%.17g` on RESP2).
    pub fn double(&mut self, value: f64) {
        let text = format_double(value);
        if self.resp3() {
            self.line(b',', &text);
        } else {
            self.bulk(&text);
        }
    }

    pub fn boolean(&mut self, value: bool) {
        if self.resp3() {
            self.line(b'#', if value { b"t" } else { b"f" });
        } else {
            self.int(i64::from(value));
        }
    }

    pub fn verbatim(&mut self, text: &[u8]) {
        if self.resp3() {
            self.header(b'=', text.len() as i64 + 4);
            self.buf.extend_from_slice(b"txt:");
            self.buf.extend_from_slice(text);
            self.buf.extend_from_slice(b"\r\n");
        } else {
            self.bulk(text);
        }
    }

    /// A big number (`(` on RESP3, a bulk string on RESP2).
    pub fn big_number(&mut self, digits: &[u8]) {
        if self.resp3() {
            self.line(b'(', digits);
        } else {
            self.bulk(digits);
        }
    }

    /// A RESP3 attribute of `len` pairs, which belongs to the reply written after it.
    pub fn attribute(&mut self, len: usize) {
        self.header(b'|', len as i64);
    }

    pub fn reply(&mut self, reply: &Reply) {
        reply.write_resp(self.resp, &mut self.buf);
    }

    pub fn bulks<'a>(&mut self, items: impl ExactSizeIterator<Item = &'a [u8]>) {
        self.array(items.len());
        for item in items {
            self.bulk(item);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_through_bytes() {
        for resp in [2, 3] {
            let mut w = ReplyWriter::new(resp);
            w.map(2);
            w.bulk(b"a");
            w.int(-5);
            w.bulk(b"b");
            w.array(3);
            w.null();
            w.double(1.5);
            w.status(b"OK");
            let parsed = Reply::parse(&w.buf).unwrap();
            let mut again = Vec::new();
            parsed.write_resp(resp, &mut again);
            assert_eq!(again, w.buf);
        }
    }

    #[test]
    fn errors_stay_on_one_line() {
        let mut w = ReplyWriter::new(2);
        w.error("ERR a\r\nb");
        assert_eq!(w.buf, b"-ERR a  b\r\n");
    }
}

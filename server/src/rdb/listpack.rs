//! Redis's listpack (`listpack.c`): the byte layout RDB files use for small hashes, sorted
//! sets, list nodes and stream nodes. A listpack is a 4-byte total size and a 2-byte element
//! count (little endian; 65535 means "count them"), the elements, and a 0xFF terminator. Each
//! element is its encoding and data followed by a back-length (the size of encoding and data,
//! written so it can be read backwards). Strings that are the canonical text of a 64-bit
//! integer are stored as integers, in the smallest of seven widths.

const EOF: u8 = 0xff;
const HEADER: usize = 6;
/// The element count saturates here (`LP_HDR_NUMELE_UNKNOWN`).
const COUNT_UNKNOWN: usize = 65535;

/// One element as read back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Element<'a> {
    Int(i64),
    Str(&'a [u8]),
}

impl Element<'_> {
    /// The element as the string it stands for.
    pub fn to_vec(self) -> Vec<u8> {
        match self {
            Element::Int(v) => v.to_string().into_bytes(),
            Element::Str(s) => s.to_vec(),
        }
    }

    pub fn as_int(self) -> Option<i64> {
        match self {
            Element::Int(v) => Some(v),
            Element::Str(s) => crate::util::parse_i64(s),
        }
    }
}

/// Builds a listpack element by element.
pub struct Writer {
    buf: Vec<u8>,
    count: usize,
}

impl Default for Writer {
    fn default() -> Self {
        Writer::new()
    }
}

impl Writer {
    pub fn new() -> Writer {
        Writer {
            buf: vec![0; HEADER],
            count: 0,
        }
    }

    /// Bytes so far, terminator included (`lpBytes` once finished).
    pub fn bytes(&self) -> usize {
        self.buf.len() + 1
    }

    pub fn count(&self) -> usize {
        self.count
    }

    /// Append a string, as an integer when it is one (`lpStringToInt64`).
    pub fn push(&mut self, s: &[u8]) {
        match string_to_int(s) {
            Some(v) => self.push_int(v),
            None => self.push_str(s),
        }
    }

    pub fn push_int(&mut self, v: i64) {
        let start = self.buf.len();
        let b = v.to_le_bytes();
        if (0..=127).contains(&v) {
            self.buf.push(v as u8);
        } else if (-4096..=4095).contains(&v) {
            let u = (v & 0x1fff) as u16;
            self.buf
                .extend_from_slice(&[0xc0 | (u >> 8) as u8, u as u8]);
        } else if (-32768..=32767).contains(&v) {
            self.buf.extend_from_slice(&[0xf1, b[0], b[1]]);
        } else if (-8_388_608..=8_388_607).contains(&v) {
            self.buf.extend_from_slice(&[0xf2, b[0], b[1], b[2]]);
        } else if i32::try_from(v).is_ok() {
            self.buf.extend_from_slice(&[0xf3, b[0], b[1], b[2], b[3]]);
        } else {
            self.buf.push(0xf4);
            self.buf.extend_from_slice(&b);
        }
        self.end_element(start);
    }

    fn push_str(&mut self, s: &[u8]) {
        let start = self.buf.len();
        let len = s.len();
        if len < 64 {
            self.buf.push(0x80 | len as u8);
        } else if len < 4096 {
            self.buf
                .extend_from_slice(&[0xe0 | (len >> 8) as u8, len as u8]);
        } else {
            self.buf.push(0xf0);
            self.buf.extend_from_slice(&(len as u32).to_le_bytes());
        }
        self.buf.extend_from_slice(s);
        self.end_element(start);
    }

    /// Write the back-length of the element that began at `start` (`lpEncodeBacklen`).
    fn end_element(&mut self, start: usize) {
        let back = backlen((self.buf.len() - start) as u64);
        self.buf.extend_from_slice(&back);
        self.count += 1;
    }

    pub fn finish(mut self) -> Vec<u8> {
        self.buf.push(EOF);
        let total = self.buf.len() as u32;
        self.buf[..4].copy_from_slice(&total.to_le_bytes());
        let count = self.count.min(COUNT_UNKNOWN) as u16;
        self.buf[4..6].copy_from_slice(&count.to_le_bytes());
        self.buf
    }
}

/// `lpStringToInt64`: the canonical decimal text of an `i64` (no sign but `-`, no leading
/// zeros, at most 20 bytes).
fn string_to_int(s: &[u8]) -> Option<i64> {
    if s.is_empty() || s.len() > 20 {
        return None;
    }
    crate::util::parse_i64(s)
}

/// Every element of `lp`, or `None` when it is malformed in any way: sizes that disagree with
/// the header, a missing terminator, a back-length that does not match its element, or a
/// count that disagrees with the elements (`lpValidateIntegrity` with its deep check).
pub fn elements(lp: &[u8]) -> Option<Vec<Element<'_>>> {
    if lp.len() < HEADER + 1 {
        return None;
    }
    let total = u32::from_le_bytes([lp[0], lp[1], lp[2], lp[3]]) as usize;
    let count = usize::from(u16::from_le_bytes([lp[4], lp[5]]));
    if total != lp.len() || lp[lp.len() - 1] != EOF {
        return None;
    }
    let mut out = Vec::with_capacity(count.min(lp.len()));
    let mut pos = HEADER;
    let end = lp.len() - 1;
    while pos < end {
        let (element, size) = element_at(&lp[pos..end])?;
        let back = backlen(size as u64);
        let after = pos + size;
        if lp.get(after..after + back.len())? != back.as_slice() {
            return None;
        }
        out.push(element);
        pos = after + back.len();
    }
    if pos != end || (count != COUNT_UNKNOWN && count != out.len()) {
        return None;
    }
    Some(out)
}

/// The element at the start of `data` and the bytes of its encoding and data.
fn element_at(data: &[u8]) -> Option<(Element<'_>, usize)> {
    let first = *data.first()?;
    let le = |n: usize| -> Option<u64> {
        let bytes = data.get(1..1 + n)?;
        Some(
            bytes
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
        )
    };
    // Sign-extend an n-bit two's complement value.
    let signed = |v: u64, bits: u32| -> i64 { ((v << (64 - bits)) as i64) >> (64 - bits) };
    let string = |header: usize, len: usize| -> Option<(Element<'_>, usize)> {
        let s = data.get(header..header.checked_add(len)?)?;
        Some((Element::Str(s), header + len))
    };
    match first {
        0x00..=0x7f => Some((Element::Int(i64::from(first)), 1)),
        0x80..=0xbf => string(1, usize::from(first & 0x3f)),
        0xc0..=0xdf => {
            let v = (u64::from(first & 0x1f) << 8) | u64::from(*data.get(1)?);
            Some((Element::Int(signed(v, 13)), 2))
        }
        0xe0..=0xef => {
            let len = (usize::from(first & 0x0f) << 8) | usize::from(*data.get(1)?);
            string(2, len)
        }
        0xf0 => string(5, usize::try_from(le(4)?).ok()?),
        0xf1 => Some((Element::Int(signed(le(2)?, 16)), 3)),
        0xf2 => Some((Element::Int(signed(le(3)?, 24)), 4)),
        0xf3 => Some((Element::Int(signed(le(4)?, 32)), 5)),
        0xf4 => Some((Element::Int(le(8)? as i64), 9)),
        _ => None,
    }
}

/// The back-length of an element of `l` bytes (`lpEncodeBacklen`): seven bits per byte, most
/// significant group first, every byte after the first with its high bit set (so it reads
/// backwards from the element's end).
fn backlen(l: u64) -> smallvec::SmallVec<[u8; 5]> {
    let groups = match l {
        0..=127 => 1,
        128..=16382 => 2,
        16383..=2_097_150 => 3,
        2_097_151..=268_435_454 => 4,
        _ => 5,
    };
    (0..groups)
        .rev()
        .map(|i| {
            let part = ((l >> (7 * i)) & 127) as u8;
            if i == groups - 1 {
                part
            } else {
                part | 128
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(items: &[&[u8]]) -> Vec<u8> {
        let mut w = Writer::new();
        for i in items {
            w.push(i);
        }
        w.finish()
    }

    #[test]
    fn matches_redis_bytes() {
        // OBJECT ENCODING listpack hash {a:1} as redis-server 7.0.15 dumps it (DUMP payload
        // without type, length prefix and footer).
        assert_eq!(
            build(&[b"a", b"1"]),
            b"\x0c\x00\x00\x00\x02\x00\x81a\x02\x01\x01\xff".to_vec()
        );
    }

    #[test]
    fn round_trips_every_width() {
        let long = vec![b'x'; 5000];
        let mid = vec![b'y'; 300];
        let items: Vec<Vec<u8>> = [
            "0",
            "127",
            "128",
            "-1",
            "-4096",
            "4095",
            "4096",
            "-32768",
            "32767",
            "40000",
            "-8388608",
            "8388607",
            "9000000",
            "-2147483648",
            "2147483647",
            "2147483648",
            "9223372036854775807",
            "-9223372036854775808",
            "007",
            "-0",
            "+1",
            "",
            "a",
        ]
        .iter()
        .map(|s| s.as_bytes().to_vec())
        .chain([long.clone(), mid.clone()])
        .collect();
        let refs: Vec<&[u8]> = items.iter().map(Vec::as_slice).collect();
        let lp = build(&refs);
        let back: Vec<Vec<u8>> = elements(&lp)
            .expect("valid")
            .into_iter()
            .map(Element::to_vec)
            .collect();
        assert_eq!(back, items);
    }

    #[test]
    fn corrupt_listpacks_are_refused() {
        let lp = build(&[b"hello", b"12345", &[b'z'; 200]]);
        for cut in 0..lp.len() {
            assert!(elements(&lp[..cut]).is_none());
        }
        for i in 0..lp.len() {
            for flip in [1u8, 0x80, 0xff] {
                let mut bad = lp.clone();
                bad[i] ^= flip;
                // Must not panic; may or may not be refused.
                let _ = elements(&bad);
            }
        }
    }
}

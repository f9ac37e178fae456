//! RDB lengths and strings (`rdbSaveLen`, `rdbSaveRawString`, `rdbGenericLoadStringObject`) and
//! Redis's `crc64`.

use super::lzf;

/// `RDB_VERSION` of Redis 7.0.
pub const RDB_VERSION: u16 = 10;

const ENC_INT8: u64 = 0;
const ENC_INT16: u64 = 1;
const ENC_INT32: u64 = 2;
const ENC_LZF: u64 = 3;

/// `rdbSaveLen`: 6-bit, 14-bit, 32-bit or 64-bit big-endian lengths.
pub fn write_len(out: &mut Vec<u8>, len: u64) {
    if len < 1 << 6 {
        out.push(len as u8);
    } else if len < 1 << 14 {
        out.push(0x40 | (len >> 8) as u8);
        out.push(len as u8);
    } else if len <= u64::from(u32::MAX) {
        out.push(0x80);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    } else {
        out.push(0x81);
        out.extend_from_slice(&len.to_be_bytes());
    }
}

/// `rdbSaveRawString`: a small integer in its encoded form, else LZF when `compress` and that
/// saves four bytes, else the bytes after their length.
pub fn write_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11 && encode_integer(out, s) {
        return;
    }
    if compress && s.len() > 20 {
        if let Some(packed) = lzf::compress(s, s.len() - 4) {
            out.push(0xc0 | ENC_LZF as u8);
            write_len(out, packed.len() as u64);
            write_len(out, s.len() as u64);
            out.extend_from_slice(&packed);
            return;
        }
    }
    write_len(out, s.len() as u64);
    out.extend_from_slice(s);
}

/// `rdbTryIntegerEncoding`: a string that is the canonical text of a 32-bit integer is written
/// as that integer; false (nothing written) otherwise.
fn encode_integer(out: &mut Vec<u8>, s: &[u8]) -> bool {
    let Some(value) = canonical_integer(s) else {
        return false;
    };
    if let Ok(v) = i8::try_from(value) {
        out.extend_from_slice(&[0xc0 | ENC_INT8 as u8, v as u8]);
    } else if let Ok(v) = i16::try_from(value) {
        out.push(0xc0 | ENC_INT16 as u8);
        out.extend_from_slice(&v.to_le_bytes());
    } else if let Ok(v) = i32::try_from(value) {
        out.push(0xc0 | ENC_INT32 as u8);
        out.extend_from_slice(&v.to_le_bytes());
    } else {
        return false;
    }
    true
}

/// The value of `s` when it is the canonical decimal text of an integer of at most 11 bytes
/// (no `+`, no leading zeros, no `-0`), as `string2ll` followed by `ll2string` would agree.
fn canonical_integer(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, s),
    };
    let first = *digits.first()?;
    if digits.len() > 10
        || !first.is_ascii_digit()
        || (first == b'0' && (digits.len() > 1 || negative))
    {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        value = value * 10 + i64::from(d - b'0');
    }
    Some(if negative { -value } else { value })
}

/// A cursor over RDB bytes; every read is checked, `None` when the data ends or is malformed.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    /// A read asked for more bytes than were left.
    ran_out: bool,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader {
            data,
            pos: 0,
            ran_out: false,
        }
    }

    /// Whether a read asked for more bytes than were left (the data may be cut short,
    /// whatever the error a caller made of it).
    pub fn ran_out(&self) -> bool {
        self.ran_out
    }

    /// Bytes read so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not read yet.
    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn take(&mut self, n: u64) -> Option<&'a [u8]> {
        let end = usize::try_from(n)
            .ok()
            .and_then(|n| self.pos.checked_add(n))
            .filter(|&end| end <= self.data.len());
        let Some(end) = end else {
            self.ran_out = true;
            return None;
        };
        let bytes = &self.data[self.pos..end];
        self.pos = end;
        Some(bytes)
    }

    pub fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    pub fn u64_le(&mut self) -> Option<u64> {
        let b = self.take(8)?;
        let mut a = [0u8; 8];
        a.copy_from_slice(b);
        Some(u64::from_le_bytes(a))
    }

    pub fn u32_le(&mut self) -> Option<u32> {
        let b = self.take(4)?;
        Some(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// `rdbLoadBinaryDoubleValue`.
    pub fn binary_double(&mut self) -> Option<f64> {
        self.u64_le().map(f64::from_bits)
    }

    /// `rdbLoadLenByRef`: the length, and whether it is a string encoding type instead.
    pub fn len_or_encoding(&mut self) -> Option<(u64, bool)> {
        let first = self.byte()?;
        match first >> 6 {
            3 => Some((u64::from(first & 0x3f), true)),
            0 => Some((u64::from(first & 0x3f), false)),
            1 => {
                let second = self.byte()?;
                Some(((u64::from(first & 0x3f) << 8) | u64::from(second), false))
            }
            _ if first == 0x80 => {
                let b = self.take(4)?;
                Some((
                    u64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
                    false,
                ))
            }
            _ if first == 0x81 => {
                let b = self.take(8)?;
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                Some((u64::from_be_bytes(a), false))
            }
            _ => None,
        }
    }

    /// `rdbLoadLen`: a length (an encoding type in its place is malformed).
    pub fn len(&mut self) -> Option<u64> {
        match self.len_or_encoding()? {
            (len, false) => Some(len),
            (_, true) => None,
        }
    }

    /// A string, borrowed from the data when it is stored plainly (no copy for most keys and
    /// values).
    pub fn bytes(&mut self) -> Option<std::borrow::Cow<'a, [u8]>> {
        let start = self.pos;
        match self.len_or_encoding()? {
            (len, false) => self.take(len).map(std::borrow::Cow::Borrowed),
            (_, true) => {
                self.pos = start;
                self.string().map(std::borrow::Cow::Owned)
            }
        }
    }

    /// `rdbGenericLoadStringObject`.
    pub fn string(&mut self) -> Option<Vec<u8>> {
        let (len, encoded) = self.len_or_encoding()?;
        if !encoded {
            return self.take(len).map(<[u8]>::to_vec);
        }
        let value = match len {
            ENC_INT8 => i64::from(self.byte()? as i8),
            ENC_INT16 => {
                let b = self.take(2)?;
                i64::from(i16::from_le_bytes([b[0], b[1]]))
            }
            ENC_INT32 => {
                let b = self.take(4)?;
                i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            }
            ENC_LZF => {
                let packed_len = self.len()?;
                let len = self.len()?;
                let packed = self.take(packed_len)?;
                return lzf::decompress(packed, usize::try_from(len).ok()?);
            }
            _ => return None,
        };
        Some(value.to_string().into_bytes())
    }
}

/// The reflected Jones polynomial of Redis's `crc64`.
const POLY: u64 = 0x95ac_9329_ac4b_c9b5;

const fn crc_table() -> [u64; 256] {
    let mut table = [0u64; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u64;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

/// Eight tables for taking eight bytes per step ("slicing by 8"): `TABLES[k][b]` is the CRC
/// of byte `b` followed by `k` zero bytes.
const fn slice_tables() -> [[u64; 256]; 8] {
    let mut tables = [[0u64; 256]; 8];
    tables[0] = crc_table();
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = tables[k - 1][i];
            tables[k][i] = tables[0][(prev & 0xff) as usize] ^ (prev >> 8);
            i += 1;
        }
        k += 1;
    }
    tables
}

static TABLES: [[u64; 256]; 8] = slice_tables();

/// Redis's `crc64(crc, data)`: continue `crc` over `data`.
pub fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    let t = &TABLES;
    let mut chunks = data.chunks_exact(8);
    for c in &mut chunks {
        let x = crc ^ u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
        crc = t[7][(x & 0xff) as usize]
            ^ t[6][((x >> 8) & 0xff) as usize]
            ^ t[5][((x >> 16) & 0xff) as usize]
            ^ t[4][((x >> 24) & 0xff) as usize]
            ^ t[3][((x >> 32) & 0xff) as usize]
            ^ t[2][((x >> 40) & 0xff) as usize]
            ^ t[1][((x >> 48) & 0xff) as usize]
            ^ t[0][(x >> 56) as usize];
    }
    for &b in chunks.remainder() {
        crc = t[0][((crc ^ u64::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_check_value() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
        // Eight bytes at a time agrees with one at a time, at every length and split.
        let data: Vec<u8> = (0..100u32).map(|i| (i * 37 % 251) as u8).collect();
        for len in 0..data.len() {
            let mut one = 0u64;
            for b in &data[..len] {
                one = crc64(one, std::slice::from_ref(b));
            }
            assert_eq!(crc64(0, &data[..len]), one);
        }
    }

    #[test]
    fn canonical_integers() {
        for (s, v) in [
            ("0", Some(0)),
            ("-1", Some(-1)),
            ("2147483647", Some(2147483647)),
            ("-2147483648", Some(-2147483648)),
        ] {
            assert_eq!(canonical_integer(s.as_bytes()), v);
        }
        for s in ["", "-", "-0", "01", "+1", "1a", " 1", "99999999999"] {
            assert_eq!(canonical_integer(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn strings_round_trip() {
        for s in [
            &b"12"[..],
            b"-300",
            b"70000",
            b"007",
            b"-2147483648",
            b"2147483648",
            b"",
            b"x",
            &[b'a'; 100],
            &[7u8; 20000],
        ] {
            let mut out = Vec::new();
            write_string(&mut out, s, true);
            let mut r = Reader::new(&out);
            assert_eq!(r.string().as_deref(), Some(s));
            assert_eq!(r.position(), out.len());
        }
    }

    #[test]
    fn lengths_round_trip() {
        for len in [
            0u64,
            63,
            64,
            16383,
            16384,
            u64::from(u32::MAX),
            u64::from(u32::MAX) + 1,
        ] {
            let mut out = Vec::new();
            write_len(&mut out, len);
            assert_eq!(Reader::new(&out).len(), Some(len));
        }
    }

    #[test]
    fn truncated_input_is_refused() {
        let mut out = Vec::new();
        write_string(&mut out, &[b'a'; 100], true);
        for cut in 0..out.len() {
            assert_eq!(Reader::new(&out[..cut]).string(), None);
        }
    }
}

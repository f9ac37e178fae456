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
    let Some(value) = std::str::from_utf8(s)
        .ok()
        .and_then(|t| t.parse::<i64>().ok().filter(|v| v.to_string() == t))
    else {
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

/// A cursor over RDB bytes; every read is checked, `None` when the data ends or is malformed.
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Reader<'a> {
        Reader { data, pos: 0 }
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
        let n = usize::try_from(n).ok()?;
        let end = self.pos.checked_add(n)?;
        let bytes = self.data.get(self.pos..end)?;
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

static CRC_TABLE: [u64; 256] = crc_table();

/// Redis's `crc64(crc, data)`: continue `crc` over `data`.
pub fn crc64(mut crc: u64, data: &[u8]) -> u64 {
    for &b in data {
        crc = CRC_TABLE[((crc ^ u64::from(b)) & 0xff) as usize] ^ (crc >> 8);
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc64_check_value() {
        assert_eq!(crc64(0, b"123456789"), 0xe9c6_d914_c4b8_d9ca);
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

//! The `FUNCTION DUMP` payload (`functionDumpCommand`, `rdbSaveFunctions`): for each library
//! the RDB opcode `FUNCTION2` (245) and its code as an RDB string, then the RDB version (10) in
//! two little-endian bytes and the CRC-64 (Jones polynomial, as Redis's `crc64`) of everything
//! before it in eight little-endian bytes. Strings over 20 bytes are LZF-compressed when that
//! saves at least four bytes, as `rdbSaveRawString` does with `rdbcompression yes`.

use super::lzf;

/// `RDB_OPCODE_FUNCTION2`: a library's code.
const OPCODE_FUNCTION2: u8 = 245;
/// `RDB_OPCODE_FUNCTION`: a library as 7.0's release candidates wrote it (name, engine,
/// optional description, code).
const OPCODE_FUNCTION: u8 = 246;
/// `RDB_VERSION` of Redis 7.0.
pub(crate) const RDB_VERSION: u16 = 10;

const ENC_INT8: u64 = 0;
const ENC_INT16: u64 = 1;
const ENC_INT32: u64 = 2;
const ENC_LZF: u64 = 3;

/// The payload for libraries with these codes, in this order.
pub(crate) fn dump<'a>(codes: impl Iterator<Item = &'a [u8]>, compress: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for code in codes {
        out.push(OPCODE_FUNCTION2);
        write_string(&mut out, code, compress);
    }
    out.extend_from_slice(&RDB_VERSION.to_le_bytes());
    let crc = crc64(0, &out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// Whether the payload's footer is right (`verifyDumpPayload`): a known RDB version and the
/// checksum.
pub(crate) fn verify(payload: &[u8]) -> bool {
    if payload.len() < 10 {
        return false;
    }
    let footer = &payload[payload.len() - 10..];
    let version = u16::from_le_bytes([footer[0], footer[1]]);
    if version > RDB_VERSION {
        return false;
    }
    let crc = crc64(0, &payload[..payload.len() - 8]);
    crc.to_le_bytes() == footer[2..]
}

/// The library codes a verified payload holds, or the error text (without `ERR `). Reads as
/// `functionRestoreCommand` does: records until only the ten footer bytes are left (a record
/// may run into them).
pub(crate) fn read_libraries(payload: &[u8]) -> Result<Vec<Vec<u8>>, Vec<u8>> {
    let mut reader = Reader {
        data: payload,
        pos: 0,
    };
    let mut codes = Vec::new();
    while payload.len() - reader.pos > 10 {
        let Some(opcode) = reader.byte() else {
            return Err(b"can not read data type".to_vec());
        };
        match opcode {
            OPCODE_FUNCTION2 => match reader.string() {
                Some(code) => codes.push(code),
                None => return Err(b"Failed loading library payload".to_vec()),
            },
            OPCODE_FUNCTION => codes.push(reader.old_library()?),
            _ => return Err(b"given type is not a function".to_vec()),
        }
    }
    Ok(codes)
}

/// `rdbSaveLen`.
fn write_len(out: &mut Vec<u8>, len: u64) {
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

/// `rdbSaveRawString`: a small integer in its encoded form, else LZF when it saves four bytes,
/// else the bytes after their length.
fn write_string(out: &mut Vec<u8>, s: &[u8], compress: bool) {
    if s.len() <= 11 {
        if let Some(encoded) = encode_integer(s) {
            out.extend_from_slice(&encoded);
            return;
        }
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

/// `rdbTryIntegerEncoding`: a string that is the canonical text of a 32-bit integer.
fn encode_integer(s: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(s).ok()?;
    let value: i64 = text.parse().ok()?;
    if value.to_string() != text {
        return None;
    }
    if let Ok(v) = i8::try_from(value) {
        Some(vec![0xc0 | ENC_INT8 as u8, v as u8])
    } else if let Ok(v) = i16::try_from(value) {
        let b = v.to_le_bytes();
        Some(vec![0xc0 | ENC_INT16 as u8, b[0], b[1]])
    } else if let Ok(v) = i32::try_from(value) {
        let b = v.to_le_bytes();
        Some(vec![0xc0 | ENC_INT32 as u8, b[0], b[1], b[2], b[3]])
    } else {
        None
    }
}

struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: u64) -> Option<&[u8]> {
        let n = usize::try_from(n).ok()?;
        let end = self.pos.checked_add(n)?;
        let bytes = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(bytes)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    /// `rdbLoadLenByRef`: the length, and whether it is an encoding type instead.
    fn len(&mut self) -> Option<(u64, bool)> {
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

    /// `rdbGenericLoadStringObject`.
    fn string(&mut self) -> Option<Vec<u8>> {
        let (len, encoded) = self.len()?;
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
                let (packed_len, _) = self.len()?;
                let (len, _) = self.len()?;
                let packed = self.take(packed_len)?;
                return lzf::decompress(packed, usize::try_from(len).ok()?);
            }
            _ => return None,
        };
        Some(value.to_string().into_bytes())
    }

    /// A library in the release candidates' format, turned into code with a first line.
    fn old_library(&mut self) -> Result<Vec<u8>, Vec<u8>> {
        let name = self
            .string()
            .ok_or_else(|| b"Failed loading library name".to_vec())?;
        let engine = self
            .string()
            .ok_or_else(|| b"Failed loading engine name".to_vec())?;
        let (has_description, _) = self
            .len()
            .ok_or_else(|| b"Failed loading library description indicator".to_vec())?;
        if has_description != 0 {
            self.string()
                .ok_or_else(|| b"Failed loading library description".to_vec())?;
        }
        let blob = self
            .string()
            .ok_or_else(|| b"Failed loading library blob".to_vec())?;
        let mut code = b"#!".to_vec();
        code.extend_from_slice(&engine);
        code.extend_from_slice(b" name=");
        code.extend_from_slice(&name);
        code.push(b'\n');
        code.extend_from_slice(&blob);
        Ok(code)
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

/// Redis's `crc64(crc, data)`.
pub(crate) fn crc64(mut crc: u64, data: &[u8]) -> u64 {
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
    fn empty_dump_matches_redis() {
        // redis-server 7.0.15 answers FUNCTION DUMP with no libraries with these bytes.
        assert_eq!(
            dump(std::iter::empty(), true),
            b"\n\x00]\x9b\\@\x0f\x7f\xa2\xda".to_vec()
        );
    }

    #[test]
    fn strings_round_trip() {
        for s in [
            &b"12"[..],
            b"-300",
            b"70000",
            b"007",
            b"x",
            &[b'a'; 100],
            &[7u8; 20000],
        ] {
            let mut out = Vec::new();
            write_string(&mut out, s, true);
            let mut r = Reader { data: &out, pos: 0 };
            assert_eq!(r.string().as_deref(), Some(s));
            assert_eq!(r.pos, out.len());
        }
    }
}

//! The `FUNCTION DUMP` payload (`functionDumpCommand`, `rdbSaveFunctions`): for each library
//! the RDB opcode `FUNCTION2` (245) and its code as an RDB string, then the RDB version (10) in
//! two little-endian bytes and the CRC-64 (Jones polynomial, as Redis's `crc64`) of everything
//! before it in eight little-endian bytes. Strings over 20 bytes are LZF-compressed when that
//! saves at least four bytes, as `rdbSaveRawString` does with `rdbcompression yes`.

use crate::rdb::{crc64, write_string, Reader, RDB_VERSION};

/// `RDB_OPCODE_FUNCTION2`: a library's code.
const OPCODE_FUNCTION2: u8 = 245;
/// `RDB_OPCODE_FUNCTION`: a library as 7.0's release candidates wrote it (name, engine,
/// optional description, code).
const OPCODE_FUNCTION: u8 = 246;

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
    let mut reader = Reader::new(payload);
    let mut codes = Vec::new();
    while reader.remaining() > 10 {
        let Some(opcode) = reader.byte() else {
            return Err(b"can not read data type".to_vec());
        };
        match opcode {
            OPCODE_FUNCTION2 => match reader.string() {
                Some(code) => codes.push(code),
                None => return Err(b"Failed loading library payload".to_vec()),
            },
            OPCODE_FUNCTION => codes.push(old_library(&mut reader)?),
            _ => return Err(b"given type is not a function".to_vec()),
        }
    }
    Ok(codes)
}

/// A library in the release candidates' format, turned into code with a first line.
fn old_library(reader: &mut Reader) -> Result<Vec<u8>, Vec<u8>> {
    let name = reader
        .string()
        .ok_or_else(|| b"Failed loading library name".to_vec())?;
    let engine = reader
        .string()
        .ok_or_else(|| b"Failed loading engine name".to_vec())?;
    let has_description = reader
        .len()
        .ok_or_else(|| b"Failed loading library description indicator".to_vec())?;
    if has_description != 0 {
        reader
            .string()
            .ok_or_else(|| b"Failed loading library description".to_vec())?;
    }
    let blob = reader
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_dump_matches_redis() {
        // redis-server 7.0.15 answers FUNCTION DUMP with no libraries with these bytes.
        assert_eq!(
            dump(std::iter::empty(), true),
            b"\n\x00]\x9b\\@\x0f\x7f\xa2\xda".to_vec()
        );
    }
}

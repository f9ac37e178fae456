//! Redis's older compact blobs, read back from files written before 7.0: the ziplist
//! (`ziplist.c`: lists, hashes and sorted sets of 3.2 to 6.2, and quicklist nodes) and the
//! zipmap (`zipmap.c`: hashes before 2.6). Only read: this server writes listpacks.
//!
//! A ziplist is a 4-byte total size, a 4-byte offset of the last entry, a 2-byte count, the
//! entries (each: the previous entry's length in 1 or 5 bytes, an encoding, the data) and 0xFF.

use super::listpack::Element;

const END: u8 = 0xff;

/// Every element of a ziplist, or `None` when it is malformed.
pub fn elements(zl: &[u8]) -> Option<Vec<Element<'_>>> {
    if zl.len() < 11 || zl[zl.len() - 1] != END {
        return None;
    }
    let total = u32::from_le_bytes([zl[0], zl[1], zl[2], zl[3]]) as usize;
    let tail = u32::from_le_bytes([zl[4], zl[5], zl[6], zl[7]]) as usize;
    let count = usize::from(u16::from_le_bytes([zl[8], zl[9]]));
    if total != zl.len() {
        return None;
    }
    let mut out = Vec::with_capacity(count.min(zl.len()));
    let mut pos = 10;
    let end = zl.len() - 1;
    let mut previous = 0usize;
    // Where the last entry starts (the header's end when there is none): the tail offset.
    let mut last_start = 10;
    while pos < end {
        let start = pos;
        last_start = start;
        // The previous entry's length.
        let prevlen = match *zl.get(pos)? {
            254 => {
                let b = zl.get(pos + 1..pos + 5)?;
                pos += 5;
                u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize
            }
            255 => return None,
            n => {
                pos += 1;
                usize::from(n)
            }
        };
        if prevlen != previous {
            return None;
        }
        let encoding = *zl.get(pos)?;
        let int = |at: usize, n: usize| -> Option<i64> {
            let b = zl.get(at..at + n)?;
            let mut v = [0u8; 8];
            v[..n].copy_from_slice(b);
            // Sign-extend from n bytes.
            let shift = 64 - 8 * n as u32;
            Some((i64::from_le_bytes(v) << shift) >> shift)
        };
        let (element, next) = match encoding >> 6 {
            0 => {
                let len = usize::from(encoding & 0x3f);
                (Element::Str(zl.get(pos + 1..pos + 1 + len)?), pos + 1 + len)
            }
            1 => {
                let len = (usize::from(encoding & 0x3f) << 8) | usize::from(*zl.get(pos + 1)?);
                (Element::Str(zl.get(pos + 2..pos + 2 + len)?), pos + 2 + len)
            }
            2 => {
                if encoding != 0x80 {
                    return None;
                }
                let b = zl.get(pos + 1..pos + 5)?;
                let len = u32::from_be_bytes([b[0], b[1], b[2], b[3]]) as usize;
                let data_end = (pos + 5).checked_add(len)?;
                (Element::Str(zl.get(pos + 5..data_end)?), data_end)
            }
            _ => match encoding {
                0xc0 => (Element::Int(int(pos + 1, 2)?), pos + 3),
                0xd0 => (Element::Int(int(pos + 1, 4)?), pos + 5),
                0xe0 => (Element::Int(int(pos + 1, 8)?), pos + 9),
                0xf0 => (Element::Int(int(pos + 1, 3)?), pos + 4),
                0xfe => (Element::Int(int(pos + 1, 1)?), pos + 2),
                0xf1..=0xfd => (Element::Int(i64::from(encoding & 0x0f) - 1), pos + 1),
                _ => return None,
            },
        };
        if next > end {
            return None;
        }
        out.push(element);
        previous = next - start;
        pos = next;
    }
    if (count != 65535 && count != out.len()) || tail != last_start {
        return None;
    }
    Some(out)
}

/// The field/value pairs of a zipmap, or `None` when it is malformed.
pub fn zipmap_pairs(zm: &[u8]) -> Option<Vec<(&[u8], &[u8])>> {
    let mut pos = 1;
    let mut pairs = Vec::new();
    // A length under 254 written in the 5-byte form is corrupt (as redis-server checks).
    let length = |pos: &mut usize| -> Option<usize> {
        match *zm.get(*pos)? {
            254 => {
                let b = zm.get(*pos + 1..*pos + 5)?;
                *pos += 5;
                let n = u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize;
                (n >= 254).then_some(n)
            }
            255 => None,
            n => {
                *pos += 1;
                Some(usize::from(n))
            }
        }
    };
    loop {
        if *zm.get(pos)? == END {
            return (pos + 1 == zm.len()).then_some(pairs);
        }
        let klen = length(&mut pos)?;
        let key = zm.get(pos..pos.checked_add(klen)?)?;
        pos += klen;
        let vlen = length(&mut pos)?;
        let free = usize::from(*zm.get(pos)?);
        pos += 1;
        let value = zm.get(pos..pos.checked_add(vlen)?)?;
        pos += vlen + free;
        pairs.push((key, value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ziplist built by hand from `ziplist.c`'s layout: "a", 12 (immediate), 300 (int16).
    fn sample() -> Vec<u8> {
        let entries: Vec<Vec<u8>> = vec![
            vec![0x00, 0x01, b'a'],
            vec![0x03, 0xfd],
            vec![0x02, 0xc0, 0x2c, 0x01],
        ];
        let body: Vec<u8> = entries.concat();
        let total = 10 + body.len() + 1;
        let mut zl = Vec::new();
        zl.extend_from_slice(&(total as u32).to_le_bytes());
        zl.extend_from_slice(&((10 + 3 + 2) as u32).to_le_bytes());
        zl.extend_from_slice(&3u16.to_le_bytes());
        zl.extend_from_slice(&body);
        zl.push(END);
        zl
    }

    #[test]
    fn reads_each_encoding() {
        let zl = sample();
        assert_eq!(
            elements(&zl),
            Some(vec![
                Element::Str(b"a"),
                Element::Int(12),
                Element::Int(300)
            ])
        );
    }

    #[test]
    fn malformed_ziplists_never_panic() {
        let zl = sample();
        for cut in 0..zl.len() {
            assert!(elements(&zl[..cut]).is_none());
        }
        for i in 0..zl.len() {
            for v in [0u8, 0x3f, 0x80, 0xfe, 0xff] {
                let mut bad = zl.clone();
                bad[i] = v;
                let _ = elements(&bad);
            }
        }
    }

    #[test]
    fn zipmaps() {
        // zmlen, "f" -> "v" with 2 free bytes, end.
        let zm = [1u8, 1, b'f', 1, 2, b'v', 0, 0, END];
        assert_eq!(zipmap_pairs(&zm), Some(vec![(&b"f"[..], &b"v"[..])]));
        assert_eq!(zipmap_pairs(&zm[..5]), None);
    }
}

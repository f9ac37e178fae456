//! Redis's intset (`intset.c`) as RDB files store it: a 4-byte width (2, 4 or 8), a 4-byte
//! count, then the integers ascending, each in that width, all little endian.

/// The blob for `values` (ascending, distinct).
pub fn encode(values: &[i64]) -> Vec<u8> {
    let width: usize = if values.iter().all(|&v| i16::try_from(v).is_ok()) {
        2
    } else if values.iter().all(|&v| i32::try_from(v).is_ok()) {
        4
    } else {
        8
    };
    let mut out = Vec::with_capacity(8 + width * values.len());
    out.extend_from_slice(&(width as u32).to_le_bytes());
    out.extend_from_slice(&(values.len() as u32).to_le_bytes());
    for v in values {
        out.extend_from_slice(&v.to_le_bytes()[..width]);
    }
    out
}

/// The integers of a blob, or `None` when its width, size or order is wrong.
pub fn decode(blob: &[u8]) -> Option<Vec<i64>> {
    let header = blob.get(..8)?;
    let width = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let count = u32::from_le_bytes([header[4], header[5], header[6], header[7]]) as usize;
    if !matches!(width, 2 | 4 | 8) || count.checked_mul(width)? != blob.len() - 8 {
        return None;
    }
    let values: Vec<i64> = blob[8..]
        .chunks_exact(width)
        .map(|c| {
            let mut b = if c[width - 1] & 0x80 != 0 {
                [0xffu8; 8]
            } else {
                [0u8; 8]
            };
            b[..width].copy_from_slice(c);
            i64::from_le_bytes(b)
        })
        .collect();
    values.windows(2).all(|w| w[0] < w[1]).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_each_width() {
        for values in [
            vec![1, 2, 3],
            vec![-40000, 5],
            vec![i64::MIN, 0, i64::MAX],
            vec![],
        ] {
            assert_eq!(decode(&encode(&values)), Some(values));
        }
        // SADD s 1 2 3 on redis-server 7.0.15: width 2, three values.
        assert_eq!(
            encode(&[1, 2, 3]),
            b"\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00".to_vec()
        );
    }

    #[test]
    fn malformed_blobs_are_refused() {
        assert_eq!(decode(b"\x03\x00\x00\x00\x00\x00\x00\x00"), None);
        assert_eq!(decode(b"\x02\x00\x00\x00\x02\x00\x00\x00\x01\x00"), None);
        assert_eq!(decode(&encode(&[1, 2])[..10]), None);
        let mut unsorted = encode(&[1, 2]);
        unsorted.swap(8, 10);
        assert_eq!(decode(&unsorted), None);
    }
}

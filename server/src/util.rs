//! Number parsing and formatting with Redis's exact rules (`string2ll`, `string2ld`,
//! `ld2string`), shared by the protocol parser and the commands.

/// A map keyed by client (or connection) id. The ids are the server's own sequential
/// numbers, looked up on every event and request: a fast hash, not the default's
/// flooding-resistant one.
pub type IdMap<V> = std::collections::HashMap<u64, V, ahash::RandomState>;

/// Redis's `string2ll`: an optional `-`, then digits with no leading zero (except `0` itself),
/// no `+`, no spaces, fitting an `i64`.
pub fn parse_i64(s: &[u8]) -> Option<i64> {
    let (negative, digits) = match s {
        [b'-', rest @ ..] => (true, rest),
        _ => (false, s),
    };
    match digits {
        [] => return None,
        [b'0'] if !negative => return Some(0),
        [b'0', ..] => return None,
        _ => {}
    }
    let mut value: u64 = 0;
    for &c in digits {
        if !c.is_ascii_digit() {
            return None;
        }
        value = value.checked_mul(10)?.checked_add(u64::from(c - b'0'))?;
    }
    if negative {
        if value > i64::MAX as u64 + 1 {
            None
        } else {
            Some((value as i64).wrapping_neg())
        }
    } else {
        i64::try_from(value).ok()
    }
}

/// `strtod` of the whole string, refusing empty input, leading spaces, trailing bytes and NaN
/// (Redis's `string2ld` rules, in `f64`; INCRBYFLOAT's exact long double is in
/// [`crate::long_double`]).
pub fn parse_f64(s: &[u8]) -> Option<f64> {
    if s.is_empty() || s.len() > 5000 || s[0].is_ascii_whitespace() {
        return None;
    }
    let (value, used) = lua_core::tools::strtod(s)?;
    if used != s.len() || value.is_nan() {
        return None;
    }
    Some(value)
}

/// Redis's `getDoubleFromObject`: [`parse_f64`], also refusing what `strtod` reports as out
/// of range (an overflow to infinity, an underflow to zero); `inf` itself is accepted.
pub fn parse_f64_in_range(s: &[u8]) -> Option<f64> {
    let value = parse_f64(s)?;
    if value.is_infinite() && !s.iter().any(|b| b.eq_ignore_ascii_case(&b'i')) {
        return None;
    }
    if value == 0.0 && !s.iter().any(|b| b.eq_ignore_ascii_case(&b'x')) {
        let mantissa = s.iter().take_while(|b| !b.eq_ignore_ascii_case(&b'e'));
        if mantissa.clone().any(|b| (b'1'..=b'9').contains(b)) {
            return None;
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_out_of_range() {
        assert_eq!(parse_f64_in_range(b"1e400"), None);
        assert_eq!(parse_f64_in_range(b"-1e400"), None);
        assert_eq!(parse_f64_in_range(b"1e-400"), None);
        assert_eq!(parse_f64_in_range(b"inf"), Some(f64::INFINITY));
        assert_eq!(parse_f64_in_range(b"0e10"), Some(0.0));
        assert_eq!(parse_f64_in_range(b"1.5"), Some(1.5));
    }

    #[test]
    fn strict_integers() {
        assert_eq!(parse_i64(b"0"), Some(0));
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        for bad in [
            &b""[..],
            b"-",
            b"+1",
            b" 1",
            b"1 ",
            b"01",
            b"-0",
            b"9223372036854775808",
            b"1a",
        ] {
            assert_eq!(parse_i64(bad), None, "{:?}", String::from_utf8_lossy(bad));
        }
    }
}

/// C's `strerror` text for an I/O error (Rust's message without its ` (os error N)` tail).
pub fn strerror(error: &std::io::Error) -> String {
    let text = error.to_string();
    match text.find(" (os error") {
        Some(cut) => text[..cut].to_string(),
        None => text,
    }
}

/// `03 Dec 2026 08:28:42.123` (UTC), the time stamp of a log line.
pub fn log_timestamp() -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let ms = crate::db::now_ms();
    let (secs, millis) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, day_secs) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        day,
        MONTHS[(month - 1) as usize],
        year,
        day_secs / 3600,
        day_secs / 60 % 60,
        day_secs % 60,
        millis
    )
}

/// Days since 1970-01-01 to (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `strtod` as Redis's range parsers use it: leading white space skipped, the rest must all
/// be the number; an empty string is 0; NaN is refused.
pub fn parse_f64_loose(s: &[u8]) -> Option<f64> {
    let trimmed = &s[s
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(s.len())..];
    if trimmed.is_empty() {
        return Some(0.0);
    }
    let (value, used) = lua_core::tools::strtod(trimmed)?;
    (used == trimmed.len() && !value.is_nan()).then_some(value)
}

/// A small, fast pseudo-random generator (xorshift64*) for sampling: random members, random
/// keys. Seeded from the server's generator so that a command borrowing the keyspace does not
/// need the server too.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `bound` (which must not be 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

/// One line another server sent (a reply to AUTH, REPLCONF, PSYNC, RESTORE...), without its
/// line end, reading at most `limit` bytes so an endless line cannot grow it. A closed
/// connection is an error.
pub fn read_reply_line<R: std::io::BufRead>(reader: &mut R, limit: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut line = Vec::new();
    let read = std::io::BufRead::read_until(&mut reader.by_ref().take(limit), b'\n', &mut line)?;
    if read == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    while matches!(line.last(), Some(b'\n' | b'\r')) {
        line.pop();
    }
    Ok(String::from_utf8_lossy(&line).into_owned())
}

/// Redis's `sdscatrepr`: `bytes` quoted, with `\\`, `\"`, `\n`, `\r`, `\t`, `\a`, `\b` and
/// `\xNN` escapes, appended to `out`.
pub fn repr_into(bytes: &[u8], out: &mut Vec<u8>) {
    out.push(b'"');
    for &c in bytes {
        match c {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'"' => out.extend_from_slice(b"\\\""),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            0x20..=0x7e => out.push(c),
            _ => out.extend_from_slice(format!("\\x{c:02x}").as_bytes()),
        }
    }
    out.push(b'"');
}

/// [`repr_into`] as a string.
pub fn repr(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() + 2);
    repr_into(bytes, &mut out);
    // Only ASCII is written.
    String::from_utf8_lossy(&out).into_owned()
}

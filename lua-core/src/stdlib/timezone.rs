//! Local time as glibc computes it for Lua 5.1's `os.date` and `os.time`: the zone named by
//! `TZ` (a file of the time zone database, `/etc/localtime` when `TZ` is unset, or a POSIX
//! rule such as `CET-1CEST,M3.5.0,M10.5.0/3`), `localtime` on it, and `mktime`'s search for
//! the time a date denotes, daylight saving time included.
//!
//! Where glibc has quirks, they are kept: POSIX rules compute years before 1970 from 1970's
//! start, a time before a zone file's first transition takes its first standard-time type,
//! and `mktime` asked for daylight saving time in a zone without it moves the time back an
//! hour. One is not: a rule naming a daylight-saving zone without dates gets the US dates
//! (`M3.2.0,M11.1.0`), where glibc first tries a `posixrules` file.

use std::cell::RefCell;
use std::rc::Rc;

const ZONEINFO: &str = "/usr/share/zoneinfo";
const LOCALTIME_FILE: &str = "/etc/localtime";

/// What `localtime` tells of one instant: the offset east of UTC, whether it is daylight
/// saving time, and the zone's abbreviation (`%Z`).
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct LocalInfo {
    pub(crate) offset: i64,
    pub(crate) isdst: bool,
    pub(crate) abbreviation: Vec<u8>,
}

/// A time zone.
#[derive(Debug)]
pub(crate) enum Zone {
    Rule(PosixRule),
    File(ZoneFile),
}

/// One half of a POSIX rule: a zone name and offset, and the date and time it starts.
#[derive(Clone, Debug, Default)]
pub(crate) struct RulePart {
    name: Vec<u8>,
    /// Seconds east of UTC.
    offset: i64,
    date: RuleDate,
    /// Local time of day of the change, in seconds.
    secs: i64,
}

#[derive(Clone, Copy, Debug)]
enum RuleDate {
    /// `n`: day of the year from 0, leap days counted.
    Day(i64),
    /// `Jn`: day of the year from 1, February 29 never counted.
    Julian(i64),
    /// `Mm.w.d`: day `d` (0 = Sunday) of week `w` (5 = last) of month `m`.
    Month { m: i64, w: i64, d: i64 },
}

impl Default for RuleDate {
    fn default() -> Self {
        RuleDate::Day(0)
    }
}

/// A POSIX `TZ` rule: standard time, and daylight saving time (the same as standard time in
/// a zone without it).
#[derive(Clone, Debug, Default)]
pub(crate) struct PosixRule {
    std: RulePart,
    dst: RulePart,
}

/// A compiled zone file (`TZif`): transition times, the local time type each starts, and
/// the rule for times after the last one.
#[derive(Debug)]
pub(crate) struct ZoneFile {
    transitions: Vec<i64>,
    type_indices: Vec<u8>,
    types: Vec<LocalInfo>,
    footer: Option<PosixRule>,
}

thread_local! {
    /// The zone of the last `TZ` value seen, so that each `os.date` does not read a file.
    static CACHE: RefCell<Option<(Option<std::ffi::OsString>, Rc<Zone>)>> =
        const { RefCell::new(None) };
}

/// The local zone, as glibc's `tzset` finds it from `TZ`.
pub(crate) fn local_zone() -> Rc<Zone> {
    let tz = std::env::var_os("TZ");
    CACHE.with(|cache| {
        if let Some((key, zone)) = &*cache.borrow() {
            if *key == tz {
                return zone.clone();
            }
        }
        let zone = Rc::new(zone_for(tz.as_ref().map(|s| os_bytes(s))));
        *cache.borrow_mut() = Some((tz, zone.clone()));
        zone
    })
}

#[cfg(unix)]
fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    use std::os::unix::ffi::OsStrExt;
    s.as_bytes().to_vec()
}

#[cfg(not(unix))]
fn os_bytes(s: &std::ffi::OsStr) -> Vec<u8> {
    s.to_string_lossy().into_owned().into_bytes()
}

fn utc(name: &[u8]) -> Zone {
    let part = RulePart {
        name: name.to_vec(),
        ..RulePart::default()
    };
    Zone::Rule(PosixRule {
        std: part.clone(),
        dst: part,
    })
}

/// `tzset_internal`: an empty `TZ` is UTC; a leading `:` is dropped; the value names a zone
/// file if one can be read, else it is read as a POSIX rule.
fn zone_for(tz: Option<Vec<u8>>) -> Zone {
    let tz = match tz {
        None => None,
        Some(v) if v.is_empty() => Some(b"Universal".to_vec()),
        Some(v) => Some(v.strip_prefix(b":").map(<[u8]>::to_vec).unwrap_or(v)),
    };
    let Some(tz) = tz else {
        return read_zone_file(LOCALTIME_FILE.as_bytes()).unwrap_or_else(|| utc(b"UTC"));
    };
    if tz.is_empty() || tz == LOCALTIME_FILE.as_bytes() {
        return read_zone_file(&tz).unwrap_or_else(|| utc(b"UTC"));
    }
    if let Some(zone) = read_zone_file(&tz) {
        return zone;
    }
    Zone::Rule(parse_rule(&tz))
}

fn read_zone_file(name: &[u8]) -> Option<Zone> {
    if name.is_empty() {
        return None;
    }
    let path = if name.first() == Some(&b'/') {
        name.to_vec()
    } else {
        let dir = std::env::var_os("TZDIR")
            .map(|d| os_bytes(&d))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| ZONEINFO.as_bytes().to_vec());
        [&dir[..], b"/", name].concat()
    };
    let data = std::fs::read(crate::sys::bytes_to_path(&path)).ok()?;
    parse_zone_file(&data).map(Zone::File)
}

// ---- the calendar (proleptic Gregorian, shared with `os.rs`) --------------------------------

pub(super) const SECONDS_PER_DAY: i64 = 86_400;

pub(super) fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// Days from 1970-01-01 to `year-month-day` (proleptic Gregorian; `month` 1..=12).
pub(super) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count from 1970-01-01: (year, month 1..=12, day 1..=31).
pub(super) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + if month <= 2 { 1 } else { 0 };
    (year, month, day)
}

// ---- zone files ----------------------------------------------------------------------------

struct Cursor<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let bytes = self.data.get(self.pos..end)?;
        self.pos = end;
        Some(bytes)
    }
    fn be32(&mut self) -> Option<i64> {
        let b = self.take(4)?;
        Some(i32::from_be_bytes([b[0], b[1], b[2], b[3]]) as i64)
    }
    fn be64(&mut self) -> Option<i64> {
        let b = self.take(8)?;
        let mut w = [0u8; 8];
        w.copy_from_slice(b);
        Some(i64::from_be_bytes(w))
    }
}

/// The counts a `TZif` header gives, in file order.
struct Counts {
    isut: usize,
    isstd: usize,
    leap: usize,
    time: usize,
    types: usize,
    chars: usize,
}

fn header(c: &mut Cursor<'_>) -> Option<(u8, Counts)> {
    if c.take(4)? != b"TZif" {
        return None;
    }
    let version = c.take(1)?[0];
    c.take(15)?;
    let mut n = [0usize; 6];
    for slot in &mut n {
        *slot = usize::try_from(c.be32()?).ok()?;
    }
    let counts = Counts {
        isut: n[0],
        isstd: n[1],
        leap: n[2],
        time: n[3],
        types: n[4],
        chars: n[5],
    };
    Some((version, counts))
}

/// Read a `TZif` file: the 64-bit data of version 2 and later (after skipping the 32-bit
/// block), with its footer rule; the 32-bit data of version 1 files.
fn parse_zone_file(data: &[u8]) -> Option<ZoneFile> {
    let mut c = Cursor { data, pos: 0 };
    let (version, counts) = header(&mut c)?;
    let (counts, time_size) = if version >= b'2' {
        let skip = counts.time * 5
            + counts.types * 6
            + counts.chars
            + counts.leap * 8
            + counts.isstd
            + counts.isut;
        c.take(skip)?;
        (header(&mut c)?.1, 8)
    } else {
        (counts, 4)
    };
    let mut transitions = Vec::with_capacity(counts.time.min(data.len()));
    for _ in 0..counts.time {
        transitions.push(if time_size == 8 { c.be64()? } else { c.be32()? });
    }
    let type_indices = c.take(counts.time)?.to_vec();
    let mut raw_types = Vec::with_capacity(counts.types.min(data.len()));
    for _ in 0..counts.types {
        let offset = c.be32()?;
        let flags = c.take(2)?;
        raw_types.push((offset, flags[0] != 0, flags[1] as usize));
    }
    let chars = c.take(counts.chars)?;
    c.take(counts.leap * (time_size + 4) + counts.isstd + counts.isut)?;
    if raw_types.is_empty() || type_indices.iter().any(|&i| i as usize >= raw_types.len()) {
        return None;
    }
    let types = raw_types
        .into_iter()
        .map(|(offset, isdst, at)| LocalInfo {
            offset,
            isdst,
            abbreviation: crate::cstr::c_str(chars.get(at..).unwrap_or_default()).to_vec(),
        })
        .collect();
    // The footer: a POSIX rule between newlines, for times after the last transition.
    let footer = if version >= b'2' {
        let rest = &data[c.pos..];
        rest.strip_prefix(b"\n")
            .and_then(|r| r.iter().position(|&b| b == b'\n').map(|end| &r[..end]))
            .filter(|spec| !spec.is_empty())
            .map(parse_rule)
    } else {
        None
    };
    Some(ZoneFile {
        transitions,
        type_indices,
        types,
        footer,
    })
}

impl ZoneFile {
    /// `__tzfile_compute`.
    fn local(&self, t: i64) -> LocalInfo {
        let first = self.transitions.first().copied();
        if first.is_none_or(|f| t < f) {
            // Before any transition: the first standard-time type (or the first type).
            let info = self.types.iter().find(|ty| !ty.isdst);
            return info.unwrap_or(&self.types[0]).clone();
        }
        let last = self.transitions[self.transitions.len() - 1];
        if t >= last {
            if let Some(rule) = &self.footer {
                return rule.local(t);
            }
        }
        let i = self.transitions.partition_point(|&x| x <= t);
        self.types[self.type_indices[i - 1] as usize].clone()
    }
}

// ---- POSIX rules ---------------------------------------------------------------------------

/// `__tzset_parse_tz`: as much of the rule as reads; what does not keeps glibc's defaults
/// (an unnamed zone at UTC).
fn parse_rule(tz: &[u8]) -> PosixRule {
    let mut rule = PosixRule::default();
    let mut p = tz;
    let Some(name) = zone_name(&mut p) else {
        return rule;
    };
    rule.std.name = name;
    match offset(&mut p) {
        Some(off) => rule.std.offset = off,
        None => return rule,
    }
    if p.is_empty() {
        rule.dst = rule.std.clone();
        return rule;
    }
    if let Some(name) = zone_name(&mut p) {
        rule.dst.name = name;
        rule.dst.offset = offset(&mut p).unwrap_or(rule.std.offset + 3600);
    }
    if let Some(start) = change(&mut p, true) {
        (rule.std.date, rule.std.secs) = start;
        if let Some(end) = change(&mut p, false) {
            (rule.dst.date, rule.dst.secs) = end;
        }
    }
    rule
}

/// A zone name: three letters or more, or `<...>` quoting three or more letters, digits and
/// signs.
fn zone_name(p: &mut &[u8]) -> Option<Vec<u8>> {
    let letters = p.iter().take_while(|c| c.is_ascii_alphabetic()).count();
    if letters >= 3 {
        let name = p[..letters].to_vec();
        *p = &p[letters..];
        return Some(name);
    }
    let quoted = p.strip_prefix(b"<")?;
    let len = quoted
        .iter()
        .take_while(|c| c.is_ascii_alphanumeric() || **c == b'+' || **c == b'-')
        .count();
    if quoted.get(len) != Some(&b'>') || len < 3 {
        return None;
    }
    let name = quoted[..len].to_vec();
    *p = &quoted[len + 1..];
    Some(name)
}

/// `%hu`-style numbers separated by colons, as `sscanf("%hu:%hu:%hu")` reads them; returns
/// the values read (one to three) and the bytes consumed.
fn clock_fields(s: &[u8]) -> (Vec<i64>, usize) {
    let mut values = Vec::new();
    let mut consumed = 0;
    let mut pos = 0;
    loop {
        let digits = s[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            break;
        }
        let v = s[pos..pos + digits]
            .iter()
            .fold(0i64, |v, d| (v * 10 + (d - b'0') as i64) % 65_536);
        values.push(v);
        pos += digits;
        consumed = pos;
        if values.len() == 3 || s.get(pos) != Some(&b':') {
            break;
        }
        pos += 1;
    }
    (values, consumed)
}

/// `parse_offset`: `[+|-]hh[:mm[:ss]]` west of UTC, returned as seconds east.
fn offset(p: &mut &[u8]) -> Option<i64> {
    let (sign, rest) = match p.first() {
        Some(b'-') => (1, &p[1..]),
        Some(b'+') => (-1, &p[1..]),
        Some(c) if c.is_ascii_digit() => (-1, &p[..]),
        _ => return None,
    };
    let (fields, consumed) = clock_fields(rest);
    if fields.is_empty() {
        return None;
    }
    let get = |i: usize| fields.get(i).copied().unwrap_or(0);
    *p = &rest[consumed..];
    Some(sign * (get(0).min(24) * 3600 + get(1).min(59) * 60 + get(2).min(59)))
}

/// `parse_rule`: `,date[/time]` of one change (daylight saving time's start when `start`).
fn change(p: &mut &[u8], start: bool) -> Option<(RuleDate, i64)> {
    let mut s = p.strip_prefix(b",").unwrap_or(p);
    let date = match s.first() {
        Some(b'J') | Some(b'0'..=b'9') => {
            let julian = s[0] == b'J';
            if julian {
                s = &s[1..];
            }
            let digits = s.iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 {
                return None;
            }
            let d: i64 = std::str::from_utf8(&s[..digits]).ok()?.parse().ok()?;
            if d > 365 || (julian && d == 0) {
                return None;
            }
            s = &s[digits..];
            if julian {
                RuleDate::Julian(d)
            } else {
                RuleDate::Day(d)
            }
        }
        Some(b'M') => {
            let (fields, consumed) = month_fields(&s[1..])?;
            let (m, w, d) = (fields[0], fields[1], fields[2]);
            if !(1..=12).contains(&m) || !(1..=5).contains(&w) || d > 6 {
                return None;
            }
            s = &s[1 + consumed..];
            RuleDate::Month { m, w, d }
        }
        None => {
            // No dates: the US rules.
            if start {
                RuleDate::Month { m: 3, w: 2, d: 0 }
            } else {
                RuleDate::Month { m: 11, w: 1, d: 0 }
            }
        }
        _ => return None,
    };
    let secs = match s.first() {
        Some(b'/') => {
            s = &s[1..];
            if s.is_empty() {
                return None;
            }
            let negative = s[0] == b'-';
            if negative {
                s = &s[1..];
            }
            let (fields, consumed) = clock_fields(s);
            s = &s[consumed..];
            let hh = fields.first().copied().unwrap_or(2);
            let v = hh * 3600 + fields.get(1).unwrap_or(&0) * 60 + fields.get(2).unwrap_or(&0);
            if negative {
                -v
            } else {
                v
            }
        }
        None | Some(b',') => 7200,
        _ => return None,
    };
    *p = s;
    Some((date, secs))
}

/// `m.w.d` after an `M`: three numbers separated by dots.
fn month_fields(s: &[u8]) -> Option<([i64; 3], usize)> {
    let mut out = [0i64; 3];
    let mut pos = 0;
    for (i, slot) in out.iter_mut().enumerate() {
        if i > 0 {
            if s.get(pos) != Some(&b'.') {
                return None;
            }
            pos += 1;
        }
        let digits = s[pos..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        *slot = std::str::from_utf8(&s[pos..pos + digits])
            .ok()?
            .parse()
            .ok()?;
        pos += digits;
    }
    Some((out, pos))
}

/// Days before each month, in common and leap years (`__mon_yday`).
const MONTH_STARTS: [[i64; 13]; 2] = [
    [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365],
    [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366],
];

impl RulePart {
    fn info(&self, isdst: bool) -> LocalInfo {
        LocalInfo {
            offset: self.offset,
            isdst,
            abbreviation: self.name.clone(),
        }
    }

    /// `compute_change`: the UTC time of this change in `year`.
    fn change(&self, year: i64) -> i64 {
        // glibc counts from 1970 for every year up to 1970, and counts the days in a C `int`,
        // which wraps for years past about 5.8 million.
        let mut t = if year > 1970 {
            // `year` fits an `int` (see `PosixRule::local`), and so does `year - 1`.
            let y = year as i32;
            let days = (y - 1970)
                .wrapping_mul(365)
                .wrapping_add((y - 1) / 4 - 1970 / 4)
                .wrapping_sub((y - 1) / 100 - 1970 / 100)
                .wrapping_add((y - 1) / 400 - 1970 / 400);
            days as i64 * SECONDS_PER_DAY
        } else {
            0
        };
        match self.date {
            RuleDate::Julian(d) => {
                t += (d - 1) * SECONDS_PER_DAY;
                if d >= 60 && is_leap(year) {
                    t += SECONDS_PER_DAY;
                }
            }
            RuleDate::Day(d) => t += d * SECONDS_PER_DAY,
            RuleDate::Month { m, w, d } => {
                let starts = &MONTH_STARTS[is_leap(year) as usize];
                let m = m as usize;
                t += starts[m - 1] * SECONDS_PER_DAY;
                // Zeller's congruence: the weekday of the month's first day.
                let m1 = (m as i64 + 9) % 12 + 1;
                let yy0 = if m <= 2 { year - 1 } else { year };
                let (yy1, yy2) = (yy0 / 100, yy0 % 100);
                let mut dow = ((26 * m1 - 2) / 10 + 1 + yy2 + yy2 / 4 + yy1 / 4 - 2 * yy1) % 7;
                if dow < 0 {
                    dow += 7;
                }
                let mut day = d - dow;
                if day < 0 {
                    day += 7;
                }
                let month_len = starts[m] - starts[m - 1];
                for _ in 1..w {
                    if day + 7 >= month_len {
                        break;
                    }
                    day += 7;
                }
                t += day * SECONDS_PER_DAY;
            }
        }
        t.wrapping_sub(self.offset).wrapping_add(self.secs)
    }
}

impl PosixRule {
    /// `__tz_compute`, with the year taken from the UTC date of `t`.
    fn local(&self, t: i64) -> LocalInfo {
        let year = utc_year(t);
        // glibc cannot break such a time down at all; standard time is as good an answer as
        // any (`localtime` then fails on the year).
        if i32::try_from(year).is_err() {
            return self.std.info(false);
        }
        let start = self.std.change(year);
        let end = self.dst.change(year);
        let isdst = if start > end {
            t < end || t >= start
        } else {
            t >= start && t < end
        };
        let part = if isdst { &self.dst } else { &self.std };
        part.info(isdst)
    }
}

fn utc_year(t: i64) -> i64 {
    civil_from_days(t.div_euclid(SECONDS_PER_DAY)).0
}

impl Zone {
    /// `localtime`'s view of the instant `t`.
    pub(crate) fn local(&self, t: i64) -> LocalInfo {
        match self {
            Zone::Rule(rule) => rule.local(t),
            Zone::File(file) => file.local(t),
        }
    }
}

// ---- mktime --------------------------------------------------------------------------------

/// A date as C's `struct tm` gives it to `mktime`: fields may be out of range; `year` counts
/// from 1900, `mon` from 0; `isdst` is negative for "unknown".
pub(crate) struct DateFields {
    pub(crate) sec: i32,
    pub(crate) min: i32,
    pub(crate) hour: i32,
    pub(crate) mday: i32,
    pub(crate) mon: i32,
    pub(crate) year: i32,
    pub(crate) isdst: i32,
}

/// What `localtime` gives: the broken-down local date (`year` from 1900, `yday` from 0).
#[derive(Clone, Copy)]
struct Local {
    year: i64,
    yday: i64,
    hour: i64,
    min: i64,
    sec: i64,
    isdst: bool,
}

/// The offset `mktime` guessed last, as glibc keeps it between calls (`localtime_offset`):
/// it is where the next search starts, which decides among the answers for a time that
/// falls in a daylight-saving gap.
static GUESSED_OFFSET: std::sync::atomic::AtomicI64 = std::sync::atomic::AtomicI64::new(0);

/// Seconds from 1970 to the given local fields read as UTC (`ydhms_diff` against the epoch).
fn fields_seconds(year: i64, yday: i64, hour: i64, min: i64, sec: i64) -> i64 {
    (days_from_civil(year + 1900, 1, 1) + yday) * SECONDS_PER_DAY + hour * 3600 + min * 60 + sec
}

/// `localtime(t)`, or `None` when the year does not fit C's `int`.
fn convert(zone: &Zone, t: i64) -> Option<Local> {
    let info = zone.local(t);
    let local = t.checked_add(info.offset)?;
    let days = local.div_euclid(SECONDS_PER_DAY);
    let secs = local.rem_euclid(SECONDS_PER_DAY);
    let year = utc_year(days * SECONDS_PER_DAY);
    i32::try_from(year - 1900).ok()?;
    let yday = days - fields_seconds(year - 1900, 0, 0, 0, 0) / SECONDS_PER_DAY;
    Some(Local {
        year: year - 1900,
        yday,
        hour: secs / 3600,
        min: secs / 60 % 60,
        sec: secs % 60,
        isdst: info.isdst,
    })
}

/// `__mktime_internal`: the time `f` denotes in `zone`, found by probing `localtime`, with
/// glibc's answers for times in a gap or an overlap and for a requested `isdst` the zone
/// does not have there; `None` where glibc returns -1.
pub(crate) fn mktime(zone: &Zone, f: &DateFields) -> Option<i64> {
    use std::sync::atomic::Ordering;
    let mon = f.mon as i64;
    let mon_remainder = mon.rem_euclid(12);
    let year = f.year as i64 + mon.div_euclid(12);
    let yday =
        MONTH_STARTS[is_leap(year + 1900) as usize][mon_remainder as usize] - 1 + f.mday as i64;
    let (hour, min) = (f.hour as i64, f.min as i64);
    let sec_requested = f.sec as i64;
    let sec = sec_requested.clamp(0, 59);
    let isdst = f.isdst;
    let requested = fields_seconds(year, yday, hour, min, sec);
    let diff = |tm: &Local| requested - fields_seconds(tm.year, tm.yday, tm.hour, tm.min, tm.sec);
    // `isdst_differ`: a known isdst was asked for and the one found is the other.
    let differs = |found: bool| isdst >= 0 && (isdst != 0) != found;

    let guessed = GUESSED_OFFSET.load(Ordering::Relaxed);
    let t0 = requested.checked_add(guessed)?;
    let (mut t, mut t1, mut t2) = (t0, t0, t0);
    let mut dst2 = false;
    let mut remaining_probes = 6;
    let mut tm;
    let mut found = false;
    loop {
        tm = convert(zone, t)?;
        let dt = diff(&tm);
        if dt == 0 {
            break;
        }
        // Oscillating between two times: the date falls in a gap; take the side glibc takes.
        let wanted_dst = if isdst < 0 {
            dst2 <= tm.isdst
        } else {
            (isdst != 0) != tm.isdst
        };
        if t == t1 && t != t2 && wanted_dst {
            found = true;
            break;
        }
        remaining_probes -= 1;
        if remaining_probes == 0 {
            return None;
        }
        (t1, t2, dst2) = (t2, t, tm.isdst);
        t = t.checked_add(dt)?;
    }
    if !found && differs(tm.isdst) {
        // Look for a nearby time with the requested isdst and use its offset.
        const STRIDE: i64 = 601_200;
        const DURATION_MAX: i64 = 457_243_209;
        let dst_difference = (isdst == 0) as i64 - (!tm.isdst) as i64;
        let mut delta = STRIDE;
        let mut adjusted = None;
        'search: while delta < DURATION_MAX / 2 + STRIDE {
            for direction in [-1, 1] {
                let ot = t + delta * direction;
                let otm = convert(zone, ot)?;
                if !differs(otm.isdst) {
                    let gt = ot + diff(&otm);
                    if let Some(gtm) = convert(zone, gt) {
                        adjusted = Some((gt, gtm));
                        break 'search;
                    }
                }
            }
            delta += STRIDE;
        }
        let (at, at_tm) = match adjusted {
            Some(found) => found,
            // None found: daylight saving time is taken to be one hour ahead.
            None => {
                let at = t + 3600 * dst_difference;
                (at, convert(zone, at)?)
            }
        };
        t = at;
        tm = at_tm;
    }
    GUESSED_OFFSET.store(t - t0 + guessed, Ordering::Relaxed);
    if sec_requested != tm.sec {
        let adjustment = (sec == 0 && tm.sec == 60) as i64 - sec + sec_requested;
        t = t.checked_add(adjustment)?;
        convert(zone, t)?;
    }
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_parse_as_glibc_reads_them() {
        let paris = parse_rule(b"CET-1CEST,M3.5.0,M10.5.0/3");
        assert_eq!(paris.local(1593561600).offset, 7200);
        assert!(paris.local(1593561600).isdst);
        assert_eq!(paris.local(0).abbreviation, b"CET");
        let unnamed = parse_rule(b"12");
        assert_eq!(unnamed.local(0).abbreviation, b"");
        let partial = parse_rule(b"Europe/Nowhere");
        assert_eq!(partial.local(0).abbreviation, b"Europe");
        assert_eq!(parse_rule(b"<+0530>-5:30").local(0).offset, 19800);
    }

    #[test]
    fn a_bad_zone_file_is_refused() {
        assert!(parse_zone_file(b"TZif2").is_none());
        assert!(parse_zone_file(b"").is_none());
        let mut header = b"TZif\0".to_vec();
        header.extend_from_slice(&[0; 15]);
        for n in [0u32, 0, 0, 1, 1, 4] {
            header.extend_from_slice(&n.to_be_bytes());
        }
        // One transition pointing at type 5 of 1.
        header.extend_from_slice(&0i32.to_be_bytes());
        header.push(5);
        header.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        header.extend_from_slice(b"UTC\0");
        assert!(parse_zone_file(&header).is_none());
    }
}

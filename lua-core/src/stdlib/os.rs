//! The os library, as in Lua 5.1 on glibc: time and dates (`time`, `date`, `clock`,
//! `difftime`), files (`remove`, `rename`, `tmpname`), the environment (`getenv`, `setlocale`),
//! and the process (`execute`, `exit`). Only the standalone interpreter opens it.
//!
//! Local time comes from `timezone.rs`: the zone `TZ` names (or `/etc/localtime`), with its
//! daylight saving time, as glibc's `localtime` and `mktime` see it.

use crate::gc::Gc;
use crate::value::{NativeFn, Table, Value};
use crate::vm::{LuaResult, State};

use super::timezone;
use timezone::{civil_from_days, days_from_civil, is_leap, SECONDS_PER_DAY};

/// In the order Lua 5.1 registers them, so `pairs(os)` visits them in the same order.
pub(crate) const FUNCTIONS: &[(&str, NativeFn)] = &[
    ("clock", clock),
    ("date", date),
    ("difftime", difftime),
    ("execute", execute),
    ("exit", exit),
    ("getenv", getenv),
    ("remove", remove),
    ("rename", rename),
    ("setlocale", setlocale),
    ("time", time),
    ("tmpname", tmpname),
];

pub fn open(state: &mut State, allowed: Option<&[&str]>) -> LuaResult<()> {
    super::register_library(state, "os", FUNCTIONS, allowed)?;
    Ok(())
}

/// A string argument as a C function sees it (cut at the first NUL).
fn check_c_string(state: &mut State, n: usize) -> LuaResult<Vec<u8>> {
    let s = state.check_string(n)?;
    Ok(crate::cstr::c_str(s.as_bytes()).to_vec())
}

/// `true`, or `nil, "<name>: <strerror>", errno` (`os_pushresult`).
fn push_result(state: &mut State, r: std::io::Result<()>, name: &[u8]) -> LuaResult<usize> {
    match r {
        Ok(()) => {
            state.push(Value::Boolean(true));
            Ok(1)
        }
        Err(e) => {
            let mut msg = name.to_vec();
            msg.extend_from_slice(b": ");
            msg.extend_from_slice(crate::sys::strerror(&e).as_bytes());
            state.push(Value::Nil);
            let msg = state.new_string(&msg);
            state.push(msg);
            state.push(Value::Number(errno_of(&e) as f64));
            Ok(3)
        }
    }
}

/// The C `errno` behind an I/O error (EIO for errors that did not come from the system).
pub(crate) fn errno_of(e: &std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(5)
}

// ---- files and the environment -------------------------------------------------------------

fn remove(state: &mut State) -> LuaResult<usize> {
    let name = check_c_string(state, 1)?;
    let path = super::io::bytes_path(&name);
    // C's `remove` unlinks, and removes the directory when the name is one.
    let r = match std::fs::remove_file(&path) {
        Err(e) if e.raw_os_error() == Some(EISDIR) => std::fs::remove_dir(&path),
        r => r,
    };
    push_result(state, r, &name)
}

const EISDIR: i32 = 21;

fn rename(state: &mut State) -> LuaResult<usize> {
    let from = check_c_string(state, 1)?;
    let to = check_c_string(state, 2)?;
    let r = std::fs::rename(super::io::bytes_path(&from), super::io::bytes_path(&to));
    push_result(state, r, &from)
}

/// A new empty file `/tmp/lua_XXXXXX` (as `mkstemp` makes it), and its name.
fn tmpname(state: &mut State) -> LuaResult<usize> {
    match super::io::create_temp_file() {
        Some((name, _file)) => {
            let s = state.new_string(&name);
            state.push(s);
            Ok(1)
        }
        None => Err(state.native_error("unable to generate a unique filename")),
    }
}

/// `getenv(name)`: the value, or nil. Matches entries the way C's `getenv` does, comparing the
/// name with the start of each `NAME=value` entry.
fn getenv(state: &mut State) -> LuaResult<usize> {
    let name = check_c_string(state, 1)?;
    let value = if name.is_empty() {
        None
    } else {
        lookup_env(&name)
    };
    match value {
        Some(v) => {
            let s = state.new_string(&v);
            state.push(s);
        }
        None => state.push(Value::Nil),
    }
    Ok(1)
}

#[cfg(unix)]
fn lookup_env(name: &[u8]) -> Option<Vec<u8>> {
    use std::os::unix::ffi::OsStrExt;
    for (k, v) in std::env::vars_os() {
        let mut entry = k.as_bytes().to_vec();
        entry.push(b'=');
        entry.extend_from_slice(v.as_bytes());
        if entry.starts_with(name) && entry.get(name.len()) == Some(&b'=') {
            return Some(entry[name.len() + 1..].to_vec());
        }
    }
    None
}

#[cfg(not(unix))]
fn lookup_env(name: &[u8]) -> Option<Vec<u8>> {
    let name = String::from_utf8_lossy(name).into_owned();
    std::env::var(name).ok().map(String::into_bytes)
}

// ---- the process ---------------------------------------------------------------------------

/// `execute([command])`: runs the command through `/bin/sh` and returns the raw wait status, as
/// C's `system`; without a command, whether a shell exists. Buffered output is not flushed
/// first, as `system` does not flush stdio.
fn execute(state: &mut State) -> LuaResult<usize> {
    let command = match state.arg(1) {
        Value::Nil => None,
        _ => Some(check_c_string(state, 1)?),
    };
    let status = match command {
        None => {
            if std::path::Path::new("/bin/sh").exists() {
                1
            } else {
                0
            }
        }
        Some(cmd) => run_shell(&cmd),
    };
    state.push(Value::Number(status as f64));
    Ok(1)
}

#[cfg(unix)]
fn run_shell(cmd: &[u8]) -> i32 {
    use std::os::unix::ffi::OsStrExt;
    use std::os::unix::process::ExitStatusExt;
    let cmd = std::ffi::OsStr::from_bytes(cmd);
    match std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .status()
    {
        Ok(status) => status.into_raw(),
        Err(_) => -1,
    }
}

#[cfg(not(unix))]
fn run_shell(_cmd: &[u8]) -> i32 {
    -1
}

/// `exit([code])`: flushes buffered output (as C's `exit` flushes every stream) and ends the
/// process.
fn exit(state: &mut State) -> LuaResult<usize> {
    let code = state.opt_int32(1, 0)?;
    state.flush_stdout();
    super::io::flush_all_files(state);
    std::process::exit(code)
}

// ---- clocks --------------------------------------------------------------------------------

/// `clock()`: processor time used, in seconds, with C's microsecond resolution.
fn clock(state: &mut State) -> LuaResult<usize> {
    let micros = cpu_time_nanos().unwrap_or_else(|| wall_time_since_start(state)) / 1000;
    state.push(Value::Number(micros as f64 / 1e6));
    Ok(1)
}

/// The process's CPU time in nanoseconds, from the scheduler's statistics (Linux).
fn cpu_time_nanos() -> Option<u128> {
    let text = std::fs::read_to_string("/proc/self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// When CPU time is unavailable: the time since the first call.
struct ClockStart(std::time::Instant);

fn wall_time_since_start(state: &mut State) -> u128 {
    if state.app_data_mut::<ClockStart>().is_none() {
        state.set_app_data(ClockStart(std::time::Instant::now()));
    }
    state
        .app_data_mut::<ClockStart>()
        .map_or(0, |s| s.0.elapsed().as_nanos())
}

fn now_seconds() -> i64 {
    match std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs_f64().ceil() as i64),
    }
}

fn difftime(state: &mut State) -> LuaResult<usize> {
    // Argument 2 first: both are read inside one C call, evaluated right to left.
    let t0 = crate::number::to_c_long(state.opt_number(2, 0.0)?);
    let t1 = crate::number::to_c_long(state.check_number(1)?);
    state.push(Value::Number((t1 as i128 - t0 as i128) as f64));
    Ok(1)
}

// ---- calendar ------------------------------------------------------------------------------

/// A broken-down time, as C's `struct tm` (`mon` from 0, `year` since 1900, `wday` from Sunday).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct BrokenDown {
    sec: i32,
    min: i32,
    hour: i32,
    mday: i32,
    mon: i32,
    year: i32,
    wday: i32,
    yday: i32,
    /// Seconds east of UTC.
    gmt_offset: i64,
    isdst: bool,
}

/// `gmtime` shifted by `offset` seconds; `None` when the year does not fit C's `int`.
fn broken_down(t: i64, offset: i64) -> Option<BrokenDown> {
    let t = t.checked_add(offset)?;
    let days = t.div_euclid(SECONDS_PER_DAY);
    let secs = t.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let tm_year = i32::try_from(year - 1900).ok()?;
    Some(BrokenDown {
        sec: (secs % 60) as i32,
        min: (secs / 60 % 60) as i32,
        hour: (secs / 3600) as i32,
        mday: day as i32,
        mon: month as i32 - 1,
        year: tm_year,
        // 1970-01-01 was a Thursday.
        wday: (days + 4).rem_euclid(7) as i32,
        yday: (days - days_from_civil(year, 1, 1)) as i32,
        gmt_offset: offset,
        isdst: false,
    })
}

// ---- os.time and os.date -------------------------------------------------------------------

/// `time([t])`: now, or the time a date table denotes (normalising out-of-range fields).
fn time(state: &mut State) -> LuaResult<usize> {
    let t = match state.arg(1) {
        Value::Nil => Some(now_seconds()),
        _ => {
            let table = state.check_table(1)?;
            state.set_top(1);
            let fields = timezone::DateFields {
                sec: date_field(state, table, "sec", Some(0))?,
                min: date_field(state, table, "min", Some(0))?,
                hour: date_field(state, table, "hour", Some(12))?,
                mday: date_field(state, table, "day", None)?,
                mon: date_field(state, table, "month", None)?.wrapping_sub(1),
                year: date_field(state, table, "year", None)?.wrapping_sub(1900),
                isdst: {
                    let key = state.new_string(b"isdst");
                    let v = state.get_index(Value::Table(table), key, None)?;
                    if v.is_nil() {
                        -1
                    } else {
                        i32::from(!v.is_falsy())
                    }
                },
            };
            timezone::mktime(&timezone::local_zone(), &fields)
        }
    };
    // As in C, a result of -1 cannot be told from failure.
    match t {
        Some(t) if t != -1 => state.push(Value::Number(t as f64)),
        _ => state.push(Value::Nil),
    }
    Ok(1)
}

/// An integer field of a date table (read with metamethods), or its default; a missing
/// required field is an error.
fn date_field(
    state: &mut State,
    table: Gc<Table>,
    key: &str,
    default: Option<i32>,
) -> LuaResult<i32> {
    let k = state.new_string(key.as_bytes());
    let v = state.get_index(Value::Table(table), k, None)?;
    match (crate::vm::to_number(&v), default) {
        (Some(n), _) => Ok(crate::number::to_c_long(n) as i32),
        (None, Some(d)) => Ok(d),
        (None, None) => Err(state.native_error(&format!("field '{}' missing in date table", key))),
    }
}

/// `date([format [, t]])`: `t` (default now) formatted with C's `strftime` conversions, in UTC
/// when the format starts with `!`; `*t` gives a table of the fields.
fn date(state: &mut State) -> LuaResult<usize> {
    let format = match state.arg(1) {
        Value::Nil => b"%c".to_vec(),
        _ => check_c_string(state, 1)?,
    };
    let t = match state.arg(2) {
        Value::Nil => now_seconds(),
        _ => crate::number::to_c_long(state.check_number(2)?),
    };
    let (format, local) = match format.strip_prefix(b"!") {
        Some(rest) => (
            rest,
            timezone::LocalInfo {
                offset: 0,
                isdst: false,
                abbreviation: b"GMT".to_vec(),
            },
        ),
        None => (&format[..], timezone::local_zone().local(t)),
    };
    let tm = broken_down(t, local.offset).map(|tm| BrokenDown {
        isdst: local.isdst,
        ..tm
    });
    let Some(tm) = tm else {
        state.push(Value::Nil);
        return Ok(1);
    };
    if format == b"*t" {
        let table = state.new_table_with(0, 9);
        state.push(Value::Table(table));
        let fields = [
            ("sec", tm.sec),
            ("min", tm.min),
            ("hour", tm.hour),
            ("day", tm.mday),
            ("month", tm.mon + 1),
            ("year", tm.year.wrapping_add(1900)),
            ("wday", tm.wday + 1),
            ("yday", tm.yday + 1),
        ];
        for (name, v) in fields {
            state.set_field(table, name, Value::Number(v as f64))?;
        }
        state.set_field(table, "isdst", Value::Boolean(local.isdst))?;
        return Ok(1);
    }
    let mut out = Vec::with_capacity(format.len() * 2);
    let mut i = 0;
    while i < format.len() {
        let c = format[i];
        match format.get(i + 1) {
            Some(&conv) if c == b'%' => {
                format_conversion(&mut out, conv, &tm, &local.abbreviation, local.offset);
                i += 2;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    let s = state.new_string(&out);
    state.push(s);
    Ok(1)
}

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

fn push_padded(out: &mut Vec<u8>, v: i64, width: usize, pad: u8) {
    let digits = v.unsigned_abs().to_string();
    if v < 0 {
        out.push(b'-');
    }
    for _ in digits.len()..width {
        out.push(pad);
    }
    out.extend_from_slice(digits.as_bytes());
}

fn push_name(out: &mut Vec<u8>, name: &str, abbreviated: bool) {
    let bytes = name.as_bytes();
    out.extend_from_slice(if abbreviated {
        &bytes[..3.min(bytes.len())]
    } else {
        bytes
    });
}

/// Days from the Monday that starts week 1 of the ISO year to day `yday` (negative when the day
/// belongs to the previous ISO year).
fn iso_week_days(yday: i64, wday: i64) -> i64 {
    // A multiple of 7 large enough to keep the left operand of `%` non-negative.
    const BIG_ENOUGH: i64 = (366 / 7 + 2) * 7;
    yday - (yday - wday + 4 + BIG_ENOUGH) % 7 + 3
}

/// The ISO 8601 week-numbering year and week of a date.
fn iso_week(tm: &BrokenDown) -> (i64, i64) {
    let mut year = tm.year.wrapping_add(1900) as i64;
    let (yday, wday) = (tm.yday as i64, tm.wday as i64);
    let mut days = iso_week_days(yday, wday);
    if days < 0 {
        year -= 1;
        days = iso_week_days(yday + 365 + is_leap(year) as i64, wday);
    } else {
        let next = iso_week_days(yday - (365 + is_leap(year) as i64), wday);
        if next >= 0 {
            year += 1;
            days = next;
        }
    }
    (year, days / 7 + 1)
}

/// One `strftime` conversion in the C locale, as glibc writes it. Unknown conversions are
/// copied (a digit being a field width for them).
fn format_conversion(
    out: &mut Vec<u8>,
    conv: u8,
    tm: &BrokenDown,
    zone_name: &[u8],
    local_offset: i64,
) {
    let year = tm.year.wrapping_add(1900) as i64;
    let hour12 = if tm.hour % 12 == 0 { 12 } else { tm.hour % 12 } as i64;
    let wday = tm.wday.clamp(0, 6) as usize;
    let mon = tm.mon.clamp(0, 11) as usize;
    match conv {
        b'a' => push_name(out, WEEKDAYS[wday], true),
        b'A' => push_name(out, WEEKDAYS[wday], false),
        b'b' | b'h' => push_name(out, MONTHS[mon], true),
        b'B' => push_name(out, MONTHS[mon], false),
        b'c' => {
            for c in b"a b e H:M:S Y" {
                if c.is_ascii_alphabetic() {
                    format_conversion(out, *c, tm, zone_name, local_offset);
                } else {
                    out.push(*c);
                }
            }
        }
        b'C' => push_padded(out, year.div_euclid(100), 1, b'0'),
        b'd' => push_padded(out, tm.mday as i64, 2, b'0'),
        b'D' | b'x' => {
            push_padded(out, tm.mon as i64 + 1, 2, b'0');
            out.push(b'/');
            push_padded(out, tm.mday as i64, 2, b'0');
            out.push(b'/');
            push_padded(out, (tm.year as i64).rem_euclid(100), 2, b'0');
        }
        b'e' => push_padded(out, tm.mday as i64, 2, b' '),
        b'F' => {
            push_padded(out, year, 1, b'0');
            out.push(b'-');
            push_padded(out, tm.mon as i64 + 1, 2, b'0');
            out.push(b'-');
            push_padded(out, tm.mday as i64, 2, b'0');
        }
        b'g' => push_padded(out, iso_week(tm).0.rem_euclid(100), 2, b'0'),
        b'G' => push_padded(out, iso_week(tm).0, 1, b'0'),
        b'H' => push_padded(out, tm.hour as i64, 2, b'0'),
        b'I' => push_padded(out, hour12, 2, b'0'),
        b'j' => push_padded(out, tm.yday as i64 + 1, 3, b'0'),
        b'k' => push_padded(out, tm.hour as i64, 2, b' '),
        b'l' => push_padded(out, hour12, 2, b' '),
        b'm' => push_padded(out, tm.mon as i64 + 1, 2, b'0'),
        b'M' => push_padded(out, tm.min as i64, 2, b'0'),
        b'n' => out.push(b'\n'),
        b'p' => out.extend_from_slice(if tm.hour >= 12 { b"PM" } else { b"AM" }),
        b'P' => out.extend_from_slice(if tm.hour >= 12 { b"pm" } else { b"am" }),
        b'r' => {
            push_padded(out, hour12, 2, b'0');
            out.push(b':');
            push_padded(out, tm.min as i64, 2, b'0');
            out.push(b':');
            push_padded(out, tm.sec as i64, 2, b'0');
            out.push(b' ');
            format_conversion(out, b'p', tm, zone_name, local_offset);
        }
        b'R' => {
            push_padded(out, tm.hour as i64, 2, b'0');
            out.push(b':');
            push_padded(out, tm.min as i64, 2, b'0');
        }
        b's' => {
            // The fields read back as local time, as `mktime` would.
            let fields = timezone::DateFields {
                sec: tm.sec,
                min: tm.min,
                hour: tm.hour,
                mday: tm.mday,
                mon: tm.mon,
                year: tm.year,
                isdst: i32::from(tm.isdst),
            };
            let t = timezone::mktime(&timezone::local_zone(), &fields).unwrap_or(-1);
            push_padded(out, t, 1, b'0');
        }
        b'S' => push_padded(out, tm.sec as i64, 2, b'0'),
        b't' => out.push(b'\t'),
        b'T' | b'X' => {
            push_padded(out, tm.hour as i64, 2, b'0');
            out.push(b':');
            push_padded(out, tm.min as i64, 2, b'0');
            out.push(b':');
            push_padded(out, tm.sec as i64, 2, b'0');
        }
        b'u' => push_padded(out, (tm.wday as i64 + 6) % 7 + 1, 1, b'0'),
        b'U' => push_padded(out, (tm.yday as i64 - tm.wday as i64 + 7) / 7, 2, b'0'),
        b'V' => push_padded(out, iso_week(tm).1, 2, b'0'),
        b'w' => push_padded(out, tm.wday as i64, 1, b'0'),
        b'W' => push_padded(
            out,
            (tm.yday as i64 - (tm.wday as i64 + 6) % 7 + 7) / 7,
            2,
            b'0',
        ),
        b'y' => push_padded(out, (tm.year as i64).rem_euclid(100), 2, b'0'),
        b'Y' => push_padded(out, year, 1, b'0'),
        b'z' => {
            let off = tm.gmt_offset;
            out.push(if off < 0 { b'-' } else { b'+' });
            let minutes = off.abs() / 60;
            push_padded(out, minutes / 60 * 100 + minutes % 60, 4, b'0');
        }
        b'Z' => out.extend_from_slice(zone_name),
        b'%' => out.push(b'%'),
        b'1'..=b'9' => {
            let width = (conv - b'0') as usize;
            for _ in 2..width {
                out.push(b' ');
            }
            out.push(b'%');
            out.push(conv);
        }
        _ => {
            out.push(b'%');
            out.push(conv);
        }
    }
}

// ---- setlocale -----------------------------------------------------------------------------

/// glibc's locale categories, in the order of its composite names.
const LOCALE_CATEGORIES: [&str; 12] = [
    "LC_CTYPE",
    "LC_NUMERIC",
    "LC_TIME",
    "LC_COLLATE",
    "LC_MONETARY",
    "LC_MESSAGES",
    "LC_PAPER",
    "LC_NAME",
    "LC_ADDRESS",
    "LC_TELEPHONE",
    "LC_MEASUREMENT",
    "LC_IDENTIFICATION",
];

/// The categories `setlocale` accepts, and the slot each one names (`None` for all).
const LOCALE_OPTIONS: [&str; 6] = ["all", "collate", "ctype", "monetary", "numeric", "time"];
const OPTION_SLOTS: [Option<usize>; 6] = [None, Some(3), Some(0), Some(4), Some(1), Some(2)];

/// The locale of each category. Only the C locale (and its UTF-8 variant, which formats
/// numbers and dates the same way) is available.
struct Locales([Vec<u8>; 12]);

impl Default for Locales {
    fn default() -> Self {
        Locales(std::array::from_fn(|_| b"C".to_vec()))
    }
}

impl Locales {
    /// Run `f` on the state's locales, which start as "C" everywhere.
    fn with<R>(state: &mut State, f: impl FnOnce(&mut Locales) -> R) -> R {
        if let Some(locales) = state.app_data_mut::<Locales>() {
            return f(locales);
        }
        let mut locales = Locales::default();
        let r = f(&mut locales);
        state.set_app_data(locales);
        r
    }

    /// What `setlocale(category, NULL)` answers.
    fn query(&self, slot: Option<usize>) -> Vec<u8> {
        match slot {
            Some(i) => self.0[i].clone(),
            None if self.0.iter().all(|l| *l == self.0[0]) => self.0[0].clone(),
            None => {
                let parts: Vec<Vec<u8>> = LOCALE_CATEGORIES
                    .iter()
                    .zip(self.0.iter())
                    .map(|(cat, l)| [cat.as_bytes(), b"=", l].concat())
                    .collect();
                parts.join(&b";"[..])
            }
        }
    }
}

/// The name a locale request resolves to, if that locale exists here.
fn available_locale(name: &[u8]) -> Option<Vec<u8>> {
    match name {
        b"C" | b"POSIX" => Some(b"C".to_vec()),
        _ => {
            let codeset = name.strip_prefix(b"C.")?;
            let normalised: Vec<u8> = codeset
                .iter()
                .filter(|c| c.is_ascii_alphanumeric())
                .map(|c| c.to_ascii_lowercase())
                .collect();
            (normalised == b"utf8").then(|| name.to_vec())
        }
    }
}

/// The locale the environment asks for in category `slot` (`LC_ALL`, then `LC_<category>`,
/// then `LANG`).
fn environment_locale(slot: usize) -> Vec<u8> {
    let read =
        |var: &str| std::env::var_os(var).map(|v| v.to_string_lossy().into_owned().into_bytes());
    let candidates = [read("LC_ALL"), read(LOCALE_CATEGORIES[slot]), read("LANG")];
    candidates
        .into_iter()
        .flatten()
        .find(|v| !v.is_empty())
        .unwrap_or_else(|| b"C".to_vec())
}

fn setlocale(state: &mut State) -> LuaResult<usize> {
    let request = match state.arg(1) {
        Value::Nil => None,
        _ => Some(check_c_string(state, 1)?),
    };
    let option = state.check_option(2, Some("all"), &LOCALE_OPTIONS)?;
    let slot = OPTION_SLOTS[option];
    let slots: Vec<usize> = match slot {
        Some(i) => vec![i],
        None => (0..LOCALE_CATEGORIES.len()).collect(),
    };
    let result = match request {
        None => Some(Locales::with(state, |l| l.query(slot))),
        Some(name) => {
            let resolved: Option<Vec<Vec<u8>>> = slots
                .iter()
                .map(|&i| {
                    available_locale(&if name.is_empty() {
                        environment_locale(i)
                    } else {
                        name.clone()
                    })
                })
                .collect();
            resolved.map(|names| {
                Locales::with(state, |locales| {
                    for (&i, n) in slots.iter().zip(names) {
                        locales.0[i] = n;
                    }
                    locales.query(slot)
                })
            })
        }
    };
    match result {
        Some(name) => {
            let s = state.new_string(&name);
            state.push(s);
        }
        None => state.push(Value::Nil),
    }
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_round_trip() {
        for days in [-1_000_000i64, -719_468, -1, 0, 1, 11_016, 19_675, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(civil_from_days(19_675), (2023, 11, 14));
    }

    #[test]
    fn broken_down_matches_gmtime() {
        let tm = broken_down(1_700_000_000, 0);
        let fields = tm.map(|t| (t.year, t.mon, t.mday, t.hour, t.min, t.sec, t.wday, t.yday));
        assert_eq!(fields, Some((123, 10, 14, 22, 13, 20, 2, 317)));
        assert!(broken_down(i64::MIN, 0).is_none());
    }
}

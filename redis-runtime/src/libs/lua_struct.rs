//! The `struct` library: Roberto Ierusalimschy's `struct` 0.2 (binary packing and unpacking of
//! C-like structures) as Redis 7.0 bundles it, with the fixes for CVE-2015-8080 (size overflow),
//! CVE-2018-11219 (integral size limit) and CVE-2020-14147 (unpack offset checks).
//!
//! A format is read byte by byte, and like the C string it is in the original it ends at the
//! first NUL byte:
//! - `<` `>`: little / big endian from here on (little, x86-64's own order, at first);
//! - `!n`: align items to at most `n` bytes (a power of 2; plain `!` is 8, the largest alignment
//!   of a C type on x86-64); alignment is 1 at first;
//! - `x`: one zero byte of padding;
//! - `b B h H l L T`: signed / unsigned C `char`, `short`, `long` and `size_t` (1, 2, 8, 8 bytes);
//! - `in In`: a signed / unsigned integer of `n` bytes (4 by default, at most 32);
//! - `cn`: `n` bytes of a string (1 by default); `c0` is the whole string when packing, and when
//!   unpacking a length taken from the previous result;
//! - `s`: a zero-terminated string;
//! - `f` `d`: C `float` and `double`;
//! - ` `: nothing.
//!
//! Out-of-range numbers are converted exactly as the C casts on x86-64 convert them (see
//! [`to_c_long`] and [`to_c_ulong`]); integers wider than 8 bytes carry at most 64 bits.

use lua_core::native::{Ctx, Raised, Slot};

/// The widest `i`/`I` item, in bytes.
const MAX_INT_SIZE: i32 = 32;

/// The alignment a bare `!` selects: the largest a C type needs on x86-64 (a `double`'s).
const MAX_ALIGN: i32 = 8;

/// How many values a native function may have on its stack (Lua 5.1's `LUAI_MAXCSTACK`):
/// `unpack` stops with `stack overflow (too many results)` before going past it.
const MAX_NATIVE_STACK: usize = 8000;

/// 2^63 as a double.
const TWO_POW_63: f64 = 9_223_372_036_854_775_808.0;

/// Open the library as the global table `struct`; its slot is left on the stack.
pub fn open(ctx: &mut Ctx) -> Result<Slot, Raised> {
    ctx.register_library(
        "struct",
        &[("pack", pack), ("unpack", unpack), ("size", size)],
    )
}

// ---- C conversions -------------------------------------------------------------------------

/// `(long)d` on x86-64: truncation, and the most negative value for NaN and out-of-range
/// numbers (what `cvttsd2si` yields).
fn to_c_long(d: f64) -> i64 {
    if (-TWO_POW_63..TWO_POW_63).contains(&d) {
        d as i64
    } else {
        i64::MIN
    }
}

/// `(unsigned long)d` as C compilers emit it on x86-64: values from 2^63 up are converted
/// after subtracting 2^63, everything else (NaN included) through the signed conversion.
fn to_c_ulong(d: f64) -> u64 {
    if d >= TWO_POW_63 {
        (to_c_long(d - TWO_POW_63) as u64) ^ (1 << 63)
    } else {
        to_c_long(d) as u64
    }
}

// ---- reading the format --------------------------------------------------------------------

#[derive(Clone, Copy, PartialEq, Eq)]
enum Endian {
    Big,
    Little,
}

/// The settings the control options change as the format is read.
struct Header {
    endian: Endian,
    /// The largest alignment an item gets (a power of 2).
    align: usize,
}

impl Header {
    fn new() -> Header {
        Header {
            endian: Endian::Little,
            align: 1,
        }
    }
}

/// The format string and how far it has been read.
struct Format {
    bytes: Vec<u8>,
    at: usize,
}

impl Format {
    /// Argument 1 as a format: its bytes up to the first NUL (the C code sees a C string).
    fn from_arg(ctx: &mut Ctx) -> Result<Format, Raised> {
        let text = ctx.check_bytes(1)?;
        let end = text.iter().position(|&b| b == 0).unwrap_or(text.len());
        let bytes = text.get(..end).unwrap_or_default().to_vec();
        Ok(Format { bytes, at: 0 })
    }

    /// The next option byte, or `None` at the end.
    fn next_option(&mut self) -> Option<u8> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        Some(b)
    }

    /// The decimal number that follows, or `default` when no digit follows. Values past
    /// `i32::MAX` are refused (the CVE-2015-8080 fix).
    fn read_number(&mut self, ctx: &mut Ctx, default: i32) -> Result<i32, Raised> {
        let mut value: i32 = 0;
        let mut any = false;
        while let Some(&b) = self.bytes.get(self.at).filter(|b| b.is_ascii_digit()) {
            let digit = i32::from(b - b'0');
            value = value
                .checked_mul(10)
                .and_then(|v| v.checked_add(digit))
                .ok_or_else(|| ctx.error("integral size overflow"))?;
            self.at += 1;
            any = true;
        }
        Ok(if any { value } else { default })
    }
}

/// The size in bytes of an item of option `opt`, reading the count after `c`, `i` and `I`;
/// 0 for options that are not items (C's `optsize`).
fn option_size(ctx: &mut Ctx, opt: u8, fmt: &mut Format) -> Result<usize, Raised> {
    let size = match opt {
        b'b' | b'B' | b'x' => 1,
        b'h' | b'H' => 2,
        b'f' => 4,
        b'l' | b'L' | b'T' | b'd' => 8,
        b'c' => fmt.read_number(ctx, 1)? as usize,
        b'i' | b'I' => {
            let size = fmt.read_number(ctx, 4)?;
            if size > MAX_INT_SIZE {
                let msg = format!("integral size {size} is larger than limit of {MAX_INT_SIZE}");
                return Err(ctx.error(msg));
            }
            size as usize
        }
        _ => 0,
    };
    Ok(size)
}

/// The padding that aligns an item of option `opt` and `size` bytes at offset `offset`: to its
/// size, capped by the header's alignment. Strings and non-items are never aligned. The cap
/// need not be a power of 2 (an `i3` item): the formula is kept as the C code has it.
fn padding(offset: usize, header: &Header, opt: u8, size: usize) -> usize {
    if size == 0 || opt == b'c' {
        return 0;
    }
    let size = size.min(header.align);
    let mask = size - 1;
    size.wrapping_sub(offset & mask) & mask
}

/// Apply a control option (` `, `<`, `>`, `!n`); anything else is an invalid option.
fn control_option(
    ctx: &mut Ctx,
    opt: u8,
    fmt: &mut Format,
    header: &mut Header,
) -> Result<(), Raised> {
    match opt {
        b' ' => {}
        b'>' => header.endian = Endian::Big,
        b'<' => header.endian = Endian::Little,
        b'!' => {
            let align = fmt.read_number(ctx, MAX_ALIGN)?;
            if align <= 0 || align & (align - 1) != 0 {
                return Err(ctx.error(format!("alignment {align} is not a power of 2")));
            }
            header.align = align as usize;
        }
        _ => {
            let mut msg = b"invalid format option '".to_vec();
            msg.extend_from_slice(&[opt, b'\'']);
            return Err(ctx.arg_error_bytes(1, &msg));
        }
    }
    Ok(())
}

fn is_integer_option(opt: u8) -> bool {
    matches!(
        opt,
        b'b' | b'B' | b'h' | b'H' | b'l' | b'L' | b'T' | b'i' | b'I'
    )
}

// ---- pack ----------------------------------------------------------------------------------

/// `struct.pack(format, v1, ...)`: the values laid out as the format says, as one string.
fn pack(ctx: &mut Ctx) -> Result<usize, Raised> {
    let mut fmt = Format::from_arg(ctx)?;
    let mut header = Header::new();
    let mut out = Vec::new();
    let mut arg = 2;
    while let Some(opt) = fmt.next_option() {
        let size = option_size(ctx, opt, &mut fmt)?;
        // The output's length is the offset items are aligned from. Strings are charged once
        // their length is known; every other item is at most 32 bytes.
        let pad = padding(out.len(), &header, opt, size);
        let fixed = if matches!(opt, b'c' | b's') { 0 } else { size };
        grow(ctx, &mut out, pad + fixed)?;
        out.resize(out.len() + pad, 0);
        match opt {
            _ if is_integer_option(opt) => {
                let n = pack_number(ctx, arg)?;
                put_integer(&mut out, n, header.endian, size);
                arg += 1;
            }
            b'x' => out.push(0),
            b'f' => {
                let f = pack_number(ctx, arg)? as f32;
                put_bytes(&mut out, f.to_le_bytes(), header.endian);
                arg += 1;
            }
            b'd' => {
                let d = pack_number(ctx, arg)?;
                put_bytes(&mut out, d.to_le_bytes(), header.endian);
                arg += 1;
            }
            b'c' | b's' => {
                put_string(ctx, &mut out, arg, opt, size)?;
                arg += 1;
            }
            _ => control_option(ctx, opt, &mut fmt, &mut header)?,
        }
    }
    ctx.push_bytes(&out)?;
    Ok(1)
}

/// Refuse (`not enough memory`) an output that would not fit once `extra` more bytes are
/// added, before any are.
fn grow(ctx: &mut Ctx, out: &mut Vec<u8>, extra: usize) -> Result<(), Raised> {
    ctx.reserve(out.len().saturating_add(extra))?;
    out.reserve(extra);
    Ok(())
}

/// Argument `arg` as a number. The C function has pushed a `nil` just past its arguments, so
/// a missing argument is reported as `nil`, not as `no value`.
fn pack_number(ctx: &mut Ctx, arg: usize) -> Result<f64, Raised> {
    if arg > ctx.arg_count() {
        return Err(ctx.arg_error(arg, "number expected, got nil"));
    }
    ctx.check_number(arg)
}

/// The length of argument `arg` as a string (numbers are converted), with missing arguments
/// reported as in [`pack_number`].
fn pack_string_len(ctx: &mut Ctx, arg: usize) -> Result<usize, Raised> {
    if arg > ctx.arg_count() {
        return Err(ctx.arg_error(arg, "string expected, got nil"));
    }
    Ok(ctx.check_bytes(arg)?.len())
}

/// The integer item: `n` converted to a C `unsigned long` (negative numbers through `long`),
/// written in `size` bytes. Bytes past the 8 of a `long` are zero, whatever the sign.
fn put_integer(out: &mut Vec<u8>, n: f64, endian: Endian, size: usize) {
    let mut value = if n < 0.0 {
        to_c_long(n) as u64
    } else {
        to_c_ulong(n)
    };
    let start = out.len();
    for _ in 0..size {
        out.push(value as u8);
        value >>= 8;
    }
    if endian == Endian::Big {
        out.get_mut(start..).unwrap_or_default().reverse();
    }
}

/// A float or double item, given in little-endian order.
fn put_bytes<const N: usize>(out: &mut Vec<u8>, mut bytes: [u8; N], endian: Endian) {
    if endian == Endian::Big {
        bytes.reverse();
    }
    out.extend_from_slice(&bytes);
}

/// A `c` or `s` item from argument `arg`: `size` bytes of the string, or all of it for `c0`
/// and `s`, `s` adding a zero byte after it.
fn put_string(
    ctx: &mut Ctx,
    out: &mut Vec<u8>,
    arg: usize,
    opt: u8,
    size: usize,
) -> Result<(), Raised> {
    let len = pack_string_len(ctx, arg)?;
    let size = if size == 0 { len } else { size };
    if len < size {
        // The C code has already moved on to the next argument when it checks.
        return Err(ctx.arg_error(arg + 1, "string too short"));
    }
    grow(ctx, out, size.saturating_add(1))?;
    let text = ctx.check_bytes(arg)?;
    out.extend_from_slice(text.get(..size).unwrap_or_default());
    if opt == b's' {
        out.push(0);
    }
    Ok(())
}

// ---- unpack --------------------------------------------------------------------------------

/// `struct.unpack(format, data [, start])`: the values the format reads from `data` from
/// position `start` (1 by default), then the position after the last byte read.
fn unpack(ctx: &mut Ctx) -> Result<usize, Raised> {
    let mut fmt = Format::from_arg(ctx)?;
    let data_len = ctx.check_bytes(2)?.len();
    // A C `size_t` from a `long`: negative starts become huge ones, too far to read from.
    let start = ctx.opt_integer(3, 1)? as u64 as usize;
    if start == 0 {
        return Err(ctx.arg_error(3, "offset must be 1 or greater"));
    }
    let mut reader = Reader {
        data_len,
        pos: start - 1,
        results: 0,
        header: Header::new(),
    };
    while let Some(opt) = fmt.next_option() {
        let size = option_size(ctx, opt, &mut fmt)?;
        reader.pos = reader
            .pos
            .wrapping_add(padding(reader.pos, &reader.header, opt, size));
        reader.check_fits(ctx, size)?;
        if ctx.stack_len() + 2 > MAX_NATIVE_STACK {
            return Err(ctx.error("stack overflow (too many results)"));
        }
        let read = reader.read_item(ctx, opt, size, &mut fmt)?;
        reader.pos = reader.pos.wrapping_add(read);
    }
    ctx.push_integer(reader.pos.wrapping_add(1) as i64);
    Ok(reader.results + 1)
}

/// Where `unpack` is in its data (argument 2) and how many values it has pushed.
struct Reader {
    data_len: usize,
    /// 0-based offset of the next byte.
    pos: usize,
    results: usize,
    header: Header,
}

impl Reader {
    /// `size` bytes must be left from the current position.
    fn check_fits(&self, ctx: &mut Ctx, size: usize) -> Result<(), Raised> {
        if size <= self.data_len && self.pos <= self.data_len - size {
            Ok(())
        } else {
            Err(ctx.arg_error(2, "data string too short"))
        }
    }

    /// `len` bytes of the data from the current position (checked to be there).
    fn bytes<'a>(&self, ctx: &'a Ctx, len: usize) -> &'a [u8] {
        let data = ctx.arg(2).as_bytes().unwrap_or_default();
        let end = self.pos.saturating_add(len);
        data.get(self.pos..end).unwrap_or_default()
    }

    /// The first `N` bytes at the current position, in little-endian order.
    fn little_endian<const N: usize>(&self, ctx: &Ctx) -> [u8; N] {
        let mut bytes = [0; N];
        if let Some(data) = self.bytes(ctx, N).get(..N) {
            bytes.copy_from_slice(data);
        }
        if self.header.endian == Endian::Big {
            bytes.reverse();
        }
        bytes
    }

    /// Read one item (pushing its value, if it has one) or apply a control option; gives how
    /// many bytes of data it covered.
    fn read_item(
        &mut self,
        ctx: &mut Ctx,
        opt: u8,
        size: usize,
        fmt: &mut Format,
    ) -> Result<usize, Raised> {
        match opt {
            _ if is_integer_option(opt) => {
                let value = self.integer(ctx, opt.is_ascii_lowercase(), size);
                self.push_number(ctx, value);
            }
            b'x' => {}
            b'f' => {
                let value = f32::from_le_bytes(self.little_endian(ctx));
                self.push_number(ctx, f64::from(value));
            }
            b'd' => {
                let value = f64::from_le_bytes(self.little_endian(ctx));
                self.push_number(ctx, value);
            }
            b'c' => return self.chars(ctx, size),
            b's' => return self.zero_terminated(ctx),
            _ => control_option(ctx, opt, fmt, &mut self.header)?,
        }
        Ok(size)
    }

    fn push_number(&mut self, ctx: &mut Ctx, value: f64) {
        ctx.push_number(value);
        self.results += 1;
    }

    /// An integer item of `size` bytes. Only the 8 least significant bytes are kept (a C
    /// `unsigned long`); a signed one is sign-extended from the bit the C code tests, which
    /// for items wider than 8 bytes is the one its shift count wraps to on x86-64.
    fn integer(&self, ctx: &Ctx, signed: bool, size: usize) -> f64 {
        let bytes = self.bytes(ctx, size);
        let fold = |acc: u64, &b: &u8| acc.checked_shl(8).unwrap_or(0) | u64::from(b);
        let value = match self.header.endian {
            Endian::Big => bytes.iter().fold(0, fold),
            Endian::Little => bytes.iter().rev().fold(0, fold),
        };
        if !signed {
            return value as f64;
        }
        let sign_bit = (size as u32).wrapping_mul(8).wrapping_sub(1) & 63;
        let mask = u64::MAX << sign_bit;
        let extended = if value & mask != 0 {
            value | mask
        } else {
            value
        };
        extended as i64 as f64
    }

    /// A `cn` item; `c0` takes its length from the previous result, which it replaces.
    fn chars(&mut self, ctx: &mut Ctx, size: usize) -> Result<usize, Raised> {
        let size = if size == 0 {
            let size = self.previous_size(ctx)?;
            ctx.pop(1);
            self.results -= 1;
            self.check_fits(ctx, size)?;
            size
        } else {
            size
        };
        let text = self.bytes(ctx, size).to_vec();
        ctx.push_bytes(text)?;
        self.results += 1;
        Ok(size)
    }

    /// The previous result as a length for `c0`: it must be a number, or a string that reads
    /// as one, converted as C converts a double to `size_t`.
    fn previous_size(&self, ctx: &mut Ctx) -> Result<usize, Raised> {
        let previous = match self.results {
            0 => None,
            _ => ctx.get(ctx.top_slot()).to_number(),
        };
        match previous {
            Some(n) => Ok(to_c_ulong(n) as usize),
            None => Err(ctx.error("format 'c0' needs a previous size")),
        }
    }

    /// An `s` item: the bytes up to the next zero byte, which is read but not kept.
    fn zero_terminated(&mut self, ctx: &mut Ctx) -> Result<usize, Raised> {
        let rest = self.bytes(ctx, self.data_len.saturating_sub(self.pos));
        let Some(len) = rest.iter().position(|&b| b == 0) else {
            return Err(ctx.error("unfinished string in data"));
        };
        let text = rest.get(..len).unwrap_or_default().to_vec();
        ctx.push_bytes(text)?;
        self.results += 1;
        Ok(len + 1)
    }
}

// ---- size ----------------------------------------------------------------------------------

/// `struct.size(format)`: how many bytes `pack` makes with this format. Letters and digits
/// that are not options are ignored here (only other bytes are checked as control options).
fn size(ctx: &mut Ctx) -> Result<usize, Raised> {
    let mut fmt = Format::from_arg(ctx)?;
    let mut header = Header::new();
    let mut total: usize = 0;
    while let Some(opt) = fmt.next_option() {
        let size = option_size(ctx, opt, &mut fmt)?;
        total = total.wrapping_add(padding(total, &header, opt, size));
        if opt == b's' {
            return Err(ctx.arg_error(1, "option 's' has no fixed size"));
        }
        if opt == b'c' && size == 0 {
            return Err(ctx.arg_error(1, "option 'c0' has no fixed size"));
        }
        if !opt.is_ascii_alphanumeric() {
            control_option(ctx, opt, &mut fmt, &mut header)?;
        }
        total = total.wrapping_add(size);
    }
    ctx.push_integer(total as i64);
    Ok(1)
}

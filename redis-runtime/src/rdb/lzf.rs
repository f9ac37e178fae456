//! LZF, as Redis's `lzf_c.c` / `lzf_d.c` (liblzf 3.6 with `HLOG` 16 and `VERY_FAST`) compress
//! and decompress: RDB strings over 20 bytes are stored compressed when that saves at least
//! four bytes, so `FUNCTION DUMP` needs the same encoder to give the same bytes.
//!
//! Compressed format: `000LLLLL` then L+1 literal bytes; `LLLooooo oooooooo` a back reference
//! of L+2 bytes (L < 7) at offset o+1; `111ooooo LLLLLLLL oooooooo` one of L+9 bytes.

const HLOG: u32 = 16;
const HSIZE: usize = 1 << HLOG;
const MAX_LIT: usize = 1 << 5;
const MAX_OFF: usize = 1 << 13;
const MAX_REF: usize = (1 << 8) + (1 << 3);

fn first(input: &[u8], ip: usize) -> u32 {
    (u32::from(input[ip]) << 8) | u32::from(input[ip + 1])
}

fn next(hval: u32, input: &[u8], ip: usize) -> u32 {
    (hval << 8) | u32::from(input[ip + 2])
}

fn slot(hval: u32) -> usize {
    ((hval >> (3 * 8 - HLOG)).wrapping_sub(hval.wrapping_mul(5)) as usize) & (HSIZE - 1)
}

/// The hash table: positions + 1 of the last occurrence of each hash (0: none). One per
/// thread, emptied after each use by resetting only the slots that use touched, so a short
/// string does not pay for clearing all 65,536 slots.
struct Slots {
    slots: Vec<usize>,
    touched: Vec<usize>,
}

impl Slots {
    fn get(&self, h: usize) -> usize {
        self.slots[h]
    }

    fn set(&mut self, h: usize, value: usize) {
        if self.slots[h] == 0 {
            self.touched.push(h);
        }
        self.slots[h] = value;
    }

    fn clear(&mut self) {
        for h in self.touched.drain(..) {
            self.slots[h] = 0;
        }
    }
}

thread_local! {
    static SLOTS: std::cell::RefCell<Slots> = std::cell::RefCell::new(Slots {
        slots: vec![0; HSIZE],
        touched: Vec::new(),
    });
}

/// Compress `input` into at most `out_len` bytes; `None` when it does not fit (or is empty),
/// exactly where `lzf_compress` returns 0. The hash table starts empty.
pub fn compress(input: &[u8], out_len: usize) -> Option<Vec<u8>> {
    SLOTS.with(|slots| {
        let mut table = slots.borrow_mut();
        let result = compress_with(input, out_len, &mut table);
        table.clear();
        result
    })
}

fn compress_with(input: &[u8], out_len: usize, table: &mut Slots) -> Option<Vec<u8>> {
    let in_len = input.len();
    if in_len == 0 || out_len == 0 {
        return None;
    }
    // Room for the few bytes past `out_len` the checks below allow to be touched.
    let mut out = vec![0u8; out_len + 8];
    let out_end = out_len;
    let mut ip = 0usize;
    let mut op = 1usize; // the first literal run's length byte is at 0
    let mut lit = 0usize;
    let mut hval = if in_len >= 2 { first(input, 0) } else { 0 };
    while in_len >= 3 && ip < in_len - 2 {
        hval = next(hval, input, ip);
        let h = slot(hval);
        let candidate = table.get(h);
        table.set(h, ip + 1);
        let matched = candidate != 0 && {
            let r = candidate - 1;
            r < ip
                && ip - r - 1 < MAX_OFF
                && r > 0
                && input[r + 2] == input[ip + 2]
                && input[r] == input[ip]
                && input[r + 1] == input[ip + 1]
        };
        if matched {
            let r = candidate - 1;
            let off = ip - r - 1;
            let mut len = 2usize;
            let maxlen = (in_len - ip - len).min(MAX_REF);
            if op + 3 + 1 >= out_end && op - usize::from(lit == 0) + 3 + 1 >= out_end {
                return None;
            }
            out[op - lit - 1] = (lit as u8).wrapping_sub(1);
            op -= usize::from(lit == 0);
            // The C code compares 16 bytes before looking at `maxlen` when it is over 16.
            let mut done = false;
            if maxlen > 16 {
                for _ in 0..16 {
                    len += 1;
                    if input[r + len] != input[ip + len] {
                        done = true;
                        break;
                    }
                }
            }
            if !done {
                loop {
                    len += 1;
                    if !(len < maxlen && input[r + len] == input[ip + len]) {
                        break;
                    }
                }
            }
            len -= 2;
            ip += 1;
            if len < 7 {
                out[op] = ((off >> 8) + (len << 5)) as u8;
                op += 1;
            } else {
                out[op] = ((off >> 8) + (7 << 5)) as u8;
                out[op + 1] = (len - 7) as u8;
                op += 2;
            }
            out[op] = off as u8;
            op += 1;
            lit = 0;
            op += 1;
            ip += len + 1;
            if ip >= in_len - 2 {
                break;
            }
            ip -= 2;
            hval = first(input, ip);
            hval = next(hval, input, ip);
            table.set(slot(hval), ip + 1);
            ip += 1;
            hval = next(hval, input, ip);
            table.set(slot(hval), ip + 1);
            ip += 1;
        } else {
            if op >= out_end {
                return None;
            }
            lit += 1;
            out[op] = input[ip];
            op += 1;
            ip += 1;
            if lit == MAX_LIT {
                out[op - lit - 1] = (lit - 1) as u8;
                lit = 0;
                op += 1;
            }
        }
    }
    if op + 3 > out_end {
        return None;
    }
    while ip < in_len {
        lit += 1;
        out[op] = input[ip];
        op += 1;
        ip += 1;
        if lit == MAX_LIT {
            out[op - lit - 1] = (lit - 1) as u8;
            lit = 0;
            op += 1;
        }
    }
    out[op - lit - 1] = (lit as u8).wrapping_sub(1);
    op -= usize::from(lit == 0);
    out.truncate(op);
    Some(out)
}

/// Decompress `input`, which must give exactly `len` bytes; `None` for corrupt input.
pub fn decompress(input: &[u8], len: usize) -> Option<Vec<u8>> {
    // No valid stream expands a byte into more than this; refuse claims beyond it before
    // reserving memory for them.
    if len > input.len().saturating_mul(MAX_REF + 2) {
        return None;
    }
    let mut out: Vec<u8> = Vec::with_capacity(len);
    let mut ip = 0usize;
    while ip < input.len() {
        let ctrl = usize::from(input[ip]);
        ip += 1;
        if ctrl < (1 << 5) {
            let run = ctrl + 1;
            if out.len() + run > len || ip + run > input.len() {
                return None;
            }
            out.extend_from_slice(&input[ip..ip + run]);
            ip += run;
        } else {
            let mut run = ctrl >> 5;
            let back = (ctrl & 0x1f) << 8;
            if ip >= input.len() {
                return None;
            }
            if run == 7 {
                run += usize::from(input[ip]);
                ip += 1;
                if ip >= input.len() {
                    return None;
                }
            }
            let back = back + usize::from(input[ip]) + 1;
            ip += 1;
            if out.len() + run + 2 > len || back > out.len() {
                return None;
            }
            let start = out.len() - back;
            for i in 0..run + 2 {
                let b = out[start + i];
                out.push(b);
            }
        }
    }
    (out.len() == len).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let samples: [&[u8]; 4] = [
            b"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
            b"#!lua name=lib\nredis.register_function('f1', function() return 1 end)\nredis.register_function('f2', function() return 1 end)\n",
            b"abcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabcabc",
            b"0123456789",
        ];
        for s in samples {
            if let Some(c) = compress(s, s.len() - 4) {
                assert_eq!(decompress(&c, s.len()).as_deref(), Some(s));
            }
        }
        let long: Vec<u8> = (0..5000u32)
            .map(|i| (i % 251) as u8 ^ (i / 7) as u8)
            .collect();
        let c = compress(&long, long.len() + 100).unwrap();
        assert_eq!(decompress(&c, long.len()).unwrap(), long);
    }

    #[test]
    fn incompressible_input_does_not_fit() {
        assert_eq!(compress(b"abcdefghijklmnopqrstuvwxyz", 22), None);
        assert_eq!(decompress(&[5, b'a'], 6), None);
        assert_eq!(decompress(&[0x20, 0], 3), None);
    }
}

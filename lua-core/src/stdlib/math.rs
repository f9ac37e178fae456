//! The math library, as in Lua 5.1: thin wrappers over the C math functions (which Rust's `f64`
//! methods reach through the same libm), plus `random`/`randomseed` over a replaceable generator
//! that defaults to glibc's `rand()`.

use crate::native::{Ctx, NativeFunction, Raised};
use crate::value::Value;
use crate::vm::{LuaResult, State};

/// π as Lua 5.1 writes it, and the factor behind `deg`/`rad`.
const PI: f64 = std::f64::consts::PI;
const RADIANS_PER_DEGREE: f64 = PI / 180.0;

/// In the order Lua 5.1 registers them, so `pairs(math)` visits them in the same order.
pub(crate) const FUNCTIONS: &[(&str, NativeFunction)] = &[
    ("abs", abs),
    ("acos", acos),
    ("asin", asin),
    ("atan2", atan2),
    ("atan", atan),
    ("ceil", ceil),
    ("cosh", cosh),
    ("cos", cos),
    ("deg", deg),
    ("exp", exp),
    ("floor", floor),
    ("fmod", fmod),
    ("frexp", frexp),
    ("ldexp", ldexp),
    ("log10", log10),
    ("log", log),
    ("max", max),
    ("min", min),
    ("modf", modf),
    ("pow", pow),
    ("rad", rad),
    ("random", random),
    ("randomseed", randomseed),
    ("sinh", sinh),
    ("sin", sin),
    ("sqrt", sqrt),
    ("tanh", tanh),
    ("tan", tan),
];

pub fn open(state: &mut State, allowed: Option<&[&str]>) -> LuaResult<()> {
    let permitted = |name: &str| allowed.is_none_or(|list| list.contains(&name));
    let math = super::register_extension_library(state, "math", FUNCTIONS, allowed)?;
    if permitted("pi") {
        state.set_field(math, "pi", Value::Number(PI))?;
    }
    if permitted("huge") {
        state.set_field(math, "huge", Value::Number(f64::INFINITY))?;
    }
    // `math.mod` is the same function as `math.fmod` (5.0 compatibility).
    if permitted("mod") {
        let fmod = state.get_field(math, "fmod");
        if !fmod.is_nil() {
            state.set_field(math, "mod", fmod)?;
        }
    }
    Ok(())
}

/// Push one number result.
fn ret(ctx: &mut Ctx, x: f64) -> Result<usize, Raised> {
    ctx.push_number(x);
    Ok(1)
}

/// Define math functions of one number argument.
macro_rules! unary {
    ($($name:ident => $f:expr;)*) => {$(
        fn $name(ctx: &mut Ctx) -> Result<usize, Raised> {
            let x = ctx.check_number(1)?;
            let f: fn(f64) -> f64 = $f;
            ret(ctx, f(x))
        }
    )*};
}

unary! {
    abs => f64::abs;
    sin => f64::sin;
    sinh => f64::sinh;
    cos => f64::cos;
    cosh => f64::cosh;
    tan => f64::tan;
    tanh => f64::tanh;
    asin => |x| outside_unit_interval(x).unwrap_or_else(|| x.asin());
    acos => |x| outside_unit_interval(x).unwrap_or_else(|| x.acos());
    atan => f64::atan;
    ceil => f64::ceil;
    floor => f64::floor;
    sqrt => f64::sqrt;
    log => f64::ln;
    log10 => |x| if x < 0.0 { f64::NAN } else { x.log10() };
    exp => f64::exp;
    deg => |x| x / RADIANS_PER_DEGREE;
    rad => |x| x * RADIANS_PER_DEGREE;
}

/// The domain error of `asin` and `acos`. The sign of the NaN is not fixed by C; the
/// reference's libm gives a positive one (as it does for `log10` of a negative number), while
/// other builds of the same libm (the static one) give a negative one, which prints as `-nan`.
/// Pinned here so that every build prints what the reference does.
fn outside_unit_interval(x: f64) -> Option<f64> {
    (x.abs() > 1.0).then_some(f64::NAN)
}

// The two-argument functions check their second argument first: Lua 5.1 reads both inside one
// C call expression, whose arguments gcc evaluates right to left.

fn atan2(ctx: &mut Ctx) -> Result<usize, Raised> {
    let x = ctx.check_number(2)?;
    let y = ctx.check_number(1)?;
    ret(ctx, y.atan2(x))
}

fn fmod(ctx: &mut Ctx) -> Result<usize, Raised> {
    let b = ctx.check_number(2)?;
    let a = ctx.check_number(1)?;
    // Rust's `%` on doubles is C's `fmod`.
    ret(ctx, a % b)
}

fn pow(ctx: &mut Ctx) -> Result<usize, Raised> {
    let b = ctx.check_number(2)?;
    let a = ctx.check_number(1)?;
    ret(ctx, a.powf(b))
}

/// `modf(x)`: the integral part and the fractional part, both with the sign of `x`.
fn modf(ctx: &mut Ctx) -> Result<usize, Raised> {
    let x = ctx.check_number(1)?;
    let int = x.trunc();
    let frac = if x.is_infinite() {
        0.0f64.copysign(x)
    } else {
        (x - int).copysign(x)
    };
    ctx.push_number(int);
    ctx.push_number(frac);
    Ok(2)
}

fn frexp(ctx: &mut Ctx) -> Result<usize, Raised> {
    let x = ctx.check_number(1)?;
    let (m, e) = split_exponent(x);
    ctx.push_number(m);
    ctx.push_number(e as f64);
    Ok(2)
}

fn ldexp(ctx: &mut Ctx) -> Result<usize, Raised> {
    let e = ctx.check_int(2)?;
    let x = ctx.check_number(1)?;
    ret(ctx, scale_by_power_of_two(x, e))
}

fn min(ctx: &mut Ctx) -> Result<usize, Raised> {
    let mut m = ctx.check_number(1)?;
    for i in 2..=ctx.arg_count() {
        let d = ctx.check_number(i)?;
        if d < m {
            m = d;
        }
    }
    ret(ctx, m)
}

fn max(ctx: &mut Ctx) -> Result<usize, Raised> {
    let mut m = ctx.check_number(1)?;
    for i in 2..=ctx.arg_count() {
        let d = ctx.check_number(i)?;
        if d > m {
            m = d;
        }
    }
    ret(ctx, m)
}

/// `random()` in [0, 1), `random(u)` in [1, u], `random(l, u)` in [l, u].
fn random(ctx: &mut Ctx) -> Result<usize, Raised> {
    // The number is drawn before the arguments are checked, as in Lua 5.1; the `%` keeps it
    // below 1 even if a source returns RAND_MAX.
    let r = (with_source(ctx, |s| s.next_u31()) % RAND_MAX) as f64 / RAND_MAX as f64;
    let x = match ctx.arg_count() {
        0 => r,
        1 => {
            let u = ctx.check_int(1)?;
            if u < 1 {
                return Err(ctx.arg_error(1, "interval is empty"));
            }
            (r * u as f64).floor() + 1.0
        }
        2 => {
            let l = ctx.check_int(1)?;
            let u = ctx.check_int(2)?;
            if l > u {
                return Err(ctx.arg_error(2, "interval is empty"));
            }
            // `u - l + 1` is computed in C `int`, wrapping for the widest intervals.
            let width = u.wrapping_sub(l).wrapping_add(1);
            (r * width as f64).floor() + l as f64
        }
        _ => return Err(ctx.error("wrong number of arguments")),
    };
    ret(ctx, x)
}

fn randomseed(ctx: &mut Ctx) -> Result<usize, Raised> {
    let seed = ctx.check_int(1)?;
    with_source(ctx, |s| s.seed(seed as u32));
    Ok(0)
}

// ---- exponent arithmetic -------------------------------------------------------------------

const MANTISSA_BITS: u32 = 52;
const EXPONENT_MASK: u64 = 0x7ff << MANTISSA_BITS;
/// 2^54, to bring subnormals into the normal range.
const TWO_POW_54: f64 = 18_014_398_509_481_984.0;

/// C's `frexp`: `x = m * 2^e` with `0.5 <= |m| < 1`; zero, infinities and NaN come back
/// unchanged with exponent 0.
fn split_exponent(x: f64) -> (f64, i32) {
    if x == 0.0 || !x.is_finite() {
        return (x, 0);
    }
    let (x, bias) = if x.abs() < f64::MIN_POSITIVE {
        (x * TWO_POW_54, -54)
    } else {
        (x, 0)
    };
    let bits = x.to_bits();
    let biased = ((bits & EXPONENT_MASK) >> MANTISSA_BITS) as i32;
    // Give the mantissa the exponent of 0.5 (biased 1022).
    let m = f64::from_bits((bits & !EXPONENT_MASK) | (1022u64 << MANTISSA_BITS));
    (m, biased - 1022 + bias)
}

/// C's `ldexp`/`scalbn`: `x * 2^e`, correctly rounded (a single rounding, even into the
/// subnormal range).
fn scale_by_power_of_two(x: f64, e: i32) -> f64 {
    let pow2 = |k: i32| f64::from_bits(((k + 1023) as u64) << MANTISSA_BITS);
    let mut y = x;
    let mut n = e;
    if n > 1023 {
        y *= pow2(1023);
        n -= 1023;
        if n > 1023 {
            y *= pow2(1023);
            n -= 1023;
            n = n.min(1023);
        }
    } else if n < -1022 {
        // Scale by 2^-1022 * 2^53 per step so that only the last multiplication can round.
        let step = pow2(-1022) * pow2(53);
        y *= step;
        n += 1022 - 53;
        if n < -1022 {
            y *= step;
            n += 1022 - 53;
            n = n.max(-1022);
        }
    }
    y * pow2(n)
}

// ---- the generator behind `random` ---------------------------------------------------------

/// A pseudo-random generator for `math.random` and `math.randomseed` (`Send` with the `send`
/// feature, as everything a state keeps).
pub trait RandomSource: crate::api::MaybeSend {
    /// Restart the sequence from `seed` (C's `srand`; `randomseed` passes its `int` argument's
    /// bits).
    fn seed(&mut self, seed: u32);
    /// The next number, in `0..=RAND_MAX`, as C's `rand()`.
    fn next_u31(&mut self) -> u32;
}

/// `RAND_MAX` on glibc, the divisor `math.random` uses.
pub const RAND_MAX: u32 = 0x7fff_ffff;

/// The installed generator, kept as the state's app data.
struct InstalledSource(Box<dyn RandomSource>);

/// Make `source` the generator of `math.random` and `math.randomseed` for this state.
pub fn set_random_source(state: &mut State, source: Box<dyn RandomSource>) {
    state.set_app_data(InstalledSource(source));
}

/// Run `f` on the state's generator, installing glibc's first if there is none (seeded with 1,
/// as for a program that never calls `srand`).
fn with_source<R>(ctx: &mut Ctx, f: impl FnOnce(&mut dyn RandomSource) -> R) -> R {
    if let Some(installed) = ctx.app_data_mut::<InstalledSource>() {
        return f(&mut *installed.0);
    }
    let mut source = GlibcRandom::new();
    let r = f(&mut source);
    set_random_source(ctx.state_mut(), Box::new(source));
    r
}

/// Length of glibc's TYPE_3 state (`DEG_3`).
const DEGREE: usize = 31;
/// Distance between the two taps (`SEP_3`).
const SEPARATION: usize = 3;

/// glibc's `rand()`: an additive lagged-Fibonacci generator (x[n] = x[n-31] + x[n-3] mod 2^32,
/// output x[n] >> 1) whose state is filled from the seed by a Park-Miller sequence, then stirred
/// by 310 discarded outputs.
#[derive(Clone)]
pub struct GlibcRandom {
    table: [u32; DEGREE],
    front: usize,
    rear: usize,
}

impl Default for GlibcRandom {
    fn default() -> Self {
        Self::new()
    }
}

impl GlibcRandom {
    /// A generator in the state `srand(1)` leaves, which is also the state before any `srand`.
    pub fn new() -> GlibcRandom {
        let mut g = GlibcRandom {
            table: [0; DEGREE],
            front: SEPARATION,
            rear: 0,
        };
        g.seed(1);
        g
    }
}

impl RandomSource for GlibcRandom {
    fn seed(&mut self, seed: u32) {
        let seed = if seed == 0 { 1 } else { seed };
        self.table[0] = seed;
        // 16807 * x mod (2^31 - 1) by Schrage's method, on the seed read as a signed int.
        let mut word = seed as i32 as i64;
        for slot in self.table.iter_mut().skip(1) {
            let hi = word / 127_773;
            let lo = word % 127_773;
            word = 16_807 * lo - 2_836 * hi;
            if word < 0 {
                word += 2_147_483_647;
            }
            *slot = word as u32;
        }
        self.front = SEPARATION;
        self.rear = 0;
        for _ in 0..DEGREE * 10 {
            self.next_u31();
        }
    }

    fn next_u31(&mut self) -> u32 {
        let sum = self.table[self.front].wrapping_add(self.table[self.rear]);
        self.table[self.front] = sum;
        self.front = (self.front + 1) % DEGREE;
        self.rear = (self.rear + 1) % DEGREE;
        sum >> 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Outputs of glibc's `rand()` after no `srand`, `srand(42)`, `srand(-5)`, `srand(2^31+5)`.
    #[test]
    fn matches_glibc_rand() {
        let mut g = GlibcRandom::new();
        assert_eq!(g.next_u31(), 1_804_289_383);
        assert_eq!(g.next_u31(), 846_930_886);
        assert_eq!(g.next_u31(), 1_681_692_777);
        g.seed(42);
        assert_eq!(g.next_u31(), 71_876_166);
        g.seed(-5i32 as u32);
        assert_eq!(g.next_u31(), 1_469_203_335);
        g.seed(0x8000_0005);
        assert_eq!(g.next_u31(), 902_410_239);
    }

    #[test]
    fn frexp_and_ldexp_round_trip() {
        assert_eq!(split_exponent(-3.0), (-0.75, 2));
        assert_eq!(split_exponent(5e-324), (0.5, -1073));
        assert_eq!(split_exponent(0.0), (0.0, 0));
        assert_eq!(scale_by_power_of_two(1.0, 1024), f64::INFINITY);
        assert_eq!(scale_by_power_of_two(1.0, -1075), 0.0);
        assert_eq!(scale_by_power_of_two(3.0, -1075), 1e-323);
        assert_eq!(scale_by_power_of_two(0.75, i32::MIN), 0.0);
        assert_eq!(scale_by_power_of_two(1.0, 3), 8.0);
    }
}

//! Redis's `math.random` generator: the 48-bit linear congruential generator of `rand48`
//! (`redisLrand48`), whose state Redis 7.0 keeps for the whole process.

use lua_core::api::RandomSource;
use std::cell::Cell;
use std::rc::Rc;

const MULTIPLIER: u64 = 0x5_DEEC_E66D;
const INCREMENT: u64 = 0xB;
const MASK_48: u64 = (1 << 48) - 1;
/// The low 16 bits `srand48` puts under the seed.
const SEED_LOW: u64 = 0x330E;
/// The seed whose state Redis's generator starts from (`X1` 0xABCD and `X2` 0x1234 in
/// `rand.c`).
const INITIAL_SEED: u32 = 0x1234_ABCD;

/// The generator's state, shared by every Lua state the runtime creates (so `SCRIPT FLUSH`
/// does not reset the sequence, as in Redis 7.0).
#[derive(Clone)]
pub(crate) struct Rand48(Rc<Cell<u64>>);

impl Rand48 {
    /// The state the process starts with: Redis's `rand.c` initialises it as
    /// `srand48(0x1234ABCD)` would, so a new server's first `math.random` calls answer as
    /// redis-server's do.
    pub(crate) fn new() -> Rand48 {
        let r = Rand48(Rc::new(Cell::new(0)));
        r.reseed(INITIAL_SEED);
        r
    }

    fn reseed(&self, seed: u32) {
        self.0.set((u64::from(seed) << 16) | SEED_LOW);
    }
}

impl RandomSource for Rand48 {
    fn seed(&mut self, seed: u32) {
        self.reseed(seed);
    }

    /// The next 31-bit number (`lrand48`).
    fn next_u31(&mut self) -> u32 {
        let x = self
            .0
            .get()
            .wrapping_mul(MULTIPLIER)
            .wrapping_add(INCREMENT)
            & MASK_48;
        self.0.set(x);
        (x >> 17) as u32
    }
}

use redis_runtime::{CallOptions, CommandFlags, CommandInfo, Host, Reply, Runtime};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static BYTES: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 { ALLOCS.fetch_add(1, Relaxed); BYTES.fetch_add(l.size(), Relaxed); System.alloc(l) }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) { System.dealloc(p, l) }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, n: usize) -> *mut u8 { ALLOCS.fetch_add(1, Relaxed); BYTES.fetch_add(n, Relaxed); System.realloc(p, l, n) }
}
#[global_allocator]
static A: Counting = Counting;
struct H(i64);
impl Host for H {
    fn command(&self, _a: &[&[u8]]) -> Option<CommandInfo> { Some(CommandInfo { arity: 2, flags: CommandFlags { write: true, ..Default::default() } }) }
    fn call(&mut self, _a: &[&[u8]], _p: u8) -> Reply { self.0 += 1; Reply::Integer(self.0) }
}
fn main() {
    let mut rt = Runtime::new().unwrap();
    let mut h = H(0);
    for (body, keys) in [(&b"return 1"[..], &[][..]), (b"return redis.call('INCR', KEYS[1])", &[&b"counter"[..]][..])] {
        let sha = rt.script_load(body).unwrap();
        for _ in 0..1000 { rt.evalsha(&mut h, sha.as_bytes(), keys, &[], CallOptions::default()); }
        let (a0, b0) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
        let n = 100000;
        let t = std::time::Instant::now();
        for _ in 0..n { rt.evalsha(&mut h, sha.as_bytes(), keys, &[], CallOptions::default()); }
        let el = t.elapsed();
        println!("{}: {:.1} allocs/call {:.0} bytes/call {:?}/call mem {}", String::from_utf8_lossy(body), (ALLOCS.load(Relaxed)-a0) as f64 / n as f64, (BYTES.load(Relaxed)-b0) as f64 / n as f64, el / n, rt.used_memory());
    }
}

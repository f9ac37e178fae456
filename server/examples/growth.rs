//! Keyspace growth latency: insert ten million keys into the keyspace's dictionary and report
//! the slowest single insert (Redis's incremental rehashing keeps it far below 10 ms; a plain
//! hash map pauses to move every entry when it doubles).
//!
//! `cargo run --release -p server --example growth [keys]`

use server::db::{Dict, Value};
use std::time::{Duration, Instant};

fn main() {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000_000);
    let mut dict: Dict<Value> = Dict::new();
    let mut slowest = Duration::ZERO;
    let mut over_1ms = 0;
    let start = Instant::now();
    for i in 0..count {
        let key = format!("key:{i:010}");
        let t = Instant::now();
        dict.insert_new(key.as_bytes(), Value::string(b"0123456789"));
        let took = t.elapsed();
        if took > Duration::from_millis(1) {
            over_1ms += 1;
        }
        slowest = slowest.max(took);
    }
    println!(
        "{count} inserts in {:.2?}: slowest {:.3?}, {over_1ms} over 1 ms",
        start.elapsed(),
        slowest
    );
}

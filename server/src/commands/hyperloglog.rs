//! HyperLogLog commands (`hyperloglog.c`): PFADD, PFCOUNT, PFMERGE and PFDEBUG, on string
//! values holding Redis's HLL bytes (see `db::hyperloglog`).

use super::{Ctx, Handler, WRONGTYPE};
use crate::db::bytes::Bytes;
use crate::db::hyperloglog as hll;
use crate::db::notify::class;
use crate::db::Value;

pub const HANDLERS: &[(&str, Handler)] = &[
    ("pfadd", pfadd),
    ("pfcount", pfcount),
    ("pfmerge", pfmerge),
    ("pfdebug", pfdebug),
    ("pfselftest", pfselftest),
];

const NOT_HLL: &str = "WRONGTYPE Key is not a valid HyperLogLog string value.";
const CORRUPT: &str = "INVALIDOBJ Corrupted HLL object detected";

/// The HLL bytes at `key`: `Ok(None)` when absent; `Err` after WRONGTYPE (not a string, or
/// not an HLL).
fn read_hll(ctx: &mut Ctx, key: &[u8]) -> Result<Option<Vec<u8>>, ()> {
    let db = ctx.client.db;
    let bytes = match ctx.server.keyspace.read(db, key) {
        None => return Ok(None),
        Some(Value::Str(s)) => s.to_vec(),
        Some(_) => {
            ctx.client.reply.error(WRONGTYPE);
            return Err(());
        }
    };
    if !hll::is_hll(&bytes) {
        ctx.client.reply.error(NOT_HLL);
        return Err(());
    }
    Ok(Some(bytes))
}

fn store(ctx: &mut Ctx, key: &[u8], bytes: Vec<u8>) {
    let db = ctx.client.db;
    let value = Value::Str(Bytes::from_vec(bytes));
    match ctx.server.keyspace.write(db, key) {
        // Keep the key's time to live: the value is changed in place, as Redis does.
        Some(slot) => *slot = value,
        // Counted by the caller, with the change it makes.
        None => ctx.server.keyspace.add_uncounted(db, key, value),
    }
}

fn sparse_max(ctx: &Ctx) -> usize {
    ctx.server.config.settings.hll_sparse_max_bytes
}

fn pfadd(ctx: &mut Ctx, argv: &[&[u8]]) {
    let key = argv[1];
    // Counted as Redis counts them: the key's creation, and each element that raised a
    // register.
    let (mut bytes, mut updates) = match read_hll(ctx, key) {
        Err(()) => return,
        Ok(Some(b)) => (b, 0u64),
        Ok(None) => (hll::new_sparse(), 1),
    };
    let max = sparse_max(ctx);
    for element in &argv[2..] {
        match hll::add(&mut bytes, element, max) {
            Ok(changed) => updates += u64::from(changed),
            Err(hll::Corrupt) => {
                ctx.client.reply.error(CORRUPT);
                return;
            }
        }
    }
    if updates > 0 {
        // Any change makes the cached count stale.
        bytes[15] |= 1 << 7;
        store(ctx, key, bytes);
        let db = ctx.client.db;
        ctx.server.keyspace.modified_counting(db, key, updates);
        ctx.server.keyspace.notify(class::STRING, "pfadd", db, key);
    }
    ctx.client.reply.int(i64::from(updates > 0));
}

fn pfcount(ctx: &mut Ctx, argv: &[&[u8]]) {
    if argv.len() > 2 {
        let mut max = vec![0u8; hll::REGISTERS];
        for key in &argv[1..] {
            match read_hll(ctx, key) {
                Err(()) => return,
                Ok(None) => {}
                Ok(Some(bytes)) => {
                    if hll::merge_into(&mut max, &bytes).is_err() {
                        ctx.client.reply.error(CORRUPT);
                        return;
                    }
                }
            }
        }
        let count = hll::estimate(&hll::raw_histogram(&max));
        ctx.client.reply.int(count as i64);
        return;
    }
    let key = argv[1];
    let mut bytes = match read_hll(ctx, key) {
        Err(()) => return,
        Ok(None) => {
            ctx.client.reply.int(0);
            return;
        }
        Ok(Some(b)) => b,
    };
    if let Some(count) = hll::cached_count(&bytes) {
        ctx.client.reply.int(count as i64);
        return;
    }
    let Ok(count) = hll::count(&bytes) else {
        ctx.client.reply.error(CORRUPT);
        return;
    };
    // The count is cached in the header (a write Redis makes, and signals, too).
    hll::set_cached_count(&mut bytes, count);
    store(ctx, key, bytes);
    let db = ctx.client.db;
    ctx.server.keyspace.modified(db, key);
    ctx.client.reply.int(count as i64);
}

fn pfmerge(ctx: &mut Ctx, argv: &[&[u8]]) {
    let mut max = vec![0u8; hll::REGISTERS];
    let mut use_dense = false;
    for key in &argv[1..] {
        match read_hll(ctx, key) {
            Err(()) => return,
            Ok(None) => {}
            Ok(Some(bytes)) => {
                use_dense |= !hll::is_sparse(&bytes);
                if hll::merge_into(&mut max, &bytes).is_err() {
                    ctx.client.reply.error(CORRUPT);
                    return;
                }
            }
        }
    }
    let dest = argv[1];
    let db = ctx.client.db;
    // The destination was checked above (it is the first source).
    let mut bytes = match ctx.server.keyspace.write(db, dest) {
        Some(Value::Str(s)) => s.to_vec(),
        _ => hll::new_sparse(),
    };
    if use_dense && hll::to_dense(&mut bytes).is_err() {
        ctx.client.reply.error(CORRUPT);
        return;
    }
    let sparse_max = sparse_max(ctx);
    for (index, &count) in max.iter().enumerate() {
        if count != 0 && hll::raise(&mut bytes, index, count, sparse_max).is_err() {
            break;
        }
    }
    bytes[15] |= 1 << 7;
    store(ctx, dest, bytes);
    ctx.server.keyspace.modified(db, dest);
    ctx.server.keyspace.notify(class::STRING, "pfadd", db, dest);
    ctx.client.reply.ok();
}

fn pfdebug(ctx: &mut Ctx, argv: &[&[u8]]) {
    let sub = String::from_utf8_lossy(argv[1]).into_owned();
    let key = argv[2];
    let db = ctx.client.db;
    let exists = ctx.server.keyspace.write(db, key).is_some();
    if !exists {
        ctx.client
            .reply
            .error("ERR The specified key does not exist");
        return;
    }
    let mut bytes = match read_hll(ctx, key) {
        Ok(Some(b)) => b,
        _ => return,
    };
    let arity_error = |ctx: &mut Ctx| {
        ctx.client.reply.error(&format!(
            "ERR Wrong number of arguments for the '{sub}' subcommand"
        ));
    };
    match sub.to_ascii_lowercase().as_str() {
        "getreg" => {
            if argv.len() != 3 {
                return arity_error(ctx);
            }
            if hll::is_sparse(&bytes) {
                if hll::to_dense(&mut bytes).is_err() {
                    ctx.client.reply.error(CORRUPT);
                    return;
                }
                store(ctx, key, bytes.clone());
                // Counted so the conversion is propagated, as Redis forces it.
                ctx.server.keyspace.count_writes(1);
            }
            let registers = hll::registers(&bytes);
            let out = &mut ctx.client.reply;
            out.array(registers.len());
            for r in registers {
                out.int(i64::from(r));
            }
        }
        "decode" => {
            if argv.len() != 3 {
                return arity_error(ctx);
            }
            if !hll::is_sparse(&bytes) {
                ctx.client.reply.error("ERR HLL encoding is not sparse");
                return;
            }
            ctx.client.reply.bulk(hll::decode_sparse(&bytes).as_bytes());
        }
        "encoding" => {
            if argv.len() != 3 {
                return arity_error(ctx);
            }
            let name: &[u8] = if hll::is_sparse(&bytes) {
                b"sparse"
            } else {
                b"dense"
            };
            ctx.client.reply.status(name);
        }
        "todense" => {
            if argv.len() != 3 {
                return arity_error(ctx);
            }
            let converted = hll::is_sparse(&bytes);
            if converted {
                if hll::to_dense(&mut bytes).is_err() {
                    ctx.client.reply.error(CORRUPT);
                    return;
                }
                store(ctx, key, bytes);
                // Counted so the conversion is propagated, as Redis forces it.
                ctx.server.keyspace.count_writes(1);
            }
            ctx.client.reply.int(i64::from(converted));
        }
        _ => ctx
            .client
            .reply
            .error(&format!("ERR Unknown PFDEBUG subcommand '{sub}'")),
    }
}

/// PFSELFTEST: the dense and sparse encodings fed the same unique elements agree on the count,
/// a small HLL stays sparse, and the estimate stays within six standard errors
/// (`pfselftestCommand`, over a million elements where Redis goes to ten million).
fn pfselftest(ctx: &mut Ctx, _argv: &[&[u8]]) {
    let sparse_max = ctx.server.config.settings.hll_sparse_max_bytes;
    let seed = ctx.server.random();
    match self_test(seed, sparse_max) {
        Ok(()) => ctx.client.reply.ok(),
        Err(text) => ctx.client.reply.error(&text),
    }
}

fn self_test(seed: u64, sparse_max: usize) -> Result<(), String> {
    let corrupt = |_| "TESTFAILED corrupted HLL".to_string();
    let mut dense = hll::new_sparse();
    hll::to_dense(&mut dense).map_err(corrupt)?;
    let mut sparse = hll::new_sparse();
    let relative_error = 1.04 / (16384f64).sqrt();
    let mut checkpoint: u64 = 1;
    for j in 1..=1_000_000u64 {
        let element = (j ^ seed).to_le_bytes();
        hll::add(&mut dense, &element, sparse_max).map_err(corrupt)?;
        hll::add(&mut sparse, &element, sparse_max).map_err(corrupt)?;
        if j != checkpoint {
            continue;
        }
        if (j as usize) < sparse_max / 2 && !hll::is_sparse(&sparse) {
            return Err("TESTFAILED sparse encoding not used".into());
        }
        let estimate = hll::count(&dense).map_err(corrupt)?;
        if estimate != hll::count(&sparse).map_err(corrupt)? {
            return Err("TESTFAILED dense/sparse disagree".into());
        }
        let error = checkpoint.abs_diff(estimate);
        let max_error = (relative_error * 6.0 * checkpoint as f64).ceil() as u64;
        if error > max_error {
            return Err(format!(
                "TESTFAILED Too big error. card:{checkpoint} abserr:{error}"
            ));
        }
        checkpoint *= 10;
    }
    Ok(())
}

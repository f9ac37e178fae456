//! How a corrupt value is reported: the reader's labels ([`super::LoadError::Bad`]) turned
//! into the reason redis-server 7.0.15 logs for the same fault, with the `rdb.c` line that
//! logs it (its text names it: `Internal error in RDB reading offset N, function at rdb.c:L
//! -> reason`; the lines are those of the reference build, Debian's, whose security fixes
//! move them a little from the release's source). Tools that watch the log (Redis's own
//! tests among them) look for these reasons.

/// Redis's reason and `rdb.c` line for the reader's label `what`. A label with no
/// counterpart is a read that ran out of data in Redis (`Unexpected EOF reading RDB file`).
pub fn reason(what: &str) -> (&'static str, u32) {
    match what {
        "duplicate intset member" => ("Duplicate set members detected", 1809),
        "duplicate set member" => ("Duplicate set members detected", 1829),
        "zset nan score" => ("Zset with NAN score detected", 1882),
        "duplicate zset member" => ("Duplicate zset fields detected", 1894),
        "duplicate small hash field" => ("Hash with dup elements", 1951),
        "duplicate hash field" => ("Duplicate hash fields detected", 2019),
        "quicklist container" => ("Quicklist integrity check failed.", 2048),
        "list listpack" => ("Listpack integrity check failed.", 2071),
        "quicklist ziplist" => ("Ziplist integrity check failed.", 2081),
        "hash zipmap" => ("Zipmap integrity check failed.", 2130),
        "list ziplist" => ("List ziplist integrity check failed.", 2189),
        "intset" => ("Intset integrity check failed.", 2214),
        "zset ziplist" => ("Zset ziplist integrity check failed.", 2229),
        "zset listpack" => ("Zset listpack integrity check failed.", 2255),
        "hash ziplist" => ("Hash ziplist integrity check failed.", 2275),
        "hash listpack" => ("Hash listpack integrity check failed.", 2301),
        "stream node key" => ("Stream node key entry is not the size of a stream ID", 2343),
        // The node checks Redis makes while validating a stream's listpack.
        "stream listpack"
        | "stream listpack entry"
        | "stream master entry"
        | "stream entry"
        | "stream entry flags"
        | "stream entry count"
        | "stream entry order"
        | "stream node counts" => ("Stream listpack integrity check failed.", 2362),
        "empty stream node" => ("Empty listpack inside stream", 2374),
        "stream length" => ("Stream length inconsistent with rax entries", 2430),
        "duplicate group" => ("Duplicated consumer group name", 2480),
        "duplicate pending id" => (
            "Duplicated global PEL entry loading stream consumer group",
            2516,
        ),
        "duplicate consumer" => ("Duplicate stream consumer detected.", 2543),
        "consumer pending id" => ("Consumer entry not found in group global PEL", 2573),
        "pending id owned twice" => (
            "Stream consumer PEL entry already has a consumer assigned",
            2583,
        ),
        "pending without consumer" => ("Stream CG PEL entry without consumer", 2611),
        "crc" => ("RDB CRC error", 3225),
        _ => ("Unexpected EOF reading RDB file", EOF_LINE),
    }
}

/// Whether Redis meets the fault labelled `what` as data running out (it then reports the
/// file as cut short), not as a corrupt value.
pub fn is_read_error(what: &str) -> bool {
    reason(what).1 == EOF_LINE
}

/// The line of Redis's report of a file cut short.
const EOF_LINE: u32 = 3249;

/// Redis's log line for a corrupt value met `offset` bytes into what was being loaded.
pub fn log_line(what: &str, offset: u64) -> String {
    let (reason, line) = reason(what);
    format!("Internal error in RDB reading offset {offset}, function at rdb.c:{line} -> {reason}")
}

/// The name `redis-check-rdb` gives a value type (`rdb_type_string`).
pub fn type_name(rdb_type: u8) -> &'static str {
    const NAMES: [&str; 19] = [
        "string",
        "list-linked",
        "set-hashtable",
        "zset-v1",
        "hash-hashtable",
        "zset-v2",
        "module-value",
        "",
        "",
        "hash-zipmap",
        "list-ziplist",
        "set-intset",
        "zset-ziplist",
        "hash-ziplist",
        "quicklist",
        "stream",
        "hash-listpack",
        "zset-listpack",
        "quicklist-v2",
    ];
    NAMES
        .get(usize::from(rdb_type))
        .copied()
        .unwrap_or("unknown")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_read_as_redis_reports_them() {
        assert_eq!(
            log_line("list ziplist", 0),
            "Internal error in RDB reading offset 0, function at rdb.c:2189 -> List ziplist integrity check failed."
        );
        assert_eq!(reason("string").0, "Unexpected EOF reading RDB file");
        assert_eq!(type_name(18), "quicklist-v2");
        assert_eq!(type_name(19), "unknown");
        assert_eq!(type_name(200), "unknown");
    }
}

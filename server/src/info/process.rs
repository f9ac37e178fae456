//! Facts about the process and the machine that `INFO` reports, read from `/proc` as Redis
//! reads them (`zmalloc_get_rss`, `zmalloc_get_memory_size`, `uname`).

/// Resident set size in bytes (`used_memory_rss`): pages resident times the page size.
pub fn rss_bytes() -> usize {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|t| t.split_whitespace().nth(1)?.parse::<usize>().ok())
        .unwrap_or(0);
    pages * page_size()
}

fn page_size() -> usize {
    // SAFETY: sysconf has no preconditions; it only reads a system constant.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    usize::try_from(size)
        .ok()
        .filter(|&s| s > 0)
        .unwrap_or(4096)
}

/// The machine's memory in bytes (`total_system_memory`).
pub fn total_system_memory() -> usize {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|t| {
            let line = t.lines().find(|l| l.starts_with("MemTotal:"))?;
            let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kb * 1024)
        })
        .unwrap_or(0)
}

/// `uname`'s system name, release and machine (`os:Linux 6.1.0 x86_64`).
pub fn os_description() -> String {
    let read = |path: &str| {
        std::fs::read_to_string(path)
            .map(|t| t.trim().to_string())
            .unwrap_or_default()
    };
    let name = read("/proc/sys/kernel/ostype");
    let name = if name.is_empty() {
        std::env::consts::OS.to_string()
    } else {
        name
    };
    format!(
        "{name} {} {}",
        read("/proc/sys/kernel/osrelease"),
        std::env::consts::ARCH
    )
}

/// Redis's LRU clock: seconds, in 24 bits (`lru_clock`).
pub fn lru_clock() -> i64 {
    (crate::db::now_ms() / 1000) & ((1 << 24) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_process_and_machine_figures_are_read() {
        assert!(rss_bytes() > 0);
        assert!(total_system_memory() > rss_bytes());
        assert!(os_description().starts_with("Linux "));
        assert!((0..1 << 24).contains(&lru_clock()));
    }
}

//! The host the runtime's benchmarks run scripts against: one command, `INCR`, on one
//! counter, costing nothing, so what is measured is the runtime.

use redis_runtime::{CommandFlags, CommandInfo, Host, Reply};

/// A host with one command, `INCR`, on one counter.
#[derive(Default)]
pub struct CounterHost {
    /// How many INCRs ran.
    pub counter: i64,
}

impl Host for CounterHost {
    fn command(&self, argv: &[&[u8]]) -> Option<CommandInfo> {
        argv.first()
            .filter(|name| name.eq_ignore_ascii_case(b"incr"))
            .map(|_| CommandInfo {
                arity: 2,
                flags: CommandFlags {
                    write: true,
                    deny_oom: true,
                    ..CommandFlags::default()
                },
            })
    }

    fn call(&mut self, _argv: &[&[u8]], _protocol: u8) -> Reply {
        self.counter += 1;
        Reply::Integer(self.counter)
    }
}

//! The host's clock: a running script's time is measured with `Host::now`, so a host with its
//! own clock decides what "busy" means (here a clock that moves one second per reading).

mod toy_host;

use redis_runtime::{CallOptions, CommandInfo, Host, Reply, Runtime};
use std::cell::Cell;
use std::time::{Duration, Instant};
use toy_host::ToyHost;

struct ClockHost {
    inner: ToyHost,
    clock: Cell<Instant>,
    ticks: Vec<Duration>,
}

impl Host for ClockHost {
    fn command(&self, argv: &[&[u8]]) -> Option<CommandInfo> {
        self.inner.command(argv)
    }

    fn call(&mut self, argv: &[&[u8]], protocol: u8) -> Reply {
        self.inner.call(argv, protocol)
    }

    fn now(&self) -> Instant {
        let t = self.clock.get() + Duration::from_secs(1);
        self.clock.set(t);
        t
    }

    fn script_tick(&mut self, elapsed: Duration, _script: &str) -> bool {
        self.ticks.push(elapsed);
        elapsed >= Duration::from_secs(3)
    }
}

#[test]
fn busy_time_comes_from_the_hosts_clock() {
    let mut runtime = Runtime::new().expect("runtime");
    let mut host = ClockHost {
        inner: ToyHost::default(),
        clock: Cell::new(Instant::now()),
        ticks: Vec::new(),
    };
    let reply = runtime.eval(
        &mut host,
        b"local i = 0 while true do i = i + 1 end",
        &[],
        &[],
        CallOptions::default(),
    );
    assert_eq!(
        host.ticks,
        [0, 1, 2, 3].map(Duration::from_secs),
        "one reading per tick, timed from the first"
    );
    match reply {
        Reply::Error(e) => assert!(
            String::from_utf8_lossy(&e).starts_with("ERR Script killed by user with SCRIPT KILL"),
            "{}",
            String::from_utf8_lossy(&e)
        ),
        other => panic!("{other:?}"),
    }
}

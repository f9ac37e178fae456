//! Side-by-side benchmarks: the Lua programs under `scripts/<group>/<name>.lua` are run as
//! child processes under our interpreter, `lua5.1` and `luajit -joff`; the runner reports the
//! best wall time and peak memory of each, checks every output against lua5.1's, and prints
//! the ratios with their geometric means. The binary `compare` is a thin wrapper over [`run`].

mod child_wait;
mod cli;
mod counter_host;
mod discover;
mod interpreters;
mod measure;
mod report;
mod runner;
mod sys_wait;
mod tally;

pub use counter_host::CounterHost;
pub use runner::run;

//! Differential conformance harness: runs the scripts under `cases/` with an
//! interpreter and compares stdout, stderr and exit status with goldens
//! recorded from the reference `lua5.1`. The tests live in `tests/`; this
//! library holds the pieces they share.

mod bless;
mod case;
mod diff;
mod golden;
mod ignore;
mod locate;
mod outcome;
mod parallel;
mod run;

pub use bless::{bless_all, BlessSummary};
pub use case::{discover, Case};
pub use diff::{compare, Mismatch};
pub use golden::{read_golden, write_golden};
pub use ignore::{parse_ignore_list, IgnoreList};
pub use locate::{find_on_path, lua_under_test, reference_lua, REFERENCE_NAME};
pub use outcome::{Exit, Outcome};
pub use parallel::map_parallel;
pub use run::{run_case, timeout_from_env};

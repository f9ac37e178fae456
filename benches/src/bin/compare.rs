//! `cargo run --release -p benches --bin compare -- [options] [filter...]`; see `--help`.

fn main() -> std::process::ExitCode {
    benches::run(std::env::args().skip(1))
}

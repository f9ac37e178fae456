#!/usr/bin/env bash
# Run the fuzz targets: `run.sh [SECONDS] [TARGET...]` gives each target SECONDS of fuzzing
# (default 60) starting from its seeded corpus; `RUNS=N run.sh` runs N inputs each instead
# (what CI does: a fixed-count regression run). Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`); says so and skips without them. A crash leaves its input in
# artifacts/<target>/ and stops the script with a failure.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
cd "$HERE/../.."

if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz on the nightly toolchain is not installed (cargo install cargo-fuzz): fuzzing skipped"
  exit 0
fi

SECONDS_EACH="${1:-60}"
shift || true
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
  TARGETS=(lua_compile lua_run cjson cmsgpack lua_struct resp eval rdb)
fi

[ -d "$HERE/corpus" ] || python3 "$HERE/seed.py" >/dev/null

if [ -n "${RUNS:-}" ]; then
  LIMIT="-runs=$RUNS"
else
  LIMIT="-max_total_time=$SECONDS_EACH"
fi

# Build every target first, so that one that no longer compiles fails the run.
cargo +nightly fuzz build --fuzz-dir "$HERE" -O

for target in "${TARGETS[@]}"; do
  echo "== $target ($LIMIT)"
  mkdir -p "$HERE/corpus/$target"
  cargo +nightly fuzz run --fuzz-dir "$HERE" -O "$target" "$HERE/corpus/$target" -- \
    "$LIMIT" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 2>&1 \
    | grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|Done [0-9]+ runs)|panicked|Test unit written" || true
  for found in "$HERE/artifacts/$target"/crash-* "$HERE/artifacts/$target"/timeout-* \
               "$HERE/artifacts/$target"/oom-* "$HERE/artifacts/$target"/leak-*; do
    if [ -e "$found" ]; then
      echo "$target: a failing input is in $found" >&2
      exit 1
    fi
  done
done

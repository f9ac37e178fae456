#!/usr/bin/env bash
# Run the fuzz targets: `run.sh [SECONDS] [TARGET...]` gives each target SECONDS of fuzzing
# (default 60) starting from its seeded corpus; `RUNS=N run.sh` runs N inputs each instead
# (what CI does: a fixed-count regression run). Needs the nightly toolchain and cargo-fuzz
# (`cargo install cargo-fuzz`); says so and skips without them. A crash leaves its input in
# artifacts/<target>/ and stops the script with a failure. `lua_differential` (ours against
# lua5.1 on the same program) links Debian's liblua5.1 (`apt-get install liblua5.1-0-dev`); it
# runs in fork mode, where an input that keeps lua5.1's C code busy past the timeout (a
# pattern that backtracks for hours, say) is set aside instead of stopping the campaign.
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
  TARGETS=(lua_compile lua_run lua_differential cjson cmsgpack lua_struct resp eval rdb)
fi

[ -d "$HERE/corpus" ] || python3 "$HERE/seed.py" >/dev/null

if [ -n "${RUNS:-}" ]; then
  LIMIT="-runs=$RUNS"
else
  LIMIT="-max_total_time=$SECONDS_EACH"
fi

# The differential target needs liblua5.1 to link; without it, it is left out (said so).
if ! compgen -G "/usr/lib/*/liblua5.1.so" >/dev/null && ! [ -e /usr/lib/liblua5.1.so ]; then
  echo "liblua5.1-0-dev is not installed: lua_differential skipped"
  KEPT=()
  for target in "${TARGETS[@]}"; do
    [ "$target" = lua_differential ] || KEPT+=("$target")
  done
  TARGETS=("${KEPT[@]}")
fi

# Build every target first, so that one that no longer compiles fails the run.
for target in "${TARGETS[@]}"; do
  cargo +nightly fuzz build --fuzz-dir "$HERE" -O "$target"
done

for target in "${TARGETS[@]}"; do
  echo "== $target ($LIMIT)"
  mkdir -p "$HERE/corpus/$target"
  MODE=(-timeout=10)
  if [ "$target" = lua_differential ]; then
    MODE=(-fork=1 -ignore_timeouts=1 -ignore_ooms=1 -timeout=3)
  fi
  cargo +nightly fuzz run --fuzz-dir "$HERE" -O "$target" "$HERE/corpus/$target" -- \
    "$LIMIT" "${MODE[@]}" -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 2>&1 \
    | grep -E "^(#[0-9]+ *DONE|stat::number_of_executed_units|==[0-9]+==ERROR|SUMMARY|Done [0-9]+ runs|INFO: exiting)|panicked|differ on|Test unit written" || true
  for found in "$HERE/artifacts/$target"/crash-* "$HERE/artifacts/$target"/timeout-* \
               "$HERE/artifacts/$target"/oom-* "$HERE/artifacts/$target"/leak-*; do
    if [ -e "$found" ]; then
      echo "$target: a failing input is in $found" >&2
      exit 1
    fi
  done
done

#!/usr/bin/env bash
# Run Redis 7.0.15's own tcl test files against luredis.
#
#   REDIS_SRC=/path/to/redis server/scripts/redis_tcl_suite.sh [--spawn] [unit/scripting ...]
#
# REDIS_SRC is a checkout of redis/redis at tag 7.0.15 (only its tests/ directory is used):
#   git clone --depth 1 --branch 7.0.15 https://github.com/redis/redis "$REDIS_SRC"
# The test files are never part of this repository. Without them, or without tclsh, the
# script says so and exits 0, so CI can always call it.
#
# Two modes, as the suite has:
# - external (the default): one server is started on a free loopback port with the debug
#   command enabled, and the suite runs against it (`--host/--port`), skipping the tests
#   tagged external:skip.
# - --spawn: the suite starts and stops servers itself, each with its own configuration file,
#   as it does for redis-server (its `src/redis-server` is ours in a scratch copy of the
#   tests); every test runs, replication, restarts, signals and logs included.
# SERVER_UNDER_TEST=/usr/bin/redis-server runs the same files against another server (the
# reference, for the counts to compare with; --spawn only).
# Tests listed in redis_tcl_skip.txt (each with its reason) are skipped, since one missing
# command aborts the rest of a test file. Exit status: 0 when every test run passed.
set -euo pipefail
cd "$(dirname "$0")/../.."

spawn=0
if [ "${1:-}" = "--spawn" ]; then
  spawn=1
  shift
fi
units=("$@")
[ ${#units[@]} -eq 0 ] && units=(unit/scripting unit/functions unit/tracking)
src="${REDIS_SRC:-target/redis-7.0.15}"

if [ ! -f "$src/tests/test_helper.tcl" ]; then
  echo "redis tcl suite: skipped: no Redis test suite at '$src' (set REDIS_SRC to a checkout of redis/redis at tag 7.0.15)"
  exit 0
fi
tclsh=$(command -v tclsh8.6 || command -v tclsh || true)
if [ -z "$tclsh" ]; then
  echo "redis tcl suite: skipped: tclsh not found (apt-get install -y tcl)"
  exit 0
fi

cargo build -q -p server
binary="${SERVER_UNDER_TEST:-${CARGO_TARGET_DIR:-$PWD/target}/debug/luredis}"
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work/tree"
}
trap cleanup EXIT

if [ "$spawn" = 1 ]; then
  # A scratch copy of the suite whose src/ holds our server (and the reference's tools, which
  # some tests call: redis-cli, redis-benchmark, redis-check-aof).
  mkdir -p "$work/tree/src"
  cp -r "$src/tests" "$work/tree/"
  cp "$binary" "$work/tree/src/redis-server"
  for tool in redis-cli redis-benchmark redis-check-aof redis-check-rdb; do
    if command -v "$tool" >/dev/null 2>&1; then ln -s "$(command -v "$tool")" "$work/tree/src/$tool"; fi
  done
  suite_dir="$work/tree"
  target_args=(--clients 1)
else
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$binary" --port "$port" --bind 127.0.0.1 --save '' --enable-debug-command yes \
    --dir "$work" >"$work/server.log" 2>&1 &
  server_pid=$!
  # Wait (at most 10 s) for the server to accept connections.
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
    sleep 0.1
  done
  suite_dir="$src"
  target_args=(--host 127.0.0.1 --port "$port")
fi

skipfile="$PWD/server/scripts/redis_tcl_skip.txt"
status=0
for unit in "${units[@]}"; do
  log="$work/$(basename "$unit").log"
  # The suite runs from its own directory; at most 15 minutes per file.
  (cd "$suite_dir" && timeout 900 "$tclsh" tests/test_helper.tcl "${target_args[@]}" \
    --single "$unit" --skipfile "$skipfile") >"$log" 2>&1 || status=1
  # Test lines look like "[ok]: name (1 ms)", with colour codes around the word.
  plain=$(sed 's/\x1b\[[0-9;]*m//g' "$log")
  passed=$(grep -c '^\[ok\]:' <<<"$plain" || true)
  failed=$(grep -c '^\[err\]:' <<<"$plain" || true)
  exceptions=$(grep -c '^\[exception\]:' <<<"$plain" || true)
  echo "$unit: $passed passed, $failed failed, $exceptions exceptions (log: $log)"
  grep -E '^\[(err|exception)\]:' <<<"$plain" | sort -u || true
  if [ "$failed" -gt 0 ] || [ "$exceptions" -gt 0 ]; then status=1; fi
done
exit $status

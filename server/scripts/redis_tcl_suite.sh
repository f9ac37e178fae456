#!/usr/bin/env bash
# Run Redis 7.0.15's own tcl test files against luredis in external-server mode.
#
#   REDIS_SRC=/path/to/redis server/scripts/redis_tcl_suite.sh [unit/scripting unit/functions ...]
#
# REDIS_SRC is a checkout of redis/redis at tag 7.0.15 (only its tests/ directory is used):
#   git clone --depth 1 --branch 7.0.15 https://github.com/redis/redis "$REDIS_SRC"
# The test files are never part of this repository. Without them, or without tclsh, the
# script says so and exits 0, so CI can always call it.
#
# The server is started on a free loopback port with the debug command enabled, as the
# suite's external mode expects; tests listed in redis_tcl_skip.txt (each with its reason)
# are skipped because they need something the server does not have yet, since one missing
# command aborts the rest of a test file. Exit status: 0 when every test run passed.
set -euo pipefail
cd "$(dirname "$0")/../.."

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
binary="${CARGO_TARGET_DIR:-$PWD/target}/debug/luredis"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
work=$(mktemp -d)
"$binary" --port "$port" --bind 127.0.0.1 --save '' --enable-debug-command yes \
  --dir "$work" >"$work/server.log" 2>&1 &
server_pid=$!
cleanup() { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
trap cleanup EXIT

# Wait (at most 10 s) for the server to accept connections.
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then break; fi
  sleep 0.1
done

skipfile="$PWD/server/scripts/redis_tcl_skip.txt"
status=0
for unit in "${units[@]}"; do
  log="$work/$(basename "$unit").log"
  # The suite runs from its own directory; at most 15 minutes per file.
  (cd "$src" && timeout 900 "$tclsh" tests/test_helper.tcl --host 127.0.0.1 --port "$port" \
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

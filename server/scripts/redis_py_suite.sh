#!/usr/bin/env bash
# Run redis-py 5.2.1's own tests (from its source distribution) against luredis, and against
# redis-server when it is installed, and print both counts.
#
#   server/scripts/redis_py_suite.sh                  # fetches the sdist with pip
#   REDIS_PY_SRC=/path/to/redis-5.2.1 server/scripts/redis_py_suite.sh
#
# The tests are never part of this repository. Without pytest and redis-py, or without the
# source distribution (no REDIS_PY_SRC and pip cannot download it), the script says so and
# exits 0. Each server is started on a free loopback port and stopped afterwards.
set -uo pipefail
cd "$(dirname "$0")/../.."

files=(test_commands.py test_pipeline.py test_pubsub.py test_encoding.py test_connection.py
       test_lock.py test_scripting.py test_function.py)

if ! python3 -c 'import pytest, redis' 2>/dev/null; then
  echo "redis-py suite: skipped: python3 needs pytest and redis (pip install pytest redis==5.2.1)"
  exit 0
fi
work=$(mktemp -d)
src="${REDIS_PY_SRC:-}"
if [ -z "$src" ]; then
  if timeout 120 python3 -m pip download -q --no-binary :all: --no-deps redis==5.2.1 -d "$work" >/dev/null 2>&1 \
     && tar -xzf "$work"/redis-5.2.1.tar.gz -C "$work"; then
    src="$work/redis-5.2.1"
  fi
fi
if [ -z "$src" ] || [ ! -f "$src/tests/conftest.py" ]; then
  echo "redis-py suite: skipped: no redis-py 5.2.1 source distribution (set REDIS_PY_SRC)"
  rm -rf "$work"
  exit 0
fi

cargo build -q -p server
binary="${CARGO_TARGET_DIR:-$PWD/target}/debug/luredis"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Run the files against a server started by the given command line; prints pytest's summary.
run_against() {
  local name=$1; shift
  local port; port=$(free_port)
  "$@" --port "$port" --bind 127.0.0.1 --save '' --enable-debug-command yes --dir "$work" \
    >"$work/$name.log" 2>&1 &
  local pid=$!
  for _ in $(seq 100); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $port), 0.1)" 2>/dev/null && break
    sleep 0.05
  done
  (cd "$src" && timeout 900 python3 -m pytest "${files[@]/#/tests/}" -q -p no:cacheprovider \
     --redis-url="redis://127.0.0.1:$port" >"$work/$name.out" 2>&1)
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null
  echo "$name: $(tail -1 "$work/$name.out")"
}

run_against luredis "$binary"
if command -v redis-server >/dev/null 2>&1; then
  run_against redis-server redis-server
fi
failures() { grep -h '^FAILED\|^ERROR' "$work/$1.out" | cut -d' ' -f2 | sort -u; }
if [ -f "$work/redis-server.out" ]; then
  only_ours=$(comm -23 <(failures luredis) <(failures redis-server))
  if [ -n "$only_ours" ]; then
    echo "failing against luredis only:"
    echo "$only_ours" | sed 's/^/  /'
  else
    echo "every test that passes against redis-server passes against luredis"
  fi
else
  failures luredis | sed 's/^/  failed: /'
fi
rm -rf "$work"

#!/usr/bin/env bash
# Run the official Lua 5.1 test suite under our `lua` and under the reference `lua5.1`, and
# check each file's outcome against the table in RESULTS.md (next to this script).
#
# usage: run.sh SUITE_DIR [OUR_LUA [REFERENCE_LUA]]
#   SUITE_DIR      an unmodified `lua5.1-tests` folder. The suite is not part of this
#                  repository; one copy is in snabbco/snabb at commit 0dda7b2:
#                    git -C <snabb> archive 0dda7b2 lua5.1-tests | tar -x -C /tmp
#   OUR_LUA        default: $CARGO_TARGET_DIR/debug/lua, else <workspace>/target/debug/lua
#   REFERENCE_LUA  default: lua5.1; "-" skips the reference runs
# environment:
#   SUITE_FILES    the files to run (names without .lua), default: all of the table below
#   SUITE_TIMEOUT  seconds allowed per file (default 300)
#   SUITE_KEEP=1   keep the scratch copies and logs
#
# Each file runs from inside a scratch copy of the suite (the tests create and delete files
# there), with LUA_PATH="?;./?.lua", stdin from /dev/null. A file passes when the interpreter
# exits with status 0. The scratch copy gets the empty folder `libs/P1` that the official
# tarball has and git cannot store (attrib.lua writes modules into it).
# Exit status: 0 when every outcome matches RESULTS.md, 1 otherwise, 2 on bad usage.

set -u

FILES_DEFAULT="api attrib calls checktable closure code constructs db errors events files gc
literals locals main math nextvar pm sort strings vararg verybig"

here=$(cd "$(dirname "$0")" && pwd)
workspace=$(cd "$here/../.." && pwd)

if [ $# -lt 1 ] || [ ! -f "$1/all.lua" ]; then
    sed -n '2,22p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
suite=$(cd "$1" && pwd)
ours=${2:-${CARGO_TARGET_DIR:-$workspace/target}/debug/lua}
reference=${3:-lua5.1}
files=${SUITE_FILES:-$FILES_DEFAULT}
limit=${SUITE_TIMEOUT:-300}

absolute() {
    if [ "$1" = "-" ]; then echo "-"; return; fi
    case "$1" in
        */*) (cd "$(dirname "$1")" && echo "$(pwd)/$(basename "$1")") ;;
        *) command -v "$1" || echo "$1" ;;
    esac
}
ours=$(absolute "$ours")
reference=$(absolute "$reference")
if [ ! -x "$ours" ]; then
    echo "run.sh: no interpreter at $ours (build it with cargo build -p lua-core)" >&2
    exit 2
fi

scratch=$(mktemp -d "${TMPDIR:-/tmp}/lua51-suite.XXXXXX")
[ "${SUITE_KEEP:-0}" = 1 ] || trap 'rm -rf "$scratch"' EXIT

# The expected outcomes: table rows "| file | lua5.1 | ours |" in RESULTS.md.
expected() {
    awk -F'|' -v f="$1" -v col="$2" '
        { gsub(/[ \t`]/, "", $2) }
        $2 == f && NF >= 5 { v = $(col + 2); gsub(/[ \t]/, "", v); print v; exit }
    ' "$here/RESULTS.md"
}

# Run one file under one interpreter; prints pass, fail or timeout.
run_one() {
    local lua=$1 name=$2 file=$3 dir="$scratch/$2"
    if [ ! -d "$dir" ]; then
        cp -R "$suite" "$dir"
        mkdir -p "$dir/libs/P1"
    fi
    (cd "$dir" && LUA_PATH="?;./?.lua" timeout "$limit" "$lua" "$file.lua" \
        </dev/null >"$scratch/$name-$file.log" 2>&1)
    case $? in
        0) echo pass ;;
        124) echo timeout ;;
        *) echo fail ;;
    esac
}

printf '%-12s %-8s %-8s %s\n' file lua5.1 ours check
status=0
for f in $files; do
    if [ "$reference" = "-" ]; then ref="-"; else ref=$(run_one "$reference" ref "$f"); fi
    got=$(run_one "$ours" ours "$f")
    check=ok
    want_ref=$(expected "$f" 1)
    want_ours=$(expected "$f" 2)
    if [ -z "$want_ours" ]; then
        check="not in RESULTS.md"
        status=1
    elif [ "$got" != "$want_ours" ] || { [ "$ref" != "-" ] && [ "$ref" != "$want_ref" ]; }; then
        check="UNEXPECTED (RESULTS.md: lua5.1 $want_ref, ours $want_ours)"
        status=1
    fi
    printf '%-12s %-8s %-8s %s\n' "$f" "$ref" "$got" "$check"
    if [ "$got" != pass ]; then
        tail -n 4 "$scratch/ours-$f.log" | sed 's/^/    | /'
    fi
done
[ "${SUITE_KEEP:-0}" = 1 ] && echo "logs and scratch copies: $scratch"
exit $status

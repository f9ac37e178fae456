#!/bin/sh
# Regenerates the golden files from the reference interpreter (Lua 5.1.5 on glibc, x86-64):
#   print.golden   number<TAB>what print shows          (from gen_print.lua)
#   format.golden  format<TAB>number<TAB>string.format   (from gen_format.lua)
# Numbers are written as "%.17g", which names each double exactly.
set -eu
cd "$(dirname "$0")"
lua5.1 gen_print.lua > print.golden
lua5.1 gen_format.lua > format.golden

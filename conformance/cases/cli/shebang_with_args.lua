#!/usr/bin/lua5.1 -x
print("shebang", ...)

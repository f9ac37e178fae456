local a = x or y
local b = x and y
a = a or 1
b = b and b.c
local c = x.y or {}

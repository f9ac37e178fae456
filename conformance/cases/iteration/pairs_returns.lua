local t = {}
local f, s, k = pairs(t)
print(f == next, s == t, k)

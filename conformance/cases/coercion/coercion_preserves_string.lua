local s = "10"
local n = s + 0
print(type(s), type(n), s, n)

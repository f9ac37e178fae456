local p = 0
local n = -0
print(p, n, 1/n)

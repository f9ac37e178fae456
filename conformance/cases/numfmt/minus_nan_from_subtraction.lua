local inf = 1/0
local n = inf - inf
print(n, -n, n ~= n)

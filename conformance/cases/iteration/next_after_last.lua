local t = {x = 1}
local k = next(t)
print(k, next(t, k))

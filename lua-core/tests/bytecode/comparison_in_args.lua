f(a == b, a < b, not a)
local t = {a == b, [1] = a < b}
return a ~= b

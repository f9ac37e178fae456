local a = x == 1 and y or z
local b = (x > 1) == (y > 1)
local c = {a and b, a or b, not a}
f(a and b, a == b)

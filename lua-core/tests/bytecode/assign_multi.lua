a, b, c = 1, 2
a, b = 1, 2, 3
local x, y = 1, 2
x, y = y, x

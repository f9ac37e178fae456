a, b, c = f()
local x, y = g()
local p, q, r = 1, h()
t.x, t.y = f()

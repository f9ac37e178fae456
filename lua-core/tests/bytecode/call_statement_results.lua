f()
local a = f()
local b, c = f()
local d, e, g = 1, f()
x, y = f(), 1

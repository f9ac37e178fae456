local a, b = f(), g()
local c, d, e = f(), g(), h()

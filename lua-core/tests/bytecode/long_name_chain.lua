a.b.c.d.e.f.g = 1
local x = a.b.c.d.e.f.g

local t = {}
local u = t
print(t == u, t ~= {}, rawequal(t, u))

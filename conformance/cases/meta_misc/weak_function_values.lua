local t = setmetatable({}, {__mode = "v"})
t.f = function() end
local g = function() end
t.g = g
collectgarbage()
print(t.f, t.g == g)

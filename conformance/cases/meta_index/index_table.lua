local base = {x = 1, y = 2}
local t = setmetatable({y = 20}, {__index = base})
print(t.x, t.y, t.z)

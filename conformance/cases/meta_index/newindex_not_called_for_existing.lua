local calls = 0
local t = setmetatable({x = 1}, {__newindex = function() calls = calls + 1 end})
t.x = 2
t.y = 3
print(t.x, t.y, calls)

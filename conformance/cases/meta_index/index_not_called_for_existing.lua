local calls = 0
local t = setmetatable({x = false}, {__index = function() calls = calls + 1 return "meta" end})
print(t.x, calls, t.y, calls)

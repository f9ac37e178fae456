local inner = setmetatable({}, {__call = function(_, x) return "inner " .. tostring(x) end})
local outer = setmetatable({}, {__call = inner})
print(pcall(outer, 5))

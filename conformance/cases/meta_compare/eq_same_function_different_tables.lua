local f = function() return true end
local a = setmetatable({}, {__eq = f})
local b = setmetatable({}, {__eq = f})
print(a == b)

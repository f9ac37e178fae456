local mt = {__le = function() return true end}
local x, y = setmetatable({}, mt), setmetatable({}, mt)
print(pcall(function() return x < y end))

local mt = {__lt = function() return true end}
local x = setmetatable({}, mt)
print(pcall(function() return x < 1 end))

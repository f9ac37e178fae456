local x = setmetatable({}, {__lt = function() return true end})
local y = setmetatable({}, {__lt = function() return true end})
print(pcall(function() return x < y end))

local mt = setmetatable({}, {__index = function(_, k) return function() return "via index" end end})
local t = setmetatable({}, mt)
print(pcall(function() return t + 1 end))

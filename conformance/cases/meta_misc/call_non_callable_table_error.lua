local t = setmetatable({}, {})
print(pcall(function() return t() end))

local t = setmetatable({}, {})
print(pcall(function() return t + 1 end))

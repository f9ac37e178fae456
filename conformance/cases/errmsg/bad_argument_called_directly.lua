print(pcall(function() setmetatable(1, {}) end))
print(pcall(function() local t = {} t.x = type() end))

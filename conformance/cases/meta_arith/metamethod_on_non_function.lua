local t = setmetatable({}, {__add = 42})
print(pcall(function() return t + 1 end))

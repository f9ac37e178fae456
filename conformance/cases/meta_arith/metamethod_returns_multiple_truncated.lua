local t = setmetatable({}, {__add = function() return 1, 2 end})
print(t + t)

local t = setmetatable({}, {__add = function() error("inside add") end})
print(pcall(function() return t + 1 end))

local t = setmetatable({1, 2}, {__index = function() return "z" end})
print(unpack(t))
print(unpack(t, 1, 4))

local t = setmetatable({}, {__pow = function(a, b) return "pow" end})
print(t ^ 2, 2 ^ t)

local t = setmetatable({}, {__tostring = function(self) return "I am t" end})
print(tostring(t))
print(t)

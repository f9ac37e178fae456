local c = setmetatable({}, {__call = function(self, x) return "called", x end})
print(pcall(c, 9))

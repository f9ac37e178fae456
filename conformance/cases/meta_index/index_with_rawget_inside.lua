local t = setmetatable({}, {__index = function(self, k) return rawget(self, "_" .. k) end})
rawset(t, "_name", "hidden")
print(t.name, t.other)

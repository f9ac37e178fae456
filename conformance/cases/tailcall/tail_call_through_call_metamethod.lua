local callable = setmetatable({}, {__call = function(self, n) return n * 2 end})
local function f(n) return callable(n) end
print(f(21))

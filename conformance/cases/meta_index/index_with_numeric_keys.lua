local t = setmetatable({1}, {__index = function(_, k) return k * 100 end})
print(t[1], t[2], t[1.5])

local t = setmetatable({v = 5}, {__unm = function(a, b) return -a.v, type(b) end})
print(-t)
print((-t))

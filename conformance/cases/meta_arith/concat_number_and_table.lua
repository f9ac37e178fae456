local t = setmetatable({}, {__concat = function(a, b) return type(a) .. "|" .. type(b) end})
print(5 .. t, t .. 5)

local t = setmetatable({}, {__add = function(a, b) return type(a) .. "+" .. type(b) end})
print("10" + t, t + "10")

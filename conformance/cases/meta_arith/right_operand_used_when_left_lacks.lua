local plain = setmetatable({}, {})
local B = setmetatable({}, {__add = function(a, b) return a == plain end})
print(plain + B)

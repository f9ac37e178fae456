local mt = {__add = function(a, b) return "add(" .. type(a) .. "," .. type(b) .. ")" end}
local t = setmetatable({}, mt)
print(t + 1)

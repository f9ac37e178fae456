local mt = {__div = function(a, b) return (type(a) == "table" and "T" or a) .. "/" .. (type(b) == "table" and "T" or b) end}
local t = setmetatable({}, mt)
print(t / 2, 2 / t)

local calls = ""
local mt = {__lt = function(a, b) calls = calls .. "lt(" .. a.v .. "," .. b.v .. ")" return a.v < b.v end}
local x, y = setmetatable({v = 1}, mt), setmetatable({v = 2}, mt)
print(x <= y, y <= x, calls)

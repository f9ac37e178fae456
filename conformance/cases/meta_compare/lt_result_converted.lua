local mt = {__lt = function() return 0 end}
local x, y = setmetatable({}, mt), setmetatable({}, mt)
print(x < y, x > y)

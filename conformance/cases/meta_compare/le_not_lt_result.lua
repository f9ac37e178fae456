local mt = {__lt = function() return nil end}
local x, y = setmetatable({}, mt), setmetatable({}, mt)
print(x <= y, x >= y)

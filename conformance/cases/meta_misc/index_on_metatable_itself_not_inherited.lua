local mt = {__index = function() return "meta" end}
mt.__add = nil
local t = setmetatable({}, mt)
print(t.k, mt.k)

local proxy
local mt = {__index = function(self, k) return self == proxy end}
proxy = setmetatable({}, mt)
print(proxy.anything)

local obj = {}
obj.m = setmetatable({}, {__call = function(self, o, x) return o == obj, x end})
print(obj:m("arg"))

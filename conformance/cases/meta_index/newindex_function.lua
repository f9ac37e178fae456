local log = ""
local t = setmetatable({}, {__newindex = function(self, k, v) log = log .. k .. "=" .. tostring(v) .. ";" rawset(self, k, v) end})
t.a = 1
t.a = 2
t.b = nil
print(log, t.a)

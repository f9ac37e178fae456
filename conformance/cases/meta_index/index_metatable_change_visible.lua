local mt = {__index = {a = 1}}
local t = setmetatable({}, mt)
print(t.a)
mt.__index = {a = 2}
print(t.a)

local log = {}
local t = setmetatable({}, {__newindex = function(t, k, v) log[#log + 1] = k .. "=" .. v end})
t.a, t.b, t.c = 1, 2, 3
print(#log)
for i = 1, #log do print(log[i]) end

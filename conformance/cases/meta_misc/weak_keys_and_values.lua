local t = setmetatable({}, {__mode = "kv"})
t[1] = {}
t[{}] = 1
t.x = "x"
collectgarbage()
local n = 0
for k, v in pairs(t) do n = n + 1 end
print(n)

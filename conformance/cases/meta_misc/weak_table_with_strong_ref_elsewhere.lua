local t = setmetatable({}, {__mode = "k"})
local k1, k2 = {}, {}
t[k1] = 1 t[k2] = 2
k2 = nil
collectgarbage()
local n = 0
for _ in pairs(t) do n = n + 1 end
print(n, t[k1])

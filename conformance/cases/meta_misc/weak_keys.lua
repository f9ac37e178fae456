local t = setmetatable({}, {__mode = "k"})
local keep = {}
t[{}] = "gone"
t[keep] = "kept"
t["str"] = "string key"
collectgarbage()
collectgarbage()
local n = 0
for k, v in pairs(t) do n = n + 1 end
print(n, t[keep], t.str)

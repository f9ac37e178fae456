local t = setmetatable({}, {__mode = "v"})
t[1] = {}
t[2] = "string stays"
t[3] = 10
local keep = {}
t[4] = keep
collectgarbage()
collectgarbage()
print(t[1], t[2], t[3], t[4] == keep)

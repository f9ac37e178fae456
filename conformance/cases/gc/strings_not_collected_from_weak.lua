local t = setmetatable({}, {__mode = "k"})
t["key"] = 1
t[1] = 2
t[true] = 3
collectgarbage()
print(t.key, t[1], t[true])

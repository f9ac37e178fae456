local t = {}
t[10] = "a"
for k, v in pairs(t) do print(type(k), k, v) end

local t = {}
for i = 1, 20 do t[i] = i end
t.name = "n"
t[30] = 30
for i = 1, 10 do t[i] = nil end
for k, v in pairs(t) do print(k, v) end

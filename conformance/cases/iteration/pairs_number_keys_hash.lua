local t = {}
for _, k in ipairs({7, 3, 100, 42, -5, 1000, 17, 64}) do t[k] = k * 2 end
for k, v in pairs(t) do print(k, v) end

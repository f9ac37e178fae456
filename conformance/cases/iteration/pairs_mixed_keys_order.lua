local t = {10, 20, 30, x = "x", y = "y", [100] = "h", [-1] = "m", [2.5] = "f"}
for k, v in pairs(t) do print(k, v) end

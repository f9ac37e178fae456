local t = {[0.5] = "a", [1.5] = "b", [-2.25] = "c", [1e10] = "d"}
for k, v in pairs(t) do print(k, v) end

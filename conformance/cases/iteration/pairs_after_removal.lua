local t = {a = 1, b = 2, c = 3, d = 4}
t.b = nil
for k, v in pairs(t) do print(k, v) end

local t = {1, 2, x = 3, [4] = 4}
for i, v in ipairs(t) do print(i, v) end

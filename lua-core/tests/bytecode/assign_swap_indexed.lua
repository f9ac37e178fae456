local t, i = {}, 1
i, t[i] = i + 1, 20
t[i], i = 30, 4
local a = {}
a, a.x = 1, 2

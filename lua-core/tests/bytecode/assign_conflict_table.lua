local a, b = {}, {}
a[b], b = 1, 2
local i = 1
i, a[i] = 2, 3
a.x, a = 1, 2

local a, b, c, d, e, f, g, h = 1, 2, 3, 4, 5, 6, 7, 8
local function sum() return a + b + c + d + e + f + g + h end
a = 10
print(sum())

local function f() return 1, 2 end
local a, b, c, d = f(), f()
print(a, b, c, d)

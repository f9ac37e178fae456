local function f() return 1, 2, 3 end
local a, b, c, d = f()
print(a, b, c, d)
local x, y, z = f(), 10
print(x, y, z)

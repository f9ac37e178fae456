local function f() return 1, 2, 3 end
local a = f()
local b, c = f(), 10
print(a, b, c)

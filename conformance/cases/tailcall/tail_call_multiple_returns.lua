local function f() return 1, 2, 3 end
local function g() return f() end
print(g())

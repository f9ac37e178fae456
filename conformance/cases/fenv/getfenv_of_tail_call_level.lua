local function f() return getfenv(2) end
local function g() return f() end
print(pcall(g))

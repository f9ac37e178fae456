local function f() return 1 + f() end
local ok = pcall(f)
print(ok)
local function g(n) if n == 0 then return 0 end return 1 + g(n - 1) end
print(g(100))

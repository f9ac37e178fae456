local depth = 0
local function f(n) if n == 0 then return "bottom" end return (f(n - 1)) end
print(f(1000))

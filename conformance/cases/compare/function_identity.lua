local function f() end
local g = f
print(f == g, f == function() end)

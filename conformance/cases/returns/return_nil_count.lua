local function f() return nil end
local function g() return nil, nil end
print(select("#", f()), select("#", g()))

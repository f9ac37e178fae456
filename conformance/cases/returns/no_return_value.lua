local function f() end
local function g() return end
print(f())
print(g())
print(select("#", f()), select("#", g()), select("#", (f())))

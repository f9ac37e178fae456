-- whether a vararg function that never mentions `...` gets a local `arg`
-- table depends on the compatibility option the reference was built with
local function f(...) return type(arg) end
print(f(1, 2))
local function g(...) local a = arg return type(a), a and a.n, a and a[1] end
print(g("x", "y"))
local function h(...) local n = select("#", ...) return type(arg), n end
print(h(1))

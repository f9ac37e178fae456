local function count(...) return select("#", ...) end
local function f() return 1, 2, 3 end
print(count(f()), count(f(), f()), count((f())), count(f(), nil))

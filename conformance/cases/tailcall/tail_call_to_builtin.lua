local function f(...) return select("#", ...) end
local function g() return f(1, 2) end
local function h(t) return unpack(t) end
print(g(), h({4, 5}))

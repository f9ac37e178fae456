-- module: creating module tables, _M/_NAME/_PACKAGE, environments, options
local function show(m)
  print(m._NAME, m._PACKAGE, m._M == m)
end
-- each call defines the module from a fresh function, whose environment module() replaces
local function def(name, ...)
  local f = function(...)
    module(...)
    x = "inside"
    return _M
  end
  return f(name, ...)
end
local a = def("alpha")
show(a)
print(alpha == a, package.loaded.alpha == a, a.x, x)
local c = def("one.two.three", function(m) print("option got module", m._NAME) end)
show(c)
print(one.two.three == c, type(one.two), one._NAME)
print(def("alpha") == a)
local s = def("seeing", package.seeall)
print(getmetatable(s).__index == _G)
print(pcall(module, "fromc"))
conflict = 5
print(pcall(def, "conflict"))
print(pcall(def, "conflict.sub"))
print(pcall(module))
print(pcall(def, "opt", 42))
local t = {}
print(package.seeall(t), getmetatable(t).__index == _G)
print(pcall(package.seeall, 1))

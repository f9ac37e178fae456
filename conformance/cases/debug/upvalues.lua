-- debug.getupvalue / debug.setupvalue
local a, b, c = 1, 2, 3
local function f() return a + b + c end
for i = -1, 4 do print(i, debug.getupvalue(f, i)) end
print(debug.setupvalue(f, 2, 20), f())
print(debug.setupvalue(f, 4, 0))
print(select('#', debug.getupvalue(print, 1)), select('#', debug.setupvalue(print, 1, 1)))
print(select('#', debug.getupvalue(f, 9)))
print(pcall(debug.getupvalue, f))
print(pcall(debug.getupvalue, 1, 1))
print(pcall(debug.getupvalue, nil, "x"))
print(pcall(debug.setupvalue, f, 1))
print(pcall(debug.setupvalue, {}, 1, 1))
print(select('#', debug.getupvalue(string.gmatch("a", "a"), 1)))
-- open upvalues of a suspended coroutine
local co = coroutine.wrap(function()
  local x = 5
  local function get() return x end
  coroutine.yield(get)
  print("in coroutine, x =", x)
end)
local get = co()
print(debug.getupvalue(get, 1))
print(debug.setupvalue(get, 1, 99))
co()

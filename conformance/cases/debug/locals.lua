-- debug.getlocal / debug.setlocal: named locals, temporaries, varargs, errors
local function dump(level)
  local i = 1
  while true do
    local name, value = debug.getlocal(level + 1, i)
    if not name then break end
    if type(value) == "table" or type(value) == "function" then value = type(value) end
    print("", i, name, value)
    i = i + 1
  end
end

local function f(a, b, ...)
  local c = a + b
  do local inner = "x"; dump(1) end
  local d = c * 2
  dump(1)
  return d
end
f(1, 2, 3, 4)

local function g(...)
  local x = select('#', ...)
  dump(1)
end
g(7, 8)

print("temporaries of a C function (level 0)")
print(debug.getlocal(0, 1))
print(debug.getlocal(0, 2))
print(debug.getlocal(0, 3))
print(debug.getlocal(0, 0))
print(debug.getlocal(0, -1))

print("setlocal")
local function h()
  local v = 1
  local w = 2
  local function set() print(debug.setlocal(2, 2, "changed"), debug.setlocal(2, 9, "none")) end
  set()
  return v, w
end
print(h())

print("errors")
print(pcall(debug.getlocal, 50, 1))
print(pcall(debug.getlocal, "x", 1))
print(pcall(debug.getlocal, 1))
print(pcall(debug.getlocal, 1, "y"))
print(pcall(debug.setlocal, 50, 1, 1))
print(pcall(debug.setlocal, 1, 1))
print(pcall(debug.setlocal, 1))
print(pcall(debug.getlocal))
print(pcall(debug.getlocal, 2^40, 1))

print("locals in the main chunk")
local m1, m2 = "one", "two"
dump(1)
print("temporaries during a call")
local function tmp()
  for i = 6, 9 do
    local name, value = debug.getlocal(2, i)
    if type(value) == "function" or type(value) == "table" then value = type(value) end
    print(i, name, value)
  end
  return 1
end
local r = {10, 20, tmp()}

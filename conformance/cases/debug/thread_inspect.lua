-- inspecting other threads: getinfo, getlocal, setlocal and traceback with a thread argument
local function levels(co)
  local out = {}
  local i = 0
  while true do
    local t = debug.getinfo(co, i, "Sln")
    if not t then break end
    out[#out + 1] = i .. ":" .. t.what .. ":" .. t.currentline .. ":" .. tostring(t.name)
    i = i + 1
  end
  return table.concat(out, " ")
end
local co = coroutine.create(function(a, b)
  local sum = a + b
  local got = coroutine.yield(sum)
  local inner = function() coroutine.yield("inner") end
  inner()
  error("failed with " .. got)
end)
print("not started:", levels(co), debug.getinfo(co, 0))
print(pcall(debug.getlocal, co, 0, 1))
coroutine.resume(co, 1, 2)
print("suspended:", levels(co))
for i = 1, 5 do print(debug.getlocal(co, 1, i)) end
print(debug.getlocal(co, 0, 1))
print(debug.setlocal(co, 1, 3, 100), debug.setlocal(co, 1, 10, 0))
print(debug.getlocal(co, 1, 3))
coroutine.resume(co, "x")
print("in inner:", levels(co))
print(debug.traceback(co, "tb"))
print(coroutine.resume(co))
print("dead:", levels(co))
print(debug.traceback(co))
print(debug.getlocal(co, 1, 1))
-- a thread inspecting itself, and the thread that resumed it
local outer
outer = coroutine.create(function()
  local here = coroutine.running()
  print("self:", debug.getinfo(here, 0, "n").name, debug.getinfo(here, 1, "l").currentline)
  local inner = coroutine.create(function()
    print("resumer:", levels(outer))
    print(debug.traceback(outer))
  end)
  coroutine.resume(inner)
end)
coroutine.resume(outer)
print(pcall(debug.getinfo, co, "x"))
print(pcall(debug.getinfo, co))

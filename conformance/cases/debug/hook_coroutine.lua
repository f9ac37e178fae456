-- hooks belong to a thread
local lines = {}
local co = coroutine.create(function(a)
  local b = a + 1
  coroutine.yield(b)
  return b * 2
end)
debug.sethook(co, function(e, l) lines[#lines + 1] = e .. ":" .. l end, "l")
print(debug.gethook())
print(debug.gethook(co) ~= nil, select(2, debug.gethook(co)))
print(coroutine.resume(co, 1))
print(coroutine.resume(co))
print(table.concat(lines, " "))
-- a hook set in the main thread does not run inside coroutines
local events = 0
debug.sethook(function() events = events + 1 end, "l")
local co2 = coroutine.wrap(function() local x = 1; x = x + 1; return x end)
local before = events
co2()
local after = events
debug.sethook()
print("main-thread hook inside coroutine:", after - before)
-- a coroutine sets its own hook
local seen = {}
local co3 = coroutine.wrap(function()
  debug.sethook(function(e, l) seen[#seen + 1] = l end, "l")
  local z = 1
  coroutine.yield()
  z = z + 1
end)
co3()
local w = 1
co3()
print(#seen, debug.gethook())

-- coroutine.wrap: a function that resumes; values pass like resume's minus the status.
local gen = coroutine.wrap(function(a)
  local b = coroutine.yield(a * 2)
  local c = coroutine.yield(b + 1)
  return "end", c
end)
print(gen(5))
print(gen(10))
print(gen("last"))
print(pcall(gen))
-- errors propagate with the caller's position prefixed to string messages
local bad = coroutine.wrap(function() error("inner failure") end)
print(pcall(bad))
local bad2 = coroutine.wrap(function() error("no position", 0) end)
print(pcall(bad2))
local t = {}
local bad3 = coroutine.wrap(function() error(t) end)
local ok, e = pcall(bad3)
print(ok, e == t)
local bad4 = coroutine.wrap(function() error(42) end)
print(pcall(bad4))
local function call_it() return bad() end
print(pcall(call_it))
-- called from a Lua function, the message gets the caller's position too
local bad5 = coroutine.wrap(function() error("with two positions") end)
print(pcall(function() local r = bad5() return r end))
local dead = coroutine.wrap(function() end)
dead()
print(pcall(function() local r = dead() return r end))

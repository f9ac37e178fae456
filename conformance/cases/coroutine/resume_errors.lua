-- Errors inside a coroutine come back from resume as values and leave it dead.
local co = coroutine.create(function(x)
  coroutine.yield(x)
  error("boom")
end)
print(coroutine.resume(co, 1))
print(coroutine.resume(co))
print(coroutine.status(co))
print(coroutine.resume(co))
print(coroutine.resume(co, 1, 2, 3))
-- error values that are not strings, and errors without position
local t = {}
local co2 = coroutine.create(function() error(t) end)
local ok, e = coroutine.resume(co2)
print(ok, e == t)
print(coroutine.resume(coroutine.create(function() error("no position", 0) end)))
print(coroutine.resume(coroutine.create(function() error() end)))
print(coroutine.resume(coroutine.create(function() local x = nil; return x.field end)))
-- a runtime error in a function called from the coroutine
local function helper() return 1 + {} end
print(coroutine.resume(coroutine.create(function() helper() end)))

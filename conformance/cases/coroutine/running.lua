-- coroutine.running: nil on the main thread, the coroutine itself inside it.
print(coroutine.running())
local co
co = coroutine.create(function()
  print(coroutine.running() == co, type(coroutine.running()))
  local nested = coroutine.wrap(function() return coroutine.running() == co end)
  print("nested differs", nested())
end)
coroutine.resume(co)
print(coroutine.running())

-- Suspended coroutines survive collections; dead ones can be collected; unrelated details.
local co = coroutine.create(function(...)
  local t = {...}
  coroutine.yield(#t)
  collectgarbage()
  return t[1], t[#t]
end)
print(coroutine.resume(co, "a", "b", "c"))
collectgarbage()
print(coroutine.resume(co))
local weak = setmetatable({}, {__mode = "k"})
weak[coroutine.create(function() end)] = true
collectgarbage()
print(next(weak))
-- a coroutine's function may be a closure over a loop variable
local cos = {}
for i = 1, 3 do cos[i] = coroutine.wrap(function() coroutine.yield(i) return i * 10 end) end
for i = 1, 3 do print(cos[i](), cos[i]()) end
-- resume passes exactly the arguments given
local count = coroutine.wrap(function(...) local n = select("#", ...) while true do n = select("#", coroutine.yield(n)) end end)
print(count(), count(nil), count(nil, nil), count(1, 2, 3))

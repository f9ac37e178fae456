-- A yield from deep inside Lua-only calls suspends them all; resume continues each of them.
local function depth(n)
  if n == 0 then
    local v = coroutine.yield("bottom")
    return v
  end
  local r = depth(n - 1)
  return r + 1
end
local co = coroutine.create(function() return depth(50) end)
print(coroutine.resume(co))
print(coroutine.resume(co, 100))
print(coroutine.status(co))
-- yields from a tail-called function and from varargs functions
local function tail(...) return coroutine.yield(select("#", ...), ...) end
local co2 = coroutine.create(function(...) return tail(...) end)
print(coroutine.resume(co2, "a", nil, "c"))
print(coroutine.resume(co2, "r1", "r2"))
-- many values through one yield
local co3 = coroutine.create(function() coroutine.yield(unpack({1, 2, 3, 4, 5, 6, 7, 8, 9, 10})) end)
print(coroutine.resume(co3))
-- locals of suspended frames keep their values; upvalues are shared with the creator
local shared = 0
local co4 = coroutine.create(function()
  local mine = 10
  for i = 1, 3 do
    shared = shared + i
    mine = mine + coroutine.yield(shared)
  end
  return mine
end)
print(coroutine.resume(co4))
shared = 100
print(coroutine.resume(co4, 1))
print(coroutine.resume(co4, 2))
print(coroutine.resume(co4, 3))
print(shared)

-- Coroutines as generators in for loops, and recursive generators (permutations).
local function range(n)
  return coroutine.wrap(function()
    for i = 1, n do coroutine.yield(i) end
  end)
end
for i in range(4) do io.write(i, " ") end
print()
local function permgen(a, n)
  n = n or #a
  if n <= 1 then
    coroutine.yield(a)
  else
    for i = 1, n do
      a[n], a[i] = a[i], a[n]
      permgen(a, n - 1)
      a[n], a[i] = a[i], a[n]
    end
  end
end
for p in coroutine.wrap(function() permgen({1, 2, 3}) end) do
  print(table.concat(p, " "))
end
-- a producer/consumer pair
local producer = coroutine.create(function()
  for _, w in ipairs({"alpha", "beta", "gamma"}) do coroutine.yield(w) end
  return nil
end)
while true do
  local ok, w = coroutine.resume(producer)
  if not w then break end
  print(ok, w, coroutine.status(producer))
end
print(coroutine.status(producer))

-- Recursive Lua-to-Lua calls: one comparison, two calls and one addition per frame.
local N = 35

local function fib(n)
  if n < 2 then
    return n
  end
  return fib(n - 1) + fib(n - 2)
end

print(string.format("fib(%d) = %d", N, fib(N)))

#!/usr/bin/env lua
-- A little of everything the compiler emits.
local t = {1, 2, 3, "four", x = 5, [6] = 6.5}
local function fold(list, f, acc)
  for i, v in ipairs(list) do acc = f(acc, v, i) end
  return acc
end
local up = 0
local function counter() up = up + 1; return up end
for i = 10, 1, -2 do if i % 4 == 0 then counter() elseif i > 5 then break end end
while up < 5 do counter() end
repeat up = up - 1 until up <= 0 or not t
print(fold({1, 2, 3}, function(a, b) return a + b end, 0), #t, t.x, ...)
return t and counter() or nil, "s\0t\n", -0.5, 1e300

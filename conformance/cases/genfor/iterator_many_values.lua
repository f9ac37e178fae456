local function gen()
  local n = 0
  return function() n = n + 1 if n <= 2 then return n, n * 2, n * 3 end end
end
for a, b, c in gen() do print(a, b, c) end

local function range(n)
  local i = 0
  return function() i = i + 1 if i <= n then return i end end
end
for i in range(4) do print(i) end

local n = 0
repeat
  local x = n
  n = n + 1
until x >= 2
print(n)

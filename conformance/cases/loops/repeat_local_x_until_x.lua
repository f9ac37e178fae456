local i = 0
repeat
  i = i + 1
  local x = i > 2 and "stop" or nil
until x
print(i)

local fs = {}
local i = 0
repeat
  i = i + 1
  local stop = i == 3
  fs[i] = function() return stop end
until stop
print(fs[1](), fs[3]())

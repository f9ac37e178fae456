local fs = {}
local i = 0
repeat
  i = i + 1
  local j = i * 10
  fs[i] = function() return j end
until j >= 30
print(fs[1](), fs[2](), fs[3]())

local i = 0
repeat
  local j = i
  local g = function() return j end
  i = i + 1
until g() > 3

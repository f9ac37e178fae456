local fs = {}
local i = 0
repeat
  local j = i
  fs[#fs + 1] = function() return j end
  if i == 2 then break end
  i = i + 1
until false
print(#fs, fs[1](), fs[2](), fs[3]())

local fs = {}
local i = 0
while true do
  i = i + 1
  local j = i
  fs[i] = function() j = j + 100 return j end
  if i == 3 then break end
end
print(fs[1](), fs[2](), fs[3](), fs[3]())

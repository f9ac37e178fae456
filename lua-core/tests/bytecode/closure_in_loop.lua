local t = {}
for i = 1, 3 do
  local j = i
  t[i] = function() j = j + 1 return i + j end
end
while #t > 0 do local x = table.remove(t) x = function() return x end end

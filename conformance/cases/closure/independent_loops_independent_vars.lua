local gets = {}
for i = 1, 2 do
  local acc = 0
  gets[i] = {function(v) acc = acc + v end, function() return acc end}
end
gets[1][1](5) gets[2][1](7) gets[1][1](1)
print(gets[1][2](), gets[2][2]())

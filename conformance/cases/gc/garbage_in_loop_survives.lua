local live = {}
for i = 1, 50000 do
  local tmp = {i}
  if i % 10000 == 0 then live[#live + 1] = tmp end
end
collectgarbage()
print(#live, live[1][1], live[5][1])

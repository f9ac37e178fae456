for i = 1, 3 do
  local j = i
  i = i * 100
  print(j, i)
end

for i = 1, 3 do
  local x
  print(x)
  x = i
end

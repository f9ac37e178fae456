for i = 1, 3 do
  while true do break end
  print(i)
end

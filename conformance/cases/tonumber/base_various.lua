for b = 2, 36 do
  print(b, tonumber("10", b), tonumber("11", b))
end

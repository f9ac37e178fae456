for i = 1, 3 do
  for j = i, 3 do
    f(i, j)
  end
end

for i = 1, 3 do for j = i, 3 do print(i, j) end end

for i = 5, 1, -2 do print(i) end

for i = 1, 10, 3 do print(i) end

for i = 1, 5 do print(i) end

for i = 3, 3 do print(i) end

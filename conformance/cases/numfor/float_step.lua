for i = 0, 1, 0.25 do print(i) end

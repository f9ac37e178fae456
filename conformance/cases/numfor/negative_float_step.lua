for i = 1, 0, -0.5 do print(i) end

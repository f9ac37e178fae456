for i = 1, 1 do print(type(i)) end
for i = 1.5, 1.5 do print(i) end

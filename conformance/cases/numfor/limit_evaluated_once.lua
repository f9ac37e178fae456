local n = 3
for i = 1, n do n = 10 print(i) end

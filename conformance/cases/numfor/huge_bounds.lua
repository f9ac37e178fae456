local n = 0
for i = 1e15, 1e15 + 2 do n = n + 1 end
print(n)
for i = 2^53 - 2, 2^53 - 1 do print(i) end

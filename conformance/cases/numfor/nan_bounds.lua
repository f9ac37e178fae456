local n = 0
for i = 0/0, 10 do n = n + 1 end
for i = 1, 0/0 do n = n + 1 end
print(n)

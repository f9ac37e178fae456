local n = 0
for i = 0, 1, 0.1 do n = n + 1 end
print(n)

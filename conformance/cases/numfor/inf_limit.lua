local n = 0
for i = 1, 1/0 do n = n + 1 if n == 5 then break end end
print(n)

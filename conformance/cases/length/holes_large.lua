local t = {}
for i = 1, 100 do t[i] = i end
for i = 1, 100, 2 do t[i] = nil end
print(#t)

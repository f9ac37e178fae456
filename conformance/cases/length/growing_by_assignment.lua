local t = {}
for i = 1, 10 do t[i] = i end
print(#t)
t[11] = 1
print(#t)
t[13] = 1
print(#t)

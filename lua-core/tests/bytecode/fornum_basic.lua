for i = 1, 10 do f(i) end
for i = 10, 1, -1 do f(i) end
for i = a, b, c do end
for i = 1, #t do t[i] = i end

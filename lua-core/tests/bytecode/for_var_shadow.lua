local i = 10
for i = 1, i do local i = i end
for i, i in f do end

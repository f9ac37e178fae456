local t = {}
t[3] = 3 t[2] = 2 t[1] = 1
print(#t)
t[4] = 4
print(#t)

local t = {1, 2, 3, 4, 5}
t[3] = nil
print(#t)
t[5] = nil
print(#t)

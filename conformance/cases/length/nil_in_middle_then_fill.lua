local t = {1, 2, nil, 4}
print(#t)
t[3] = 3
print(#t)

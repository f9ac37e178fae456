local t = {}
t.x, t.y, t[1] = 1, 2, 3
print(t.x, t.y, t[1])

local t = {1, x = "a", 2, [10] = "ten", 3}
print(t[1], t[2], t[3], t.x, t[10], #t)

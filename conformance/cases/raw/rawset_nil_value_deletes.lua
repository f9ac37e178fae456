local t = {x = 1}
rawset(t, "x", nil)
print(t.x, next(t))

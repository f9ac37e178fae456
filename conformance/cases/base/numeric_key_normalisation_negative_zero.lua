local t = {}
t[0] = "zero"
print(t[-0], t[0.0])

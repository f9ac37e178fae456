local t = {a = 1, b = 2}
print(#t)
t[1] = "x"
print(#t)

local a = 1 .. 2
print(a, type(a))

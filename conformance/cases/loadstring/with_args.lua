local f = loadstring("local a, b = ... return a * b")
print(f(6, 7))

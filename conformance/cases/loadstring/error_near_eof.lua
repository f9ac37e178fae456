print(loadstring("x = 1 +"))
print(loadstring("f("))

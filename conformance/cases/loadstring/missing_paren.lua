print(loadstring("print(1"))
print(loadstring("x = (1 + 2"))

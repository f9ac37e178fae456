print(loadstring("x = = 1"))
print(loadstring("local 1 = 2"))

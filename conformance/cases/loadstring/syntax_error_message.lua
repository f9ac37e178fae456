print(loadstring("x = "))

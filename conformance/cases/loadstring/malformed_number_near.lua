print(loadstring("x = 0x1g"))
print(loadstring("x = 1e+"))
print(loadstring("x = 3..4"))

print(loadstring("return 1 & 2"))
print(loadstring("return 1 ~ 2"))

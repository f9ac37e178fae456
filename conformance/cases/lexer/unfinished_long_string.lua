print(loadstring("return [[abc"))
print(loadstring("x = 1 --[[ never closed"))

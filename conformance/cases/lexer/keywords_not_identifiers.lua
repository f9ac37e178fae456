print(loadstring("local end = 1"))
print(loadstring("local function = 1"))

print(loadstring("local function () end"))
print(loadstring("x.1 = 2"))

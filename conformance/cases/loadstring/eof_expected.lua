print(loadstring("x = 1 end"))
print(loadstring("return return"))

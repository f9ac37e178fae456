print(loadstring("break"))
print(loadstring("if true then break end"))

local f = loadstring("return 1 + 1")
print(type(f), f())

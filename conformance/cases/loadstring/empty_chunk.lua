local f = loadstring("")
print(type(f), f())

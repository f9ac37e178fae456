local f = loadstring("return v")
v = "global v"
print(f())
setfenv(f, {v = "own v"})
print(f())

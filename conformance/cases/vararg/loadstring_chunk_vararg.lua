local f = loadstring("return select('#', ...), ...")
print(f(1, 2, 3))
print(f())

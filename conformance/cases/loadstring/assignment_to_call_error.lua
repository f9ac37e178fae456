print(loadstring("f() = 1"))
print(loadstring("(a) = 1"))
print(loadstring("a.b:c() = 1"))

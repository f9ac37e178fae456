print(loadstring("x ="))
print(loadstring("x =", "named"))
print(loadstring("x =", "=exact"))
print(loadstring("x =", "@path/file.lua"))

print(loadstring("x = \0"))
print(loadstring("a\0b"))

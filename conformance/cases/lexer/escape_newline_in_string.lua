local s = "a\
b"
print(s)
print(#s)

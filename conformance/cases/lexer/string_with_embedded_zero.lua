local s = "a\0b"
print(#s)
print(s == "a\0b", s == "a")

local s = "a" .. "\0" .. "b"
print(#s, s == "a\0b")

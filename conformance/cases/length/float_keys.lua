local t = {}
t[1.0] = "a" t[2] = "b"
print(#t, t[1])

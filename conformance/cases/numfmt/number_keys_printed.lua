local t = {[1.5] = "a", [2] = "b"}
print(t[1.5], t[2], t[2.0])

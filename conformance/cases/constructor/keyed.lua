local t = {x = 1, ["y"] = 2, [3] = "three", [1.5] = "f"}
print(t.x, t.y, t[3], t[1.5])

local t = {}
t[1] = "int"
t[1.0] = "float"
t["1"] = "string"
print(t[1], t["1"])

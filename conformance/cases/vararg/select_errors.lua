print(pcall(select, 0, "a"))
print(pcall(select, -2, "a"))
print(pcall(select, "x"))
print(pcall(select))

print(1, 2.5, "x", nil, true)
print()
print(nil)

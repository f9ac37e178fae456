print("a", "b")
print("", "")
print(1, nil, 2)

print(pcall(rawset, {}, nil, 1))
print(pcall(rawset, {}, 0/0, 1))
print(pcall(rawset, "x", 1, 2))
print(pcall(rawset, {}, 1))

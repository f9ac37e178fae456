print(pcall(pairs, nil))
print(pcall(pairs, 1))

print(pcall(next, nil))
print(pcall(next))

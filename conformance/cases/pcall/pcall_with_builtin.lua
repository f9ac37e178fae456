print(pcall(type, nil))
print(pcall(tostring, 12))
print(pcall(select, "#", 1, 2))

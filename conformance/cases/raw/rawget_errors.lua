print(pcall(rawget, 1, 2))
print(pcall(rawget, {}))
print(pcall(rawget))

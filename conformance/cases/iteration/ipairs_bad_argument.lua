print(pcall(ipairs))
print(pcall(ipairs, nil))

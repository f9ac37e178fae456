print(pcall(assert, false))
print(pcall(assert, nil))

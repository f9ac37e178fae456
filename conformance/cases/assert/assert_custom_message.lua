print(pcall(assert, false, "custom message"))
print(pcall(assert, nil, 42))

print(pcall(type))
